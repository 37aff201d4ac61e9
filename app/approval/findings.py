"""Checks at submit that no other tool makes (issue 23), shown to the drafter and the approver, never blocking:

- the same figure, different values: a statistic's value for a period that another letter of the municipality,
  approved in the last 12 months, stated differently (a correction since), or a number typed beside a series' name
  that the series does not hold;
- small numbers: a count of people under the municipality's small-number rule typed in free text (figures from a
  series with a rule are already shown as the rule says, by app.library.statfill);
- klarsprog: the LIX of each answer and of the letter against the organisation's target, long sentences and words.
"""

import re
from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from app import formatting
from app.approval import readability
from app.db import stored
from app.library import analysis, statfill
from app.library import service as library_service
from app.models import Inquiry, Letter, LetterStatus, Organisation, Statistic, utcnow
from app.rendering.context import LetterContext

WINDOW = timedelta(days=365)
DEFAULT_SMALL = 5  # counts under 5 are the discretion rule most series follow
_WORDS = {"én": 1, "ét": 1, "to": 2, "tre": 3, "fire": 4}  # "en"/"et" are articles far more often than counts
_PEOPLE = (r"borgere?|personer?|elever?|børn|barn|ansatte?|medarbejdere?|familier?|unge|patienter?|brugere?|klienter?"
           r"|kvinder?|mænd|mand|beboere?|ledige|modtagere|sygemeldte|flygtninge|pårørende|indbyggere|forældre|anbragte")
_SMALL = re.compile(rf"(?<![\d.,])(?P<n>\d+|{'|'.join(_WORDS)})\s+(?:[^\W\d_]+\s+){{0,2}}?(?P<noun>{_PEOPLE})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One thing a check noticed: which check, where (a question's number, None for the whole letter), what."""

    check: str  # "same_figure", "small_number", "lix", "long_sentence", "long_word"
    message: str
    question: int | None = None


def _answer_texts(ctx: LetterContext) -> list[tuple[int, str]]:
    return [(a.number, "\n\n".join(p for p in a.paragraphs if isinstance(p, str))) for a in ctx.answers]


def same_figure(session: Session, letter: Letter, ctx: LetterContext) -> list[Finding]:
    """The figures this letter shows that a letter of the municipality approved in the last year showed otherwise."""
    mine = {(f.key, f.period.isoformat()): f.value for f in ctx.figures}
    if not mine:
        return []
    siblings = _municipality(session, letter)
    others = session.exec(select(col(Letter.id), col(Letter.title), col(Letter.approved_at), col(Letter.frozen_statistics))
                          .join(Inquiry, col(Inquiry.id) == col(Letter.inquiry_id))
                          .where(col(Inquiry.organisation_id).in_(siblings), col(Letter.status) == LetterStatus.approved,
                                 col(Letter.approved_at) >= utcnow() - WINDOW, col(Letter.id) != letter.id)
                          .order_by(col(Letter.approved_at).desc()).limit(5_000)).all()
    labels = dict(session.exec(select(col(Statistic.key), col(Statistic.label))
                               .where(col(Statistic.key).in_({k for k, _ in mine}))).all())
    found: list[Finding] = []
    for other_id, title, approved_at, frozen in others:
        for figure in frozen or []:
            key = (figure.get("key"), figure.get("period"))
            if key in mine and figure.get("value") != mine[key] and len(found) < 20:
                found.append(Finding("same_figure", (
                    f"{labels.get(key[0], key[0])}, {key[1][:7]}: dette brev siger {formatting.number(mine[key])}, men "
                    f"“{title}” (brev {other_id}, godkendt {formatting.long_date(approved_at.date()) if approved_at else ''}) sagde "
                    f"{formatting.number(figure['value'])}. Er tallet rettet siden, så nævn det; ellers ret tallet.")))
    return found


_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\d])|(?<![\d.,])\d+(?:,\d+)?(?![\d.,]\d)")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _value(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def typed_figures(session: Session, letter: Letter, ctx: LetterContext) -> list[Finding]:
    """A number typed beside a series' name that none of the series' values is, but near one of them: a figure
    copied wrong, or from an old table. A sentence that names the series by its label's first word is read."""
    keys = session.exec(select(col(Statistic.key)).where(col(Statistic.organisation_id).in_(_municipality(session, letter)))
                        .limit(500)).all()
    series = library_service.load_series(session, keys, organisation_id=None)
    by_word: dict[str, list[statfill.Series]] = {}
    for s in series.values():
        words = analysis.content_stems(s.label)
        if words and len(words[0]) >= 5 and s.points:
            by_word.setdefault(words[0], []).append(s)
    found: list[Finding] = []
    for number, text in _answer_texts(ctx):
        for sentence in _SENTENCE.split(text):
            named = [s for stem in set(analysis.content_stems(sentence)) for s in by_word.get(stem, [])]
            if not named:
                continue
            values = {p.value for s in named for p in s.points}
            for m in _NUMBER.finditer(sentence):
                typed = _value(m[0])
                if typed < 10 or 1900 <= typed <= 2100 or typed in values:
                    continue  # a small count, a year, or a figure of the series
                s, point = min(((s, p) for s in named for p in s.points), key=lambda sp: abs(sp[1].value - typed))
                if 0.5 * point.value <= typed <= 1.5 * point.value and len(found) < 20:
                    found.append(Finding("same_figure", (
                        f"“{m[0]}” står ved {s.label.lower()}, men serien har {formatting.number(point.value)} for "
                        f"{formatting.period_label(point.period, s.period_kind)} og intet tal på {m[0]}. "
                        "Indsæt tallet fra biblioteket, eller ret det."), number))
    return found


