"""Look-ups of organisations, shared by intake and the library."""

from sqlmodel import Session, col, select

from app.db import stored
from app.errors import Invalid
from app.models import Organisation, User


def resolve(session: Session, *, key: str | None, user: User | None, field: str = "organisation") -> Organisation:
    """The organisation named by `key`; else the user's own; else the only one there is."""
    if key is not None:
        org = session.exec(select(Organisation).where(col(Organisation.key) == key)).first()
        if org is None:
            raise Invalid(f"unknown organisation {key!r}", field=field)
        return org
    if user is not None and user.organisation_id is not None:
        return stored(session, Organisation, user.organisation_id)
    orgs = session.exec(select(Organisation).limit(2)).all()
    if len(orgs) == 1:
        return orgs[0]
    raise Invalid("name the organisation (its key): there is not exactly one to default to", field=field)


def list_all(session: Session) -> list[Organisation]:
    """Every organisation, by key."""
    return list(session.exec(select(Organisation).order_by(col(Organisation.key))))
