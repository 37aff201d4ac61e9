"""Users and API tokens: argon2 password hashes, SHA-256 token hashes."""

import hashlib
import secrets
from datetime import date

from pwdlib import PasswordHash
from sqlalchemy import Connection, bindparam, delete, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.errors import Conflict, Invalid, NotFound
from app.inquiries.deadlines import today as danish_today
from app.models import ApiToken, Organisation, Role, User, WebSession, utcnow
from app.organisations import structure
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
    session.flush()
    org = session.get(Organisation, organisation_id) if organisation_id is not None else None
    if org is not None:
        # The organisation's default unit, in the user's role: where a user of one organisation works.
        structure.join(session, user=user, unit_key=structure.place(session, org).key, role=role)
    session.commit()
    session.refresh(user)
    return user


def create_token(session: Session, *, username: str, name: str = "API-token", expires_on: date | None = None,
                 read_only: bool = False) -> str:
    """A new API token for `username`; only its hash is kept."""
    return issue_token(session, username=username, name=name, expires_on=expires_on, read_only=read_only)[1]


def issue_token(session: Session, *, username: str, name: str = "API-token", expires_on: date | None = None,
                read_only: bool = False) -> tuple[ApiToken, str]:
    """A new API token for `username` and the token itself, shown this once; only its hash is kept."""
    user = session.exec(select(User).where(col(User.username) == username)).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    if expires_on is not None and expires_on < danish_today():
        raise Invalid("expires_on is in the past", field="expires_on")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_hash(token), name=name, expires_on=expires_on, read_only=read_only)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, token


def tokens_of(session: Session, *, user: User, everyone: bool = False) -> list[tuple[ApiToken, str]]:
    """The tokens not revoked, with their owner's username: the user's own, or everyone's for an admin."""
    query = select(ApiToken, col(User.username)).join(User, col(User.id) == col(ApiToken.user_id)).where(
        col(ApiToken.revoked_at).is_(None))
    if not everyone:
        query = query.where(col(ApiToken.user_id) == user.id)
    return [(token, username) for token, username in session.exec(query.order_by(col(ApiToken.id)))]


def revoke_token(session: Session, *, token_id: int, user: User | None, everyone: bool = False) -> None:
    """Revoke a token at once; another user's token is not found (404) unless `everyone` (an admin, the CLI)."""
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None or (not everyone and (user is None or row.user_id != user.id)):
        raise NotFound(f"no token with id {token_id}")
    row.revoked_at = utcnow()
    session.commit()


def set_active(session: Session, *, username: str, active: bool, by: str) -> User:
    """Activate or deactivate a user; a deactivated user's sessions and tokens stop at the next request."""
    user = session.exec(select(User).where(col(User.username) == username)).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    user.is_active = active
    audit.record(session, actor=by, action="user.activate" if active else "user.deactivate", detail={"username": username})
    if not active:
        # Logged-in pages end at once, not when their session times out.
        session.exec(delete(WebSession).where(col(WebSession.user_id) == user.id))
    session.commit()
    session.refresh(user)
    return user


# Built once: every API request asks it, and building a statement costs more than running it.
_USERS, _TOKENS = table_of(User), table_of(ApiToken)
_USER_FOR_TOKEN = (
    core_select(*_USERS.c, _TOKENS.c.read_only.label("token_read_only"))
    .join(_TOKENS, _TOKENS.c.user_id == _USERS.c.id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.revoked_at.is_(None), _USERS.c.is_active.is_(True),
           or_(_TOKENS.c.expires_on.is_(None), _TOKENS.c.expires_on >= bindparam("today")))
)


def user_for_token(conn: Connection, token: str) -> tuple[User, bool] | None:
    """The active user holding `token` and whether the token is read-only, or None if it is unknown, revoked or expired.

    A plain row read into a User the session does not track: every API request asks this first,
    and a Core read costs half of an ORM load in a session transaction. Nothing relates to a User,
    so a detached one is only ever read from.
    """
    row = conn.execute(_USER_FOR_TOKEN,
                       {"token_hash": _token_hash(token), "today": danish_today()}).first()
    if row is None:
        return None
    values = dict(row._mapping)
    read_only = bool(values.pop("token_read_only"))
    return User(**values), read_only
