"""Redaction before publication (issue 23): passages removed from the published text — never covered, always
gone — and a log of how many on which ground, never what. Pure functions; app.publication.service applies them to
the public HTML and to the context the published PDF is rendered from."""

from collections import Counter
from dataclasses import dataclass

from app.errors import Invalid

MARK = "[udeladt]"  # what stands where a passage was, in the HTML and the PDF alike
MAX_REDACTIONS, MAX_TEXT = 50, 1_000
# The grounds a municipality most often gives, as the page offers them; any other wording may be given instead.
GROUNDS = {
    "private": "oplysninger om enkeltpersoners private forhold, offentlighedsloven § 30, nr. 1",
    "health": "oplysninger om enkeltpersoners helbred, offentlighedsloven § 30, nr. 1",
    "cpr": "personnummer (CPR), offentlighedsloven § 30, nr. 1",
    "business": "oplysninger om drifts- eller forretningsforhold, offentlighedsloven § 30, nr. 2",
    "secrecy": "særlig tavshedspligt, offentlighedsloven § 35",
}


@dataclass(frozen=True)
class Redaction:
    """One passage to remove, and the ground as the log names it."""

    text: str
    ground: str


def checked(items: list[tuple[str, str]]) -> list[Redaction]:
    """The redactions asked for, each a passage on one line and a ground (a key of GROUNDS, or its own wording)."""
    if len(items) > MAX_REDACTIONS:
        raise Invalid(f"at most {MAX_REDACTIONS} redactions", field="redactions")
    out = []
    for n, (raw_text, raw_ground) in enumerate(items, start=1):
        text, ground = raw_text.strip(), raw_ground.strip()
        if not 2 <= len(text) <= MAX_TEXT or "\n" in text:
            raise Invalid(f"redaction {n}: a passage is 2–{MAX_TEXT} characters on one line", field="redactions")
        if not 3 <= len(ground) <= 300:
            raise Invalid(f"redaction {n}: give the ground, e.g. one of {', '.join(GROUNDS)}", field="redactions")
        out.append(Redaction(text, GROUNDS.get(ground, ground)))
    return out


def apply(text: str, redactions: list[Redaction], counts: Counter[str] | None = None) -> str:
    """The text with every occurrence of each passage replaced by MARK, longest first (so a passage inside
    another goes with it); `counts` gains the passages removed per ground."""
    for r in sorted(redactions, key=lambda r: -len(r.text)):
        found = text.count(r.text)
        if found:
            text = text.replace(r.text, MARK)
            if counts is not None:
                counts[r.ground] += found
    return text


def log(counts: Counter[str]) -> list[dict]:
    """The redaction log: per ground, how many passages — in the order of the grounds' first use."""
    return [{"ground": ground, "count": count} for ground, count in counts.items()]


def unfound(texts: list[str], redactions: list[Redaction]) -> list[int]:
    """The numbers (from 1) of the redactions found in none of the texts: a mistyped passage is refused, not ignored."""
    return [n for n, r in enumerate(redactions, start=1) if not any(r.text in t for t in texts)]
