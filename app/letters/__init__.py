"""Drafts: letters answering inquiries, their fields and answer blocks."""
