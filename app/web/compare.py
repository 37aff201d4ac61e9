"""A readable word-level comparison of two texts, for people: what was removed, what was added. Pure."""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

# A text longer than this is compared paragraph by paragraph only: word matching is quadratic at worst.
MAX_WORDS = 20_000


@dataclass(frozen=True)
class Piece:
    """A run of words: kept as it was, removed, or added."""

    kind: str  # "same", "removed" or "added"
    text: str


def words(before: str, after: str) -> list[Piece]:
    """`before` → `after` as runs of kept, removed and added words (whitespace kept with its word)."""
    a, b = re.findall(r"\S+\s*", before), re.findall(r"\S+\s*", after)
    if len(a) + len(b) > MAX_WORDS:
        return [Piece("removed", before), Piece("added", after)] if before != after else [Piece("same", after)]
    out: list[Piece] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(Piece("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(Piece("removed", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(Piece("added", "".join(b[j1:j2])))
    return out


def changed(pieces: list[Piece]) -> bool:
    """Whether anything was removed or added."""
    return any(p.kind != "same" for p in pieces)
