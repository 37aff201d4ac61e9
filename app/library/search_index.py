"""The search index: paragraphs and answered questions as analysed terms, in the database.

The rows (search_doc, search_term, search_stat) are the same on both databases. Matching goes
through each database's own text index over them — FTS5 on SQLite, a GIN tsvector index on
PostgreSQL — and ranking (BM25) is computed here from the matched rows, so both databases give
the same suggestions for the same data.

Kept in sync: a bank import rebuilds it (synonyms and vocabulary may have changed); a paragraph
edit or an approved letter updates its own documents; `besvar search reindex` rebuilds on demand.
"""

import math
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, text
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.library import synonyms
from app.library.analysis import Analyzer, content_stems, phrase_stems
from app.models import (
    Paragraph,
    ParagraphVersion,
    Question,
    QuestionParagraph,
    SearchDoc,
    SearchStat,
    SearchTerm,
    SynonymGroup,
)
from app.sql import in_list, table_of, tuples_of

PARAGRAPH, QUESTION = "paragraph", "question"
KINDS = (PARAGRAPH, QUESTION)
K1, B = 1.2, 0.75
# Candidates are the documents holding the rarest query terms, up to this many postings in all.
# A document that shares only very common words with the query cannot outrank one sharing a rare
# word, and scoring every document that says "borgere" would cost time in a large bank.
CANDIDATE_BUDGET = 2000
MAX_QUERY_TERMS = 64
# The text index goes first on both (SQLite's planner would otherwise walk search_doc backwards by id
# and probe FTS5 row by row; PostgreSQL's might do the same with the primary key).
_MATCH = {
    "sqlite": "SELECT d.kind, d.ref_id, d.terms, d.length FROM search_doc d WHERE d.id IN"
              " (SELECT rowid FROM search_fts WHERE search_fts MATCH :q ORDER BY rowid DESC LIMIT :n)",
    "postgresql": "WITH m AS MATERIALIZED (SELECT id, kind, ref_id, terms, length FROM search_doc"
                  " WHERE array_to_tsvector(string_to_array(terms, ' ')) @@ CAST(:q AS tsquery))"
                  " SELECT kind, ref_id, terms, length FROM m ORDER BY id DESC LIMIT :n",
}


def _match_query(dialect: str, terms: list[str]) -> str:
    # Terms are [0-9a-zæøå…] only (analysis.words), so quoting makes each a plain term, never an operator.
    if dialect == "sqlite":
        return " OR ".join(f'"{t}"' for t in terms)
    return " | ".join(f"'{t}'" for t in terms)


def paragraph_text(version: ParagraphVersion) -> str:
    """What a paragraph is found by: its title (twice, it says what the paragraph is about), text and topics."""
    return " ".join([version.title, version.title, version.text, *version.topics])


# --- the analyzer, cached per database and index state ---------------------------------------

_analyzers: dict[tuple, Analyzer] = {}


def _synonyms(session: Session) -> tuple[tuple[tuple[str, ...], ...], ...]:
    # The bank's groups only: a municipality's own widen its queries (app.library.synonyms), never the index.
    groups = session.exec(select(SynonymGroup).where(col(SynonymGroup.municipality_id).is_(None))
                          .order_by(col(SynonymGroup.id))).all()
    return tuple(tuple(phrase_stems(t) for t in g.terms) for g in groups)


def analyzer(session: Session) -> Analyzer:
    """The analyzer for the index as it stands: its vocabulary and the synonym groups."""
    return _analyzer_for(session, _stats(session))


def _stats(session: Session) -> list[SearchStat]:
    return list(session.exec(_STATS))


def _analyzer_for(session: Session, stats: list[SearchStat]) -> Analyzer:
    key = (str(session.get_bind().engine.url), tuple((s.kind, s.stamp) for s in stats))
    if key not in _analyzers:
        vocabulary = frozenset(session.exec(select(col(SearchTerm.term)).distinct()))
        _analyzers.clear()  # one index state per process is what a running service needs
        _analyzers[key] = Analyzer(vocabulary=vocabulary, synonyms=_synonyms(session))
    return _analyzers[key]


# --- writing ----------------------------------------------------------------------------------

