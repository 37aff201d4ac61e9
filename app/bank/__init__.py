"""The question bank: YAML files of organisations, people, statistics, paragraphs and past inquiries."""
