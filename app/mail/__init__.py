"""Mail out: an outbox written with each event, sent once by the worker over SMTP."""
