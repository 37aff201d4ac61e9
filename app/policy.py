"""Who may do what, and where: the one place that maps roles to actions and memberships to organisations.

API, pages, templates, CLI and services ask it. Adding a role is one line in ALLOWED (and its row in
tests/test_policy.py). A user's roles come from their memberships: a role in a unit is that role in the
unit's organisation; an admin's reaches every organisation of the municipality. Outside the organisations
a user may read, an object is not found (404), so that an id from elsewhere is not confirmed to exist.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Connection, bindparam
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.errors import Forbidden, NotFound
from app.models import Membership, Municipality, Organisation, Role, Unit, User
from app.sql import tuples_of


class Action(StrEnum):
    read = "read"  # open inquiries, letters, the library, the history
    draft = "draft"  # register and correct inquiries, write and submit letters, edit the library, import
    approve = "approve"  # approve or return a submitted letter
    allocate = "allocate"  # the secretariat: allocate to a unit and person, transfer, decline, extend deadlines
    manage = "manage"  # users, their tokens and memberships
    operate = "operate"  # create municipalities and their first admin: the operator's, held by no role
    oversee = "oversee"  # Overblik: how the organisation's work keeps its deadlines
    dispatch = "dispatch"  # record an approved letter as sent, and copy it to the council
    publish = "publish"  # put an inquiry and its answer on the public pages, redacted


ALLOWED: dict[Action, frozenset[Role]] = {
    Action.read: frozenset(Role),
    Action.draft: frozenset({Role.drafter, Role.admin}),
    Action.approve: frozenset({Role.approver}),
    Action.allocate: frozenset({Role.drafter, Role.approver, Role.admin}),
    Action.manage: frozenset({Role.admin}),
    Action.operate: frozenset(),  # User.operator, outside every municipality
    Action.oversee: frozenset({Role.approver, Role.admin, Role.viewer}),  # directors, admins, the mayor's office
    Action.dispatch: frozenset({Role.drafter, Role.approver, Role.admin}),  # the secretariat sends what is approved
    # Publishing discloses: the director who answers for the letter, or an admin of the municipality.
    Action.publish: frozenset({Role.approver, Role.admin}),
}


@dataclass(frozen=True)
class Access:
    """What one user may reach: roles per organisation, and the organisations whose work they may read."""

    user_id: int | None
    active: bool
    roles: Mapping[int, frozenset[Role]] = field(default_factory=dict)  # organisation id → roles held there
    readable: frozenset[int] = frozenset()  # the roles' organisations, and the municipality's if it shares inquiries
    municipalities: Mapping[int, str] = field(default_factory=dict)  # id → key of where the user works
    units: frozenset[int] = frozenset()  # the units the user is a member of (their team)
    leads: frozenset[int] = frozenset()  # the units the user leads
    everything: bool = False  # the command line, run by whoever runs the server
    operator: bool = False  # runs Besvar: may create municipalities, and reads none of their work


SYSTEM = Access(user_id=None, active=True, everything=True)

_OTHER = aliased(Organisation)
# Built once (every request asks it): one row per membership and organisation of its municipality.
_GRANTS = (
    core_select(col(Membership.role), col(Organisation.id), col(Organisation.municipality_id), col(Municipality.key),
                col(Municipality.share_inquiries), col(_OTHER.id), col(Unit.id), col(Unit.lead_id))
    .join_from(Membership, Unit, col(Unit.id) == col(Membership.unit_id))
    .join(Organisation, col(Organisation.id) == col(Unit.organisation_id))
    .join(Municipality, col(Municipality.id) == col(Organisation.municipality_id))
    .join(_OTHER, col(_OTHER.municipality_id) == col(Municipality.id))
    .where(col(Membership.user_id) == bindparam("user_id"))
)


def load(conn: Connection | Session, user: User) -> Access:
    """The user's access, from their memberships (one query)."""
    roles: dict[int, set[Role]] = {}
    readable: set[int] = set()
    municipalities: dict[int, str] = {}
    units: set[int] = set()
    leads: set[int] = set()
    for (role, org_id, municipality_id, municipality_key, shares, other_id, unit_id,
         lead_id) in tuples_of(conn.execute(_GRANTS, {"user_id": user.id})):
        municipalities[municipality_id] = municipality_key
        units.add(unit_id)
        if lead_id == user.id:
            leads.add(unit_id)
        roles.setdefault(org_id, set()).add(Role(role))
        readable.add(org_id)
        if role == Role.admin:  # an admin is the municipality's
            roles.setdefault(other_id, set()).add(Role.admin)
        if role == Role.admin or shares:
            readable.add(other_id)
    return Access(user_id=user.id, active=user.is_active, roles={k: frozenset(v) for k, v in roles.items()},
                  readable=frozenset(readable), municipalities=municipalities, units=frozenset(units),
                  leads=frozenset(leads), operator=user.operator)


