"""The answer library: paragraphs, statistics, and (later) search and suggestions."""
