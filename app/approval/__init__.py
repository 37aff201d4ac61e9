"""Approval: submit, return, approve (freezing the documents) and correct."""
