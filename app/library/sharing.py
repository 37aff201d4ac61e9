"""Whose a library paragraph is, and who else may use it: the owner's organisation, its municipality, named others."""

from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session

from app.models import Municipality, Organisation, Paragraph
from app.sql import in_list, table_of, tuples_of

_P, _O, _M = table_of(Paragraph).c, table_of(Organisation).c, table_of(Municipality).c
_OWNERS = (core_select(_P.id, _P.organisation_id, _P.shared_with, _O.name, _O.municipality_id, _M.key, _M.name)
           .select_from(table_of(Paragraph)).outerjoin(table_of(Organisation), _O.id == _P.organisation_id)
           .outerjoin(table_of(Municipality), _M.id == _O.municipality_id).where(in_list(_P.id, "ids")))
_ME = (core_select(_O.municipality_id, _M.key).select_from(table_of(Organisation))
       .outerjoin(table_of(Municipality), _M.id == _O.municipality_id).where(_O.id == bindparam("organisation_id")))


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


def owners(session: Session, paragraph_ids: set[int], answering: Answering) -> dict[int, str | None]:
    """Of these paragraphs, those the answering organisation may use, each with its owner's name (None: its own, or no one's)."""
    if not paragraph_ids:
        return {}
    organisation_id, my_municipality, my_key = answering.organisation_id, answering.municipality_id, answering.municipality_key
    out: dict[int, str | None] = {}
    for pid, owner_id, shared_with, owner_name, municipality_id, municipality_key, municipality_name in tuples_of(
            session.execute(_OWNERS, {"ids": sorted(paragraph_ids)})):
        shared = shared_with or []
        if owner_id is None or owner_id == organisation_id:
            out[pid] = None
        elif municipality_id is not None and municipality_id == my_municipality:
            if "municipality" in shared:
                out[pid] = owner_name
        elif my_key is not None and my_key in shared:
            out[pid] = municipality_name or municipality_key
    return out
