"""The audit trail: append-only, each entry hashing the one before."""
