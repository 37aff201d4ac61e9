"""Users and API tokens: argon2 password hashes, SHA-256 token hashes."""

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date

from pwdlib import PasswordHash
from sqlalchemy import Connection, bindparam, delete, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app import policy
from app.audit import service as audit
from app.errors import Conflict, Invalid, NotFound
from app.inquiries.deadlines import today as danish_today
from app.models import ApiToken, Membership, Organisation, Person, Role, Unit, User, WebSession, utcnow
from app.organisations import structure
from app.policy import Action
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


MIN_PASSWORD = 10
OPERATOR = "operator"  # User.role of the one who runs Besvar (User.operator), which no membership holds


def check_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"a password has at least {MIN_PASSWORD} characters", field=field)


def add_user(
    session: Session,
    *,
    username: str,
    role: str,
    name: str,
    title: str | None = None,
    email: str | None = None,
    password: str | None = None,
    organisation_id: int | None = None,
    person_id: int | None = None,
    units: Sequence[tuple[str, str]] = (),
    by: User | None = None,
    operator: bool = False,
    signs: bool = False,
) -> User:
    """Create a user with memberships (unit key, role); `organisation_id` alone means its default unit in `role`.

    Without a password the user can only use tokens. An admin (`by`) places users only in units of the
    organisations they manage; another municipality's unit is unknown to them.
    """
    if operator:  # runs Besvar, a member of no municipality (app.organisations.municipalities)
        if units or organisation_id is not None or (by is not None and not policy.may(policy.access(session, by), Action.operate)):
            raise Invalid("an operator belongs to no unit", field="role")
        role = OPERATOR
    elif role not in Role.__members__:
        raise Invalid(f"role must be one of {', '.join(Role)}, not {role!r}", field="role")
    if session.exec(select(User).where(col(User.username) == username)).first():
        raise Conflict(f"user {username!r} exists already")
    if password is not None and by is not None:
        check_password(password)
    user = User(
        username=username,
        role=role,
        name=name,
        title=title,
        email=email,
        password_hash=hash_password(password) if password else None,
        organisation_id=organisation_id,
        person_id=person_id,
        operator=operator,
    )
    session.add(user)
    session.flush()
    org = session.get(Organisation, organisation_id) if organisation_id is not None else None
    wanted = list(units)
    if org is not None and not wanted:
        # The organisation's default unit, in the user's role: where a user of one organisation works.
        wanted = [(structure.place(session, org).key, role)]
    for i, (unit_key, unit_role) in enumerate(wanted):
        _check_unit(session, unit_key, by, field=f"memberships.{i}.unit")
        structure.join(session, user=user, unit_key=unit_key, role=unit_role)
    if signs and person_id is None:
        _signatory(session, user, [u for u, r in wanted if r == Role.approver])
    if by is not None:
        audit.record(session, actor=by.username, action="user.add",
                     detail={"username": username, "memberships": [f"{u}: {r}" for u, r in wanted]})
    session.commit()
    session.refresh(user)
    return user


def _signatory(session: Session, user: User, approver_units: list[str]) -> None:
    """An approver made by an admin signs their organisation's letters: the person letters name, with their title."""
    unit = session.exec(select(Unit).where(col(Unit.key).in_(approver_units)).order_by(col(Unit.key))).first()
    if unit is None:
        return
    key = f"bruger-{user.id}"  # the user's id: a username may be any text, and a person key must be unique
    person = Person(key=key, organisation_id=unit.organisation_id, name=user.name, title=user.title, email=user.email,
                    unit=unit.name, role=Role.approver)
    session.add(person)
    session.flush()
    user.person_id = person.id
    session.add(user)


def _check_unit(session: Session, unit_key: str, by: User | None, *, field: str) -> None:
    """422 unless `by` (None: the command line) manages the unit's organisation; another's unit is unknown."""
    unit = session.exec(select(Unit).where(col(Unit.key) == unit_key)).first()
    if unit is None or not policy.may(policy.access(session, by), Action.manage, unit.organisation_id):
        raise Invalid(f"no unit {unit_key!r}", field=field)


def managed(session: Session, by: User | None) -> list[User]:
    """The users `by` manages: members of a unit of an organisation they are admin of (the command line: all)."""
    where = policy.where(policy.access(session, by), Action.manage)
    query = select(User).order_by(col(User.username))
    if where is not None:
        query = query.where(col(User.id).in_(_members_of(where)))
    return list(session.exec(query))


def _members_of(organisations: frozenset[int]):
    return (select(col(Membership.user_id)).join(Unit, col(Unit.id) == col(Membership.unit_id))
            .where(col(Unit.organisation_id).in_(organisations)))