def _municipality(session: Session, letter: Letter):
    """The ids of the organisations of the letter's municipality, as a subquery."""
    org = stored(session, Organisation, stored(session, Inquiry, letter.inquiry_id).organisation_id)
    return select(col(Organisation.id)).where(col(Organisation.municipality_id) == org.municipality_id)


def small_numbers(session: Session, letter: Letter, ctx: LetterContext) -> list[Finding]:
    """Counts of people under the small-number rule (the lowest of the municipality's series, else 5), typed in the
    answers' text."""
    rules = [b for b in session.exec(select(col(Statistic.suppress_below)).where(
        col(Statistic.suppress_below).is_not(None), col(Statistic.organisation_id).in_(_municipality(session, letter))))
        if b is not None]
    below = min(rules, default=DEFAULT_SMALL)
    found = []
    for number, text in _answer_texts(ctx):
        for m in _SMALL.finditer(text):
            n = _WORDS.get(m["n"].lower()) or (int(m["n"]) if m["n"].isdigit() and len(m["n"]) < 6 else None)
            if n is not None and 0 < n < below:
                found.append(Finding("small_number", (
                    f"“{m[0]}”: så få personer kan gøre dem genkendelige. Kommunens regel er at skrive “under {below}”, "
                    "eller at lade tallet ude."), number))
    return found


def klarsprog(ctx: LetterContext, target: int) -> list[Finding]:
    """The LIX of each answer and of the letter, and its long sentences and words (each answer's first three)."""
    found = []
    texts = _answer_texts(ctx)
    for number, text in texts:
        score = readability.lix(text)
        if score.words:
            found.append(Finding("lix", f"LIX {score.value} (mål: højst {target})"
                                 + (" — over målet." if score.value > target else "."), number))
        for sentence in readability.long_sentences(text)[:3]:
            found.append(Finding("long_sentence", f"Lang sætning ({len(sentence.split())} ord): “{sentence[:80]}…”", number))
        words = readability.long_words(text)[:3]
        if words:
            found.append(Finding("long_word", "Lange ord: " + ", ".join(words), number))
    whole = readability.lix("\n\n".join([ctx.intro or "", *(t for _n, t in texts)]))
    if whole.words:
        found.append(Finding("lix", f"Brevet som helhed: LIX {whole.value} (mål: højst {target})"
                             + (" — over målet." if whole.value > target else ".")))
    return found


def at_submit(session: Session, letter: Letter, ctx: LetterContext) -> list[dict]:
    """Every check's findings, as stored on the letter for the approver."""
    org = stored(session, Organisation, stored(session, Inquiry, letter.inquiry_id).organisation_id)
    target = org.lix_target or readability.DEFAULT_TARGET
    findings = same_figure(session, letter, ctx) + typed_figures(session, letter, ctx) + small_numbers(session, letter, ctx) + klarsprog(ctx, target)
    return [asdict(f) for f in findings]
