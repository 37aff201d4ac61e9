"""Organisations (letterhead data) and their people."""
