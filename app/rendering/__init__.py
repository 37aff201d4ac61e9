"""Rendering: LetterContext in, DOCX and PDF bytes out."""
