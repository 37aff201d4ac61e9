"""A municipality's own synonym groups (issue 22), kept by its admin on the Synonymer page.

The bank's groups (question_bank/synonyms.yaml, municipality None) are Danish for everyone and go into the index.
A municipality's own ("BR" ~ "Borgerrepræsentationen", its own abbreviations) would change every municipality's
index if they went there too, so they widen only that municipality's queries: a query naming one phrase of a
group is also searched by the other phrases' terms. No rebuild, and nothing crosses to another municipality.
"""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import formatting
from app.audit import service as audit
from app.errors import Conflict, Invalid, NotFound
from app.library.analysis import Analyzer, content_stems
from app.models import Municipality, SynonymGroup, User
from app.sql import tuples_of

MAX_GROUPS = 500  # per municipality: each query reads them all
MAX_TERMS = 50  # per group, as the bank allows
MAX_TERM_LENGTH = 100


@dataclass(frozen=True)
class Group:
    """A group as the page shows it."""

    key: str
    terms: tuple[str, ...]
    own: bool  # the municipality's, which its admin may delete; else the bank's, for everyone


def listed(session: Session, municipality_id: int) -> list[Group]:
    """The bank's groups and the municipality's own, the own first."""
    rows = session.exec(select(SynonymGroup).where((col(SynonymGroup.municipality_id) == municipality_id)
                                                   | col(SynonymGroup.municipality_id).is_(None))
                        .order_by(col(SynonymGroup.municipality_id).is_(None), col(SynonymGroup.key))).all()
    return [Group(g.key, tuple(g.terms), g.municipality_id is not None) for g in rows]


def parse_terms(text: str) -> list[str]:
    """The terms as the page's field has them: one per line or separated by commas, each searchable."""
    terms = list(dict.fromkeys(t.strip() for line in text.splitlines()[:MAX_TERMS + 1] for t in line.split(",") if t.strip()))
    if len(terms) < 2 or len(terms) > MAX_TERMS:
        raise Invalid(f"a group has 2–{MAX_TERMS} terms", field="terms")
    for term in terms:
        if len(term) > MAX_TERM_LENGTH or not content_stems(term):
            raise Invalid(f"{term[:MAX_TERM_LENGTH]!r} is too long or only stop words", field="terms")
    return terms


def add(session: Session, *, municipality: Municipality, terms: list[str], by: User | None) -> SynonymGroup:
    """A new group of the municipality's (the caller checked `by` is its admin)."""
    count = len(session.exec(select(col(SynonymGroup.id)).where(col(SynonymGroup.municipality_id) == municipality.id)).all())
    if count >= MAX_GROUPS:
        raise Conflict(f"a municipality has at most {MAX_GROUPS} groups of its own")
    key = f"{municipality.key}-{formatting.key_of(terms[0], 60) or 'gruppe'}"[:90]
    taken = set(session.exec(select(col(SynonymGroup.key)).where(col(SynonymGroup.key).startswith(key))))
    key = next(k for n in range(len(taken) + 2) if (k := key if n == 0 else f"{key}-{n + 1}") not in taken)
    group = SynonymGroup(key=key, terms=terms, municipality_id=municipality.id)
    session.add(group)
    audit.record(session, actor=by.username if by else "cli", action="synonyms.add",
                 detail={"municipality": municipality.key, "key": key, "terms": terms})
    session.commit()
    return group


def delete(session: Session, *, municipality_ids: set[int], key: str, by: User | None) -> None:
    """Delete one of the municipality's own groups; the bank's, and another municipality's, are not found."""
    group = session.exec(select(SynonymGroup).where(col(SynonymGroup.key) == key)).first()
    if group is None or group.municipality_id is None or group.municipality_id not in municipality_ids:
        raise NotFound(f"no group {key!r} of your municipality")
    audit.record(session, actor=by.username if by else "cli", action="synonyms.delete",
                 detail={"municipality_id": group.municipality_id, "key": key, "terms": group.terms})
    session.delete(group)
    session.commit()


def widening(session: Session, analyzer: Analyzer, query_text: str, municipality_id: int | None) -> list[str]:
    """The terms the municipality's own groups add to a query: those of the other phrases of each group it names."""
    if municipality_id is None:
        return []
    count, last = next(iter(tuples_of(session.execute(select(func.count(), func.max(col(SynonymGroup.id)))
                                                      .where(col(SynonymGroup.municipality_id) == municipality_id)))))
    if not count:
        return []
    # Groups are only added and deleted, never edited: the count and the last id change with every change.
    where, stamp = (str(session.get_bind().engine.url), municipality_id), (int(count), int(last))
    found = _OWN.get(where)
    if found is None or found[0] != stamp:
        found = _OWN[where] = (stamp, _indexed(session, municipality_id))
    groups, by_first = found[1]
    stems = content_stems(query_text)
    named = {n for i, s in enumerate(stems) for n, phrase in by_first.get(s, ()) if tuple(stems[i:i + len(phrase)]) == phrase}
    said = set(stems)
    return [term for n in sorted(named) for text, phrase in groups[n] if not set(phrase) <= said
            for term in analyzer.analyse(text)]


Phrases = list[list[tuple[str, tuple[str, ...]]]]
_OWN: dict[tuple[str, int], tuple[tuple[int, int], tuple[Phrases, dict]]] = {}  # (database, municipality) → (stamp, indexed groups)


def _indexed(session: Session, municipality_id: int) -> tuple[Phrases, dict]:
    """Each group's phrases with their stems, and the phrases by their first stem: a query is matched at each of its
    stems against the phrases that can start there, not against every phrase of 500 groups."""
    rows = session.exec(select(col(SynonymGroup.terms)).where(col(SynonymGroup.municipality_id) == municipality_id)
                        .order_by(col(SynonymGroup.id)).limit(MAX_GROUPS)).all()
    groups = [[(t, tuple(content_stems(t))) for t in terms] for terms in rows]
    by_first: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for n, phrases in enumerate(groups):
        for _text, phrase in phrases:
            if phrase:
                by_first.setdefault(phrase[0], []).append((n, phrase))
    return groups, by_first
