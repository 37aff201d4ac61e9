"""Suggestions: the library paragraphs that best answer a question, directly or via earlier questions.

`suggest` is all the draft editor and the API call. Paragraphs (title, text, topics) and
earlier questions are analysed for Danish (app.library.analysis) and ranked with BM25; an
earlier question that matches leads to the paragraphs that answered it. Paragraphs past their
review-by date or with old figures are flagged, never hidden.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, select

from app import formatting
from app.inquiries.deadlines import today as danish_today
from app.library import service as library_service
from app.library import statfill
from app.library.analysis import Analyzer, content_stems, phrase_stems, words
from app.models import Paragraph, ParagraphVersion, Question, QuestionParagraph, SynonymGroup

K1, B = 1.2, 0.75
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


def _bm25(query: list[str], docs: dict[int, Counter]) -> dict[int, tuple[float, set[str]]]:
    if not docs:
        return {}
    n = len(docs)
    avg = sum(sum(d.values()) for d in docs.values()) / n
    df = Counter(term for d in docs.values() for term in d)
    out = {}
    for doc_id, counts in docs.items():
        length = sum(counts.values())
        score, matched = 0.0, set()
        for term in set(query):
            tf = counts.get(term, 0)
            if tf:
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg))
                matched.add(term)
        if score > 0:
            out[doc_id] = (score, matched)
    return out


def _flags(session: Session, version: ParagraphVersion, today: date) -> tuple[str, ...]:
    flags = []
    if version.review_by and version.review_by < today:
        flags.append(f"Skulle have været revideret {formatting.long_date(version.review_by)}")
    series = library_service.load_series(session, statfill.keys_in(version.text))
    for s in series.values():
        if s.points and today - s.points[-1].period > STALE_FIGURES:
            flags.append(f"Nyeste tal for {s.label.lower()} er fra {formatting.period_label(s.points[-1].period, s.period_kind)}")
    return tuple(flags)


@dataclass
class Index:
    """The bank analysed once: analyzer, paragraph and earlier-question terms, links. Build once per request."""

    analyzer: Analyzer
    current: dict[int, tuple[Paragraph, ParagraphVersion]]
    paragraph_terms: dict[int, Counter]
    question_terms: dict[int, Counter]
    questions: dict[int, Question]
    links: dict[int, list[int]]

    def suggest(self, session: Session, *, text: str, limit: int = 5,
                exclude_question_id: int | None = None) -> list[Suggestion]:
        """The best paragraphs for `text`, best first, each with why it matched and what to check."""
        if not content_stems(text[:10_000]):
            return []
        query = self.analyzer.analyse(text[:10_000])
        direct = _bm25(query, self.paragraph_terms)
        earlier = _bm25(query, {qid: terms for qid, terms in self.question_terms.items() if qid != exclude_question_id})
        best: dict[int, tuple[float, str, str]] = {pid: (score, "paragraph", "") for pid, (score, _m) in direct.items()}
        for question_id, (score, _m) in earlier.items():
            for pid in self.links[question_id]:
                combined = VIA_QUESTION * score + direct.get(pid, (0.0,))[0]
                if combined > best.get(pid, (0.0,))[0]:
                    best[pid] = (combined, "question", self.questions[question_id].text)
        query_words = {w for w in words(text) if len(w) > 2}
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
        today = danish_today()
        out = []
        for pid, (score, via, why) in ranked:
            p, v = self.current[pid]
            if via == "paragraph":
                # The user's own words that the paragraph shares, easier to read than stems.
                why = ", ".join(sorted(w for w in query_words if set(self.analyzer.analyse(w)) & direct[pid][1])) or "emne"
            out.append(Suggestion(paragraph_id=pid, key=p.key, title=v.title,
                                  text=library_service.render(session, v.text, today).text, score=round(score, 3),
                                  via=via, why=why, flags=_flags(session, v, today)))
        return out


def build_index(session: Session) -> Index:
    """Analyse the current paragraphs and the earlier questions that have answers."""
    current = {p.id: (p, v) for p, v in session.exec(
        select(Paragraph, ParagraphVersion).join(ParagraphVersion, (ParagraphVersion.paragraph_id == Paragraph.id)
                                                 & (ParagraphVersion.version == Paragraph.current_version)))}
    questions = {q.id: q for q in session.exec(select(Question).where(Question.id.in_(select(QuestionParagraph.question_id))))}
    links: dict[int, list[int]] = defaultdict(list)
    for question_id, paragraph_id in session.exec(select(QuestionParagraph.question_id, QuestionParagraph.paragraph_id)):
        links[question_id].append(paragraph_id)
    paragraph_text = {pid: " ".join([v.title, v.title, v.text, *v.topics]) for pid, (_p, v) in current.items()}
    vocabulary = frozenset(s for t in [*paragraph_text.values(), *(q.text for q in questions.values())] for s in content_stems(t))
    groups = tuple(tuple(phrase_stems(t) for t in g.terms) for g in session.exec(select(SynonymGroup).order_by(SynonymGroup.id)))
    analyzer = Analyzer(vocabulary=vocabulary, synonyms=groups)
    return Index(analyzer=analyzer, current=current,
                 paragraph_terms={pid: Counter(analyzer.analyse(t)) for pid, t in paragraph_text.items()},
                 question_terms={qid: Counter(analyzer.analyse(q.text)) for qid, q in questions.items()},
                 questions=questions, links=links)


def suggest(session: Session, *, text: str, limit: int = 5, exclude_question_id: int | None = None) -> list[Suggestion]:
    """The best paragraphs for `text`, best first (one question; for several, build_index once and reuse it)."""
    if not content_stems(text[:10_000]):
        return []
    return build_index(session).suggest(session, text=text, limit=limit, exclude_question_id=exclude_question_id)
