"""Indgående: received e-mail (uploaded, or fetched from the mailbox) waiting to become inquiries."""
