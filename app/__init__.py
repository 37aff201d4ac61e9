"""Besvar: drafts, approves, renders and files the administration's answers to council members."""

__version__ = "0.1.0"
