"""The login-free link of a contribution: a random token, of which only the SHA-256 is stored."""

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A fresh token and the hash to store (256 random bits: not guessable, and worthless once revoked)."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def path(token: str) -> str:
    """The page the link opens."""
    return f"/bidrag/{token}"


def looks_like_token(value: str) -> bool:
    """Whether `value` could be a token at all (43 URL-safe characters); anything else is not looked up."""
    return len(value) == 43 and all(c.isalnum() or c in "-_" for c in value)
