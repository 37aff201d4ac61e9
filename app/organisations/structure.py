"""Who works where: municipalities, the units of an organisation, and users' memberships of them."""

from dataclasses import dataclass

from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app import formatting
from app.errors import Conflict, Invalid, NotFound
from app.models import Membership, Municipality, Organisation, Role, Unit, User
from app.sql import tuples_of


def bank_units(role: str) -> list[tuple[str, str]]:
    """Memberships of both seed organisations' default units in `role`: for bench users working across the bank."""
    return [("kk-bif", role), ("aalborg-fb", role)]


def place(session: Session, org: Organisation) -> Unit:
    """Give an organisation its municipality (found or added by name) and its default unit; returns the unit."""
    municipality = session.exec(select(Municipality).where(col(Municipality.name) == org.municipality)).first()
    if municipality is None:
        municipality = Municipality(key=formatting.key_of(org.municipality) or "kommune", name=org.municipality)
        session.add(municipality)
        session.flush()
    org.municipality_id = municipality.id
    unit = session.exec(select(Unit).where(col(Unit.key) == org.key)).first()
    if unit is None:
        unit = Unit(key=org.key, organisation_id=org.id, name=org.unit or org.name)
        session.add(unit)
        session.flush()
    return unit


def join(session: Session, *, user: User, unit_key: str, role: str) -> Membership:
    """Make `user` a member of the unit in `role` (no commit); an existing membership is kept as it is."""
    if role not in Role.__members__:
        raise Invalid(f"role must be one of {', '.join(Role)}, not {role!r}", field="role")
    unit = session.exec(select(Unit).where(col(Unit.key) == unit_key)).first()
    if unit is None:
        raise NotFound(f"no unit {unit_key!r}")
    found = session.exec(select(Membership).where(col(Membership.user_id) == user.id, col(Membership.unit_id) == unit.id,
                                                  col(Membership.role) == role)).first()
    if found is None:
        found = Membership(user_id=user.id, unit_id=unit.id, role=role)
        session.add(found)
        session.flush()
    return found


@dataclass(frozen=True)
class Place:
    """A membership as people read it: the unit, its organisation and municipality, and the role there."""

    unit: str
    unit_name: str
    organisation: str
    municipality: str
    role: str


def memberships(session: Session, user_id: int) -> list[Place]:
    """Where the user works, in which role."""
    rows = session.execute(
        core_select(col(Unit.key), col(Unit.name), col(Organisation.key), col(Municipality.name), col(Membership.role))
        .join(Unit, col(Unit.id) == col(Membership.unit_id))
        .join(Organisation, col(Organisation.id) == col(Unit.organisation_id))
        .join(Municipality, col(Municipality.id) == col(Organisation.municipality_id))
        .where(col(Membership.user_id) == user_id).order_by(col(Unit.key), col(Membership.role)))
    return [Place(*row) for row in tuples_of(rows)]


def members(session: Session, organisations: frozenset[int] | None, roles: frozenset[Role]) -> list[User]:
    """The users holding one of `roles` in a unit of these organisations (None: of any), by name."""
    query = (select(User).join(Membership, col(Membership.user_id) == col(User.id)).join(Unit, col(Unit.id) == col(Membership.unit_id))
             .where(col(Membership.role).in_(roles)))
    if organisations is not None:
        query = query.where(col(Unit.organisation_id).in_(organisations))
    return list(session.exec(query.distinct().order_by(col(User.name))))


@dataclass(frozen=True)
class UnitView:
    """A unit as the API shows it."""

    key: str
    name: str
    organisation: str
    lead: str | None


_UNITS = (core_select(col(Unit.key), col(Unit.name), col(Organisation.key), col(User.username), col(Unit.organisation_id))
          .join(Organisation, col(Organisation.id) == col(Unit.organisation_id)).outerjoin(User, col(User.id) == col(Unit.lead_id))
          .order_by(col(Unit.key)))


def units(session: Session, organisations: frozenset[int] | None) -> list[UnitView]:
    """The units of these organisations (None: all), by key."""
    query = _UNITS if organisations is None else _UNITS.where(col(Unit.organisation_id).in_(organisations))
    return [UnitView(*row[:4]) for row in tuples_of(session.execute(query))]


def municipality_units(session: Session, organisation_id: int) -> list[UnitView]:
    """The units of every organisation of this organisation's municipality (whom a contribution may be asked of)."""
    municipality = session.get(Organisation, organisation_id)
    siblings = session.exec(select(col(Organisation.id)).where(
        col(Organisation.municipality_id) == (municipality.municipality_id if municipality else None))).all()
    return units(session, frozenset(siblings) | {organisation_id})


def add_unit(session: Session, *, key: str, name: str, organisation_id: int, lead: str | None) -> UnitView:
    """A new unit of the organisation (no commit); the lead, if named, must be a member of it or of its organisation."""
    if session.exec(select(Unit).where(col(Unit.key) == key)).first() is not None:
        raise Conflict(f"unit {key!r} exists already")
    lead_user = None
    if lead is not None:
        lead_user = session.exec(select(User).join(Membership, col(Membership.user_id) == col(User.id))
                                 .join(Unit, col(Unit.id) == col(Membership.unit_id))
                                 .where(col(User.username) == lead, col(Unit.organisation_id) == organisation_id)).first()
        if lead_user is None:
            raise Invalid(f"no user {lead!r} in the organisation", field="lead")
    unit = Unit(key=key, name=name, organisation_id=organisation_id, lead_id=lead_user.id if lead_user else None)
    session.add(unit)
    session.flush()
    org_key = session.exec(select(col(Organisation.key)).where(col(Organisation.id) == organisation_id)).one()
    return UnitView(key, name, org_key, lead)
