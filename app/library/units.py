"""Which unit should answer: the one that answered the most similar earlier questions of the organisation."""

from dataclasses import dataclass

from sqlalchemy import select as core_select
from sqlmodel import Session

from app.library import search_index
from app.models import Inquiry, Question, Unit
from app.sql import in_list, table_of, tuples_of

SIMILAR = 10  # the best-matching earlier questions per question that vote
MAX_QUESTIONS = 5  # of the inquiry's questions that are searched (each a search)

_QT, _IT, _UT = table_of(Question), table_of(Inquiry), table_of(Unit)
_Q, _I, _U = _QT.c, _IT.c, _UT.c
_ALLOCATED = (core_select(_Q.id, _U.key, _U.name, _I.title).select_from(_QT).join(_IT, _I.id == _Q.inquiry_id)
              .join(_UT, _U.id == _I.unit_id)
              .where(in_list(_Q.id, "ids")))


@dataclass(frozen=True)
class UnitSuggestion:
    key: str
    name: str
    because: str  # the title of the most similar earlier inquiry it answered


def suggest_unit(session: Session, *, inquiry: Inquiry) -> UnitSuggestion | None:
    """The unit of the organisation that earlier similar questions were allocated to, weighted by how alike they
    are; None if no similar question was allocated to one of its units."""
    questions = list(tuples_of(session.execute(core_select(_Q.id, _Q.text).where(_Q.inquiry_id == inquiry.id)
                                               .order_by(_Q.number).limit(MAX_QUESTIONS))))
    scores: dict[int, float] = {}
    for question_id, text in questions:
        for hit in search_index.search(session, text, exclude_question_id=question_id).questions[:SIMILAR]:
            scores[hit.ref_id] = max(scores.get(hit.ref_id, 0.0), hit.score)
    if not scores:
        return None
    votes: dict[tuple[str, str], float] = {}
    best: dict[tuple[str, str], tuple[float, str]] = {}
    rows = session.execute(_ALLOCATED.where(_I.organisation_id == inquiry.organisation_id, _I.id != inquiry.id),
                           {"ids": list(scores)})
    for question_id, key, name, title in tuples_of(rows):
        unit, score = (key, name), scores[question_id]
        votes[unit] = votes.get(unit, 0.0) + score
        if score > best.get(unit, (0.0, ""))[0]:
            best[unit] = (score, title)
    if not votes:
        return None
    key, name = max(votes, key=lambda u: (votes[u], u))
    return UnitSuggestion(key=key, name=name, because=best[(key, name)][1])