def _documents(session: Session, kind: str, ids: Iterable[int] | None = None) -> dict[int, str]:
    """The text of current paragraphs or of questions that have answers, by id (all when ids is None)."""
    if kind == PARAGRAPH:
        query = select(col(Paragraph.id), ParagraphVersion).join(
            ParagraphVersion, (col(ParagraphVersion.paragraph_id) == col(Paragraph.id)) & (col(ParagraphVersion.version) == col(Paragraph.current_version)))
        if ids is not None:
            query = query.where(col(Paragraph.id).in_(list(ids)))
        return {pid: paragraph_text(v) for pid, v in session.exec(query)}
    questions = select(col(Question.id), col(Question.text)).where(col(Question.id).in_(select(col(QuestionParagraph.question_id))))
    if ids is not None:
        questions = questions.where(col(Question.id).in_(list(ids)))
    return dict(session.exec(questions).all())


def _bump(session: Session, kind: str, docs: int, length: int) -> None:
    """Add to a kind's totals and give it a new stamp."""
    stat = session.get(SearchStat, kind) or SearchStat(kind=kind)
    stat.docs += docs
    stat.total_length += length
    stat.stamp = uuid.uuid4().hex
    session.add(stat)


def _adjust_df(session: Session, kind: str, change: Counter) -> None:
    """Add `change` to the document frequencies of a kind; terms that reach zero leave the vocabulary."""
    for term in sorted(t for t, n in change.items() if n):  # sorted: concurrent writers lock in one order
        stmt = text("INSERT INTO search_term (kind, term, df) VALUES (:k, :t, :n)"
                    " ON CONFLICT (kind, term) DO UPDATE SET df = search_term.df + excluded.df")
        session.execute(stmt, {"k": kind, "t": term, "n": change[term]})
    session.execute(delete(SearchTerm).where(col(SearchTerm.kind) == kind, col(SearchTerm.df) <= 0))


def update_documents(session: Session, kind: str, ids: Iterable[int]) -> None:
    """Index (or re-index, or drop) these paragraphs or questions, in the caller's transaction."""
    ids = sorted(set(ids))
    if not ids:
        return
    session.flush()
    wanted = _documents(session, kind, ids)
    base = analyzer(session)
    own = frozenset(s for t in wanted.values() for s in content_stems(t))
    local = Analyzer(vocabulary=base.vocabulary | own, synonyms=base.synonyms)
    old = {d.ref_id: d for d in session.exec(select(SearchDoc).where(col(SearchDoc.kind) == kind, col(SearchDoc.ref_id).in_(ids)))}
    change: Counter = Counter()
    docs = length = 0
    for ref_id in ids:
        if ref_id in old:
            change.subtract(set(old[ref_id].terms.split()))
            docs, length = docs - 1, length - old[ref_id].length
            session.delete(old[ref_id])
    session.flush()
    for ref_id, body in wanted.items():
        terms = local.analyse(body)
        change.update(set(terms))
        docs, length = docs + 1, length + len(terms)
        session.add(SearchDoc(kind=kind, ref_id=ref_id, terms=" ".join(terms), length=len(terms)))
    session.flush()
    _adjust_df(session, kind, change)
    _bump(session, kind, docs, length)


def rebuild(session: Session) -> dict[str, int]:
    """Analyse everything again with the whole vocabulary and the synonyms; the caller commits."""
    texts = {kind: _documents(session, kind) for kind in KINDS}
    vocabulary = frozenset(s for docs in texts.values() for t in docs.values() for s in content_stems(t))
    full = Analyzer(vocabulary=vocabulary, synonyms=_synonyms(session))
    session.execute(delete(SearchDoc))
    session.execute(delete(SearchTerm))
    session.execute(delete(SearchStat))
    counts = {}
    for kind, docs in texts.items():
        rows: list[dict[str, object]] = []
        df: Counter[str] = Counter()
        total = 0
        for ref_id, body in sorted(docs.items()):
            terms = full.analyse(body)
            df.update(set(terms))
            total += len(terms)
            rows.append({"kind": kind, "ref_id": ref_id, "terms": " ".join(terms), "length": len(terms)})
        if rows:
            session.execute(insert(SearchDoc), rows)
            session.execute(insert(SearchTerm), [{"kind": kind, "term": t, "df": n} for t, n in sorted(df.items())])
        session.add(SearchStat(kind=kind, docs=len(rows), total_length=total, stamp=uuid.uuid4().hex))
        counts[kind] = len(rows)
    session.flush()
    return counts


