"""Look-ups of organisations, shared by intake and the library, as far as the caller may reach them."""

from sqlmodel import Session, col, select

from app import policy
from app.errors import Invalid
from app.models import Organisation, User
from app.policy import Action


def resolve(session: Session, *, key: str | None, user: User | None, field: str = "organisation",
            action: Action = Action.draft) -> Organisation:
    """The organisation named by `key` where the user may do `action`; else the only such one.

    Another municipality's organisation is unknown, as a key that does not exist is.
    """
    query = _among(policy.where(policy.access(session, user), action))
    if key is not None:
        org = session.exec(query.where(col(Organisation.key) == key)).first()
        if org is None:
            raise Invalid(f"unknown organisation {key!r}", field=field)
        return org
    orgs = session.exec(query.limit(2)).all()
    if len(orgs) == 1:
        return orgs[0]
    raise Invalid("name the organisation (its key): there is not exactly one to default to", field=field)


def list_all(session: Session, user: User | None = None) -> list[Organisation]:
    """The organisations the user may read (the command line: all), by key."""
    return list(session.exec(_among(policy.readable(policy.access(session, user)))))


def choices(session: Session, user: User | None, action: Action) -> list[Organisation]:
    """The organisations where the user may do `action`, by key: what a form offers."""
    return list(session.exec(_among(policy.where(policy.access(session, user), action))))


def _among(ids: frozenset[int] | None):
    """The organisations with these ids (None: all), by key."""
    query = select(Organisation).order_by(col(Organisation.key))
    return query if ids is None else query.where(col(Organisation.id).in_(ids))


def siblings(session: Session, organisation_id: int) -> list[Organisation]:
    """The other organisations of the organisation's municipality, by key: where an inquiry may be transferred."""
    org = session.get(Organisation, organisation_id)
    if org is None or org.municipality_id is None:
        return []
    return list(session.exec(select(Organisation).where(col(Organisation.municipality_id) == org.municipality_id,
                                                        col(Organisation.id) != organisation_id).order_by(col(Organisation.key))))
