"""The web UI: server-rendered Danish pages for drafting and approving."""