def managed_user(session: Session, username: str, by: User | None) -> User:
    """The user named, if `by` manages them; 404 otherwise, as for a username that does not exist."""
    query = select(User).where(col(User.username) == username)
    where = policy.where(policy.access(session, by), Action.manage)
    if where is not None and by is not None:
        # One query for the one user, not a list of everyone the admin manages.
        query = query.where(or_(col(User.id) == by.id, col(User.id).in_(_members_of(where))))
    user = session.exec(query).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def set_memberships(session: Session, *, username: str, units: Sequence[tuple[str, str]], by: User | None) -> User:
    """Replace the user's memberships in the units `by` manages with these (unit key, role); others stay."""
    user = managed_user(session, username, by)
    for i, (unit_key, role) in enumerate(units):
        _check_unit(session, unit_key, by, field=f"memberships.{i}.unit")
        if role not in Role.__members__:
            raise Invalid(f"role must be one of {', '.join(Role)}, not {role!r}", field=f"memberships.{i}.role")
    where = policy.where(policy.access(session, by), Action.manage)
    mine = select(col(Unit.id)) if where is None else select(col(Unit.id)).where(col(Unit.organisation_id).in_(where))
    before = [f"{p.unit}: {p.role}" for p in structure.memberships(session, user.id)]
    session.exec(delete(Membership).where(col(Membership.user_id) == user.id, col(Membership.unit_id).in_(mine)))
    session.flush()
    for unit_key, role in units:
        structure.join(session, user=user, unit_key=unit_key, role=role)
    if by is not None and user.id == by.id and Role.admin.value not in {r for _, r in units}:
        raise Invalid("you cannot take away your own admin role; another admin can", field="memberships")
    after = [f"{p.unit}: {p.role}" for p in structure.memberships(session, user.id)]
    audit.record(session, actor=by.username if by else "cli", action="user.memberships",
                 detail={"username": username, "before": before, "after": after})
    session.commit()
    session.refresh(user)
    return user


def change_password(session: Session, *, user: User, current: str, new: str, keep_session: str | None = None) -> None:
    """Change one's own password, proving the current one; other login sessions end (`keep_session`, the one
    changing it, stays)."""
    stored_user = session.get(User, user.id)
    if stored_user is None or not stored_user.password_hash or not verify_password(current, stored_user.password_hash):
        raise Invalid("the current password is not right", field="current")
    check_password(new, "new")
    stored_user.password_hash = hash_password(new)
    session.exec(delete(WebSession).where(col(WebSession.user_id) == user.id, col(WebSession.id) != (keep_session or "")))
    audit.record(session, actor=user.username, action="user.password", detail={"username": user.username})
    session.commit()


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


def _token_owners(session: Session, user: User | None) -> set[int] | None:
    """Whose tokens `user` sees and revokes: their own and those of the users they manage (None: everyone's)."""
    if user is None:
        return None
    return {user.id} | {u.id for u in managed(session, user)}


def tokens_of(session: Session, *, user: User | None) -> list[tuple[ApiToken, str]]:
    """The tokens not revoked, with their owner's username: the user's own, and an admin's municipality's."""
    query = select(ApiToken, col(User.username)).join(User, col(User.id) == col(ApiToken.user_id)).where(
        col(ApiToken.revoked_at).is_(None))
    if (owners := _token_owners(session, user)) is not None:
        query = query.where(col(ApiToken.user_id).in_(owners))
    return [(token, username) for token, username in session.exec(query.order_by(col(ApiToken.id)))]


def revoke_token(session: Session, *, token_id: int, user: User | None) -> None:
    """Revoke a token at once: one's own, or (an admin) one of their municipality's; any other is not found (404)."""
    row = session.get(ApiToken, token_id)
    owners = _token_owners(session, user)
    if row is None or row.revoked_at is not None or (owners is not None and row.user_id not in owners):
        raise NotFound(f"no token with id {token_id}")
    row.revoked_at = utcnow()
    audit.record(session, actor=user.username if user else "cli", action="token.revoke", detail={"token_id": token_id})
    session.commit()


def set_active(session: Session, *, username: str, active: bool, by: User | None) -> User:
    """Activate or deactivate a user `by` manages; a deactivated user's sessions and tokens stop at the next request."""
    user = managed_user(session, username, by)
    if not active and by is not None and user.id == by.id:
        # An admin who closes their own account is locked out with no one to open it: another admin must.
        raise Invalid("you cannot deactivate yourself; another admin can", field="active")
    user.is_active = active
    audit.record(session, actor=by.username if by else "cli", action="user.activate" if active else "user.deactivate",
                 detail={"username": username})
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
