"""Intake: inquiries, question parsing, deadlines."""
