"""Suggestions: the library paragraphs that best answer a question, directly or via earlier questions.

`suggest` is all the draft editor and the API call. Paragraphs (title, text, topics) and
earlier questions are found and ranked with BM25 through the search index in the database
(app.library.search_index); an earlier question that matches leads to the paragraphs that answered it. Paragraphs past their
review-by date or with old figures are flagged, never hidden.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app import formatting
from app.inquiries.deadlines import today as danish_today
from app.library import search_index, sharing, statfill
from app.library import service as library_service
from app.library.analysis import content_stems, words
from app.models import Paragraph, ParagraphVersion, Question, QuestionParagraph
from app.sql import in_list, table_of, tuples_of

EARLIER_QUESTIONS = 30  # the best-matching earlier questions whose answers are followed
VIA_QUESTION = 0.8  # an earlier question's match counts a little less than the paragraph's own words
STALE_FIGURES = timedelta(days=365)


@dataclass(frozen=True)
class Suggestion:
    paragraph_id: int
    key: str
    title: str
    text: str  # with statistics filled in
    score: float
    via: str  # "paragraph" or "question"
    why: str  # the shared words, or the earlier question
    flags: tuple[str, ...] = field(default_factory=tuple)
    owner: str | None = None  # whose it is, when not the answering organisation's own


def _flags(version: ParagraphVersion, series: dict[str, statfill.Series], today: date) -> tuple[str, ...]:
    flags = []
    if version.review_by and version.review_by < today:
        flags.append(f"Skulle have været revideret {formatting.long_date(version.review_by)}")
    for s in (series[key] for key in sorted(statfill.keys_in(version.text)) if key in series):
        if s.points and today - s.points[-1].period > STALE_FIGURES:
            flags.append(f"Nyeste tal for {s.label.lower()} er fra {formatting.period_label(s.points[-1].period, s.period_kind)}")
    return tuple(flags)


# Built once (a statement costs more to build than to run here); plain columns where rows will do.
_Q, _QP = table_of(Question).c, table_of(QuestionParagraph).c
_QUESTION_LINKS = (core_select(_QP.question_id, _QP.paragraph_id, _Q.text).join(table_of(Question), _Q.id == _QP.question_id)
                   .where(in_list(_QP.question_id, "ids")).order_by(_QP.question_id, _QP.position))
_CURRENT = (select(Paragraph, ParagraphVersion)
            .join(ParagraphVersion, (col(ParagraphVersion.paragraph_id) == col(Paragraph.id))
                  & (col(ParagraphVersion.version) == col(Paragraph.current_version)))
            .where(in_list(table_of(Paragraph).c.id, "ids")))


def suggest(session: Session, *, text: str, limit: int = 5, exclude_question_id: int | None = None,
            answering: sharing.Answering | None = None) -> list[Suggestion]:
    """The best paragraphs for `text`, best first, each with why it matched and what to check.

    For an organisation (`answering`): its own paragraphs first, then those others shared with it (named as
    theirs), never another's that are not shared.
    """
    text = text[:10_000]
    if not content_stems(text):
        return []
    found = search_index.search(session, text, exclude_question_id=exclude_question_id,
                                municipality_id=answering.municipality_id if answering else None)
    direct = {h.ref_id: h for h in found.paragraphs}
    best: dict[int, tuple[float, str, str]] = {pid: (h.score, "paragraph", "") for pid, h in direct.items()}
    earlier = found.questions[:EARLIER_QUESTIONS]
    if earlier:
        ids = [h.ref_id for h in earlier]
        score_of = {h.ref_id: h.score for h in earlier}
        for question_id, pid, question_text in tuples_of(session.execute(_QUESTION_LINKS, {"ids": ids})):
            combined = VIA_QUESTION * score_of[question_id] + (direct[pid].score if pid in direct else 0.0)
            if combined > best.get(pid, (0.0,))[0]:
                best[pid] = (combined, "question", question_text)
    owners = sharing.owners(session, set(best), answering) if answering is not None else {}
    if answering is not None:
        best = {pid: b for pid, b in best.items() if pid in owners}
    # Own first (owner None), then the shared; within each, the better match first.
    ranked = sorted(best.items(), key=lambda item: (owners.get(item[0]) is not None, -item[1][0], item[0]))[:limit]
    current = {p.id: (p, v) for p, v in tuples_of(session.execute(_CURRENT, {"ids": [pid for pid, _ in ranked]}))}
    # The figures of all the suggested paragraphs in one go, for their text and their flags.
    series = library_service.load_series(session, {k for _, v in current.values() for k in statfill.keys_in(v.text)},
                                         organisation_id=answering.organisation_id if answering else None)
    word_terms = {w: frozenset(found.analyzer.analyse(w)) for w in words(text) if len(w) > 2}
    today = danish_today()
    out = []
    for pid, (score, via, reason) in ranked:
        p, v = current[pid]
        why = reason
        if via == "paragraph":
            # The user's own words that the paragraph shares, easier to read than stems.
            why = ", ".join(sorted(w for w, terms in word_terms.items() if terms & direct[pid].matched)) or "emne"
        out.append(Suggestion(paragraph_id=pid, key=p.key, title=v.title,
                              text=statfill.fill(v.text, series, today).text, score=round(score, 3),
                              via=via, why=why, flags=_flags(v, series, today), owner=owners.get(pid)))
    return out
