"""Browser sessions: server-side, revocable, with idle and absolute timeouts; login throttling."""

import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import delete, func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.auth.service import hash_password, verify_password
from app.config import Settings
from app.db import writing_apart
from app.errors import BesvarError
from app.models import LoginFailure, User, WebSession, utcnow

COOKIE = "__Host-besvar"


class TooManyAttempts(BesvarError):
    status = 429


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(session: Session, *, username: str, password: str, address: str, settings: Settings) -> tuple[str, WebSession] | None:
    """A new session (and its cookie token) for valid credentials; None if they are wrong; 429 when throttled."""
    window = utcnow() - timedelta(minutes=settings.login_window_minutes)
    recent = select(func.count()).select_from(LoginFailure).where(col(LoginFailure.at) >= window)
    # Guessing is throttled per name *and* address: a stranger's five wrong guesses must not lock the
    # director out at her own desk. An address guessing many names (password spraying) is stopped
    # later, since a town hall's staff share one address; a name guessed at from everywhere, later still.
    here = session.exec(recent.where(col(LoginFailure.username) == username, col(LoginFailure.address) == address)).one()
    from_address = session.exec(recent.where(col(LoginFailure.address) == address)).one()
    for_user = session.exec(recent.where(col(LoginFailure.username) == username)).one()
    if here >= settings.login_max_failures or from_address >= settings.login_max_failures * 6 or \
            for_user >= settings.login_max_failures * 20:
        raise TooManyAttempts(f"For mange mislykkede loginforsøg. Prøv igen om {settings.login_window_minutes} minutter.")
    user = session.exec(select(User).where(col(User.username) == username, col(User.is_active).is_(True))).first()
    # Verify against a dummy hash for unknown users too, so timing does not tell which names exist.
    ok = verify_password(password, user.password_hash if user and user.password_hash else _dummy_hash())
    if not (user and user.password_hash and ok):
        session.add(LoginFailure(username=username[:100], address=address[:64]))
        session.commit()
        return None
    session.exec(delete(LoginFailure).where(col(LoginFailure.username) == username, col(LoginFailure.address) == address))
    return start(session, user=user, address=address)


def start(session: Session, *, user: User, address: str, via: str | None = None) -> tuple[str, WebSession]:
    """A new browser session for a user who proved who they are (password, or `via` an identity provider)."""
    token = secrets.token_urlsafe(32)
    web = WebSession(id=_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32))
    session.add(web)
    audit.record(session, actor=user.username, action="user.login",
                 detail={"address": address} | ({"via": via} if via else {}))
    session.commit()
    return token, web


def current(session: Session, *, token: str | None, settings: Settings) -> tuple[User, WebSession] | None:
    """The user and session behind a cookie token, if it is live; refreshes its idle clock."""
    if not token:
        return None
    web = session.get(WebSession, _hash(token))
    now = utcnow()
    if web is None or web.revoked_at is not None:
        return None
    if now - web.last_seen_at > timedelta(minutes=settings.session_idle_minutes) or \
            now - web.created_at > timedelta(hours=settings.session_max_hours):
        _set(session, web, revoked_at=now)
        return None
    user = session.get(User, web.user_id)
    if user is None or not user.is_active:
        return None
    # Touch at most once a minute: a write per page view would serialise every request.
    if now - web.last_seen_at > timedelta(seconds=settings.session_touch_seconds):
        _set(session, web, last_seen_at=now)
    return user, web


def _set(session: Session, web: WebSession, **values) -> None:
    """Write a login session's bookkeeping in a transaction of its own, leaving the request's untouched."""
    with writing_apart(session) as conn:
        conn.execute(update(WebSession).where(col(WebSession.id) == web.id).values(**values))
    for key, value in values.items():
        set_committed_value(web, key, value)


def logout(session: Session, *, token: str | None) -> None:
    """Revoke the session, so the old cookie no longer works anywhere."""
    if token and (web := session.get(WebSession, _hash(token))) and web.revoked_at is None:
        web.revoked_at = utcnow()
        session.commit()


def csrf_ok(web: WebSession, submitted: str | None) -> bool:
    """Whether a form's CSRF token is this session's."""
    return bool(submitted) and hmac.compare_digest(web.csrf_token, submitted or "")


@lru_cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))
