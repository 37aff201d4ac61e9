"""Whose a library paragraph or statistic is, and who else may use it: the owner's organisation, its
municipality, named others. Nothing is offered across municipalities unless the owner shared it."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, bindparam, cast, false, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.models import Municipality, Organisation, Paragraph, Statistic
from app.policy import Access
from app.sql import in_list, table_of, tuples_of

Shared = type[Paragraph] | type[Statistic]
_O, _M = table_of(Organisation).c, table_of(Municipality).c
_ME = (core_select(_O.municipality_id, _M.key).select_from(table_of(Organisation))
       .outerjoin(table_of(Municipality), _M.id == _O.municipality_id).where(_O.id == bindparam("organisation_id")))


def _owners_query(model: Shared, by: str):
    """The owner and sharing of library rows picked by id or key: built once per model."""
    c = table_of(model).c
    return (core_select(c[by], c.organisation_id, c.shared_with, _O.name, _O.municipality_id, _M.key, _M.name)
            .select_from(table_of(model)).outerjoin(table_of(Organisation), _O.id == c.organisation_id)
            .outerjoin(table_of(Municipality), _M.id == _O.municipality_id).where(in_list(c[by], "ids")))


_OWNERS = {(Paragraph, "id"): _owners_query(Paragraph, "id"), (Statistic, "key"): _owners_query(Statistic, "key")}


@dataclass(frozen=True)
class Answering:
    """The organisation suggestions are made for, and its municipality: looked up once per page, not per question."""

    organisation_id: int
    municipality_id: int | None
    municipality_key: str | None


def answering(session: Session, organisation_id: int) -> Answering:
    """The organisation and its municipality, for `owners`."""
    found = list(tuples_of(session.execute(_ME, {"organisation_id": organisation_id})))
    return Answering(organisation_id, *(found[0] if found else (None, None)))


def owners(session: Session, ids: set, answering: Answering, model: Shared = Paragraph) -> dict:
    """Of these paragraphs (by id) or statistics (by key), those the answering organisation may use, each with
    its owner's name (None: its own, or no one's)."""
    if not ids:
        return {}
    organisation_id, my_municipality, my_key = answering.organisation_id, answering.municipality_id, answering.municipality_key
    out: dict = {}
    query = _OWNERS[(model, "id" if model is Paragraph else "key")]
    for ident, owner_id, shared_with, owner_name, municipality_id, municipality_key, municipality_name in tuples_of(
            session.execute(query, {"ids": sorted(ids)})):
        shared = shared_with or []
        if owner_id is None or owner_id == organisation_id:
            out[ident] = None
        elif municipality_id is not None and municipality_id == my_municipality:
            if "municipality" in shared:
                out[ident] = owner_name
        elif my_key is not None and my_key in shared:
            out[ident] = municipality_name or municipality_key
    return out


def _lists(shared_with, value: str) -> ColumnElement[bool]:
    # The JSON list as text holds each key in quotes (keys are [a-z0-9-]), the same in both databases.
    return cast(shared_with, String).contains(f'"{value}"', autoescape=True)


def visible(who: Access, model: Shared) -> ColumnElement[bool] | None:
    """Which paragraphs or statistics `who` may read (None: all): no one's, their organisations' own, and what
    others shared with their municipality."""
    if who.everything:
        return None
    if not who.active:
        return false()
    owner, shared = col(model.organisation_id), col(model.shared_with)
    in_my_municipality = select(col(Organisation.id)).where(col(Organisation.municipality_id).in_(sorted(who.municipalities)))
    return or_(owner.is_(None), owner.in_(sorted(who.roles)),
               owner.in_(in_my_municipality) & _lists(shared, "municipality"),
               *(_lists(shared, key) for key in sorted(who.municipalities.values())))
