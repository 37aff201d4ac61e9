"""Who works where: municipalities, the units of an organisation, and users' memberships of them."""

from dataclasses import dataclass

from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app import formatting
from app.errors import Invalid, NotFound
from app.models import Membership, Municipality, Organisation, Role, Unit, User
from app.sql import tuples_of


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