def is_empty(session: Session) -> bool:
    """True when nothing is indexed."""
    return not session.exec(select(func.count()).select_from(SearchDoc)).one()


# --- reading ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    ref_id: int
    score: float
    matched: frozenset[str]


@dataclass(frozen=True)
class Found:
    """Ranked paragraphs and earlier questions for one query, and the terms it was searched by."""

    paragraphs: list[Hit]
    questions: list[Hit]
    terms: tuple[str, ...]
    analyzer: Analyzer  # what the query was analysed with, for telling which of its words matched


# Built once: a search runs these on every keystroke's worth of suggestions.
_STATS = select(SearchStat).order_by(col(SearchStat.kind))
_TERM = table_of(SearchTerm).c
_DF = core_select(_TERM.kind, _TERM.term, _TERM.df).where(in_list(_TERM.term, "terms"))


def search(session: Session, query_text: str, *, exclude_question_id: int | None = None,
           municipality_id: int | None = None) -> Found:
    """Rank paragraphs and earlier questions against `query_text` with BM25, best first; for a municipality, the
    query widened by its own synonym groups."""
    stats = _stats(session)
    an = _analyzer_for(session, stats)
    widened = synonyms.widening(session, an, query_text, municipality_id)
    terms = tuple(dict.fromkeys(an.analyse(query_text) + widened))[:MAX_QUERY_TERMS]
    if not terms:
        return Found([], [], (), an)
    df: dict[tuple[str, str], int] = {(k, t): n for k, t, n in tuples_of(session.execute(_DF, {"terms": terms}))}
    total: Counter[str] = Counter()
    for (_kind, term), n in df.items():
        total[term] += n
    chosen: list[str] = []
    postings = 0
    for term in sorted(total, key=lambda t: (total[t], t)):
        if chosen and postings + total[term] > CANDIDATE_BUDGET:
            break
        chosen.append(term)
        postings += total[term]
    if not chosen:
        return Found([], [], terms, an)
    dialect = session.get_bind().dialect.name
    rows = list(tuples_of(session.execute(text(_MATCH[dialect]), {"q": _match_query(dialect, chosen), "n": CANDIDATE_BUDGET})))
    # Per kind: each query term's BM25 idf, and the length normalisation's constants.
    idf: dict[str, dict[str, float]] = {kind: {} for kind in KINDS}
    norm: dict[str, tuple[float, float]] = {}
    for stat in stats:
        if stat.docs:
            norm[stat.kind] = (K1 * (1 - B), K1 * B * stat.docs / stat.total_length if stat.total_length else 0.0)
            for term in terms:
                n = df.get((stat.kind, term), 0)
                if n:
                    idf[stat.kind][term] = math.log(1 + (stat.docs - n + 0.5) / (n + 0.5))
    wanted = frozenset(terms)
    ordered = sorted(terms)
    ranked: dict[str, list[Hit]] = {kind: [] for kind in KINDS}
    for kind, ref_id, doc_terms, length in rows:
        if kind == QUESTION and ref_id == exclude_question_id:
            continue
        weights = idf[kind]
        tokens = doc_terms.split()
        present = wanted.intersection(tokens)  # set and list work in C; most rows share one or two terms
        fixed, per_length = norm[kind]
        k = fixed + per_length * length
        score, matched = 0.0, []
        for term in ordered:  # one order, so the float sum is the same everywhere
            if term in present and term in weights:
                tf = tokens.count(term)
                score += weights[term] * tf * (K1 + 1) / (tf + k)
                matched.append(term)
        if matched:
            ranked[kind].append(Hit(ref_id, score, frozenset(matched)))
    for hits in ranked.values():
        hits.sort(key=lambda h: (-h.score, h.ref_id))
    return Found(ranked[PARAGRAPH], ranked[QUESTION], terms, an)