def _key(user_id: int) -> tuple[str, int]:
    return ("access", user_id)


def remember(session: Session, access: Access) -> Access:
    """Keep the access for the rest of this request (its session), so services need not load it again."""
    if access.user_id is not None:
        session.info[_key(access.user_id)] = access
    return access


def access(session: Session, user: User | None) -> Access:
    """The user's access (None: the command line, which may do everything), loaded once per request."""
    if user is None:
        return SYSTEM
    found = session.info.get(_key(user.id))
    return found if isinstance(found, Access) else remember(session, load(session, user))


def may(who: Access, action: Action | str, organisation_id: int | None = None) -> bool:
    """Whether `who` may do `action` in the organisation (None: in any of theirs, e.g. to show a button)."""
    if not who.active:
        return False
    if who.everything:
        return True
    action = Action(action)
    if action == Action.operate:
        return who.operator
    if organisation_id is None:
        return any(roles & ALLOWED[action] for roles in who.roles.values())
    if action == Action.read:
        return organisation_id in who.readable
    return bool(who.roles.get(organisation_id, frozenset()) & ALLOWED[action])


def may_allocate(who: Access, organisation_id: int, unit_id: int | None) -> bool:
    """Whether `who` may change an inquiry's allocation: the secretariat of its organisation, or the lead of
    the unit it is allocated to (a lead allocates within the team even without a secretariat role)."""
    return may(who, Action.allocate, organisation_id) or (
        who.active and unit_id is not None and unit_id in who.leads and may(who, Action.read, organisation_id))


def may_contribute(who: Access, unit_id: int, person_id: int | None) -> bool:
    """Whether `who` may read and answer a contribution asked of the unit (or of the person named): a member
    of that unit, of whichever organisation of the municipality it is, or that person."""
    if not who.active:
        return False
    return who.everything or unit_id in who.units or (person_id is not None and who.user_id == person_id)


def roles_for(action: Action) -> frozenset[Role]:
    """The roles that may do `action`, for queries such as "who can draft"."""
    return ALLOWED[action]


def check(who: Access, action: Action, organisation_id: int, *, missing: str) -> None:
    """Raise unless `who` may do `action` there: 404 (`missing`, as for an id that does not exist) outside
    what they may read, 403 where they may read but not do it."""
    if not may(who, Action.read, organisation_id):
        raise NotFound(missing)
    if not may(who, action, organisation_id):
        allowed = " or ".join(sorted(ALLOWED[action]))
        raise Forbidden(f"requires role {allowed} in the organisation")


def readable(who: Access) -> frozenset[int] | None:
    """The organisations whose objects `who` may list (None: all of them)."""
    return None if who.everything else (who.readable if who.active else frozenset())


def where(who: Access, action: Action) -> frozenset[int] | None:
    """The organisations where `who` may do `action` (None: all of them)."""
    if who.everything:
        return None
    return frozenset(org for org in who.roles if may(who, action, org))
