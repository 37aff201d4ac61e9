"""Users and API tokens: argon2 password hashes, SHA-256 token hashes."""

import hashlib
import secrets

from pwdlib import PasswordHash
from sqlalchemy import Connection, bindparam
from sqlmodel import Session, col, select

from app.errors import Conflict, Invalid, NotFound
from app.models import ApiToken, Role, User
from app.sql import table_of

_hasher = PasswordHash.recommended()
TOKEN_PREFIX = "bsv_"


def hash_password(password: str) -> str:
    """An argon2 hash of `password`."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether `password` matches `password_hash`."""
    return _hasher.verify(password, password_hash)


def _token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    session: Session,
    *,
    username: str,
    role: str,
    name: str,
    title: str | None = None,
    password: str | None = None,
    organisation_id: int | None = None,
    person_id: int | None = None,
) -> User:
    """Create a user; without a password the user can only use tokens."""
    if role not in Role.__members__:
        raise Invalid(f"role must be one of {', '.join(Role)}, not {role!r}", field="role")
    if session.exec(select(User).where(col(User.username) == username)).first():
        raise Conflict(f"user {username!r} exists already")
    user = User(
        username=username,
        role=role,
        name=name,
        title=title,
        password_hash=hash_password(password) if password else None,
        organisation_id=organisation_id,
        person_id=person_id,
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def create_token(session: Session, *, username: str) -> str:
    """A new API token for `username`; only its hash is kept."""
    user = session.exec(select(User).where(col(User.username) == username)).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token)))
    session.commit()
    return token


# Built once: every API request asks it, and building a statement costs more than running it.
_USERS, _TOKENS = table_of(User), table_of(ApiToken)
_USER_FOR_TOKEN = (
    select(*_USERS.c)
    .join(_TOKENS, _TOKENS.c.user_id == _USERS.c.id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.revoked_at.is_(None), _USERS.c.is_active.is_(True))
)


def user_for_token(conn: Connection, token: str) -> User | None:
    """The active user holding `token`, or None; a plain row read into a User the session does not track.

    Every API request asks this first: a Core read costs half of an ORM load in a session
    transaction. Nothing relates to a User, so a detached one is only ever read from.
    """
    row = conn.execute(_USER_FOR_TOKEN, {"token_hash": _token_hash(token)}).first()
    return None if row is None else User(**row._mapping)
