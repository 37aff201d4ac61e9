"""A new municipality from nothing, in one step (issue 22): the operator who runs Besvar creates the kommune, its
first forvaltning with its default unit, and its first admin, who signs in and sets up the rest in the browser.
The operator reads none of a municipality's work; this module is the only thing they may do."""

import re
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app import formatting, policy
from app.audit import service as audit
from app.auth import service as auth_service
from app.auth.schemas import UserIn
from app.errors import Conflict, Forbidden, Invalid
from app.models import Membership, Municipality, Organisation, Role, Unit, User
from app.organisations import settings, structure
from app.policy import Action
from app.sql import tuples_of

KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")


@dataclass(frozen=True)
class MunicipalityRow:
    """A municipality as the operator's list shows it: how far it is set up, and who its admins are."""

    key: str
    name: str
    organisations: int
    users: int
    admins: tuple[str, ...]
    sign_in: bool


def _operator(session: Session, by: User | None) -> None:
    if not policy.may(policy.access(session, by), Action.operate):
        raise Forbidden("only the operator creates municipalities")


def overview(session: Session, by: User | None) -> list[MunicipalityRow]:
    """Every municipality, by name, with its counts (three queries however many there are)."""
    _operator(session, by)
    # A list first: dict() of a Result would take it for a mapping (it has keys()).
    orgs = dict(list(tuples_of(session.execute(core_select(col(Organisation.municipality_id), func.count())
                                               .group_by(col(Organisation.municipality_id))))))
    people: dict[int, set[int]] = {}
    admins: dict[int, set[str]] = {}
    for municipality_id, user_id, username, role in tuples_of(session.execute(
            core_select(col(Organisation.municipality_id), col(User.id), col(User.username), col(Membership.role))
            .join(Unit, col(Unit.id) == col(Membership.unit_id))
            .join(Organisation, col(Organisation.id) == col(Unit.organisation_id))
            .join(User, col(User.id) == col(Membership.user_id)))):
        people.setdefault(municipality_id, set()).add(user_id)
        if role == Role.admin:
            admins.setdefault(municipality_id, set()).add(username)
    return [MunicipalityRow(m.key, m.name, orgs.get(m.id, 0), len(people.get(m.id, ())), tuple(sorted(admins.get(m.id, ()))),
                            m.sign_in is not None)
            for m in session.exec(select(Municipality).order_by(col(Municipality.name)))]


def create(session: Session, *, name: str, key: str, organisation: dict, admin: dict, by: User | None) -> Municipality:
    """The municipality, its first forvaltning (with its default unit) and its first admin, in one transaction.

    `organisation`: name, key, deadline_days; `admin`: username, name, email, password. The first admin always
    has a password (the break-glass login, before the municipality's own sign-in is set up).
    """
    _operator(session, by)
    key = key or formatting.key_of(name)
    if not name:
        raise Invalid("name is needed", field="name")
    if not KEY.fullmatch(key):
        raise Invalid("key: lower-case letters, digits and hyphens", field="key")
    org_key = organisation.get("key") or formatting.key_of(f"{key} {organisation.get('name') or ''}")
    if not KEY.fullmatch(org_key):
        raise Invalid("organisation key: lower-case letters, digits and hyphens", field="organisation.key")
    if session.exec(select(Municipality).where((col(Municipality.key) == key) | (col(Municipality.name) == name))).first():
        raise Conflict(f"municipality {key!r} or {name!r} exists already")
    if session.exec(select(Organisation).where(col(Organisation.key) == org_key)).first():
        raise Conflict(f"organisation {org_key!r} exists already")
    try:  # the API's own rules for a user (app.auth.schemas), and a password always
        first = UserIn.model_validate({**admin, "memberships": [{"unit": org_key, "role": Role.admin.value}]})
    except ValidationError as exc:
        raise Invalid(f"admin: {exc.errors()[0]['msg']}", field="admin." + str(exc.errors()[0]["loc"][0])) from exc
    if first.password is None:
        raise Invalid("the first admin needs a password", field="admin.password")
    values = {k: v for k, v in organisation.items() if k != "key"}
    doc = settings.checked({"key": org_key, **values, "municipality": name}, prefix="organisation")
    municipality = Municipality(key=key, name=name)
    session.add(municipality)
    session.flush()
    org = Organisation(key=org_key, **{k: v for k, v in doc.items() if k not in ("letterhead", "export")},
                       letterhead={}, export={})
    session.add(org)
    session.flush()
    unit = structure.place(session, org)
    audit.record(session, actor=by.username if by else "cli", action="municipality.add",
                 detail={"municipality": key, "name": name, "organisation": org_key, "admin": admin.get("username")})
    # The admin's account commits all of it, or fails (a username taken) and none of it is kept.
    auth_service.add_user(session, username=first.username, role=Role.admin, name=first.name, email=first.email,
                          password=first.password, units=[(unit.key, Role.admin)])
    return municipality
