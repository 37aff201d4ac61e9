"""Klarsprog (issue 23): LIX, long sentences and long words. Pure functions.

LIX (Björnsson 1968) = words / sentences + 100 × long words / words, where a long word has more than six letters
and a sentence ends at . ! ? or : followed by a space or the end, or at the end of a paragraph. Under 25 is for
children, 35–45 is a newspaper, over 55 is legal text; letters to citizens aim at 45 or under.
"""

import re
from dataclasses import dataclass

DEFAULT_TARGET = 45
LONG_SENTENCE_WORDS = 25  # a sentence longer than this is hard to read in one breath
LONG_WORD_LETTERS = 20  # Danish compounds beyond this are worth splitting ("beskæftigelsesindsatsen" is 23)

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?:]+(?=\s|$)")


@dataclass(frozen=True)
class Lix:
    """A text's LIX and what it was counted from."""

    words: int
    sentences: int
    long_words: int

    @property
    def value(self) -> int:
        if not self.words:
            return 0
        return round(self.words / max(self.sentences, 1) + 100 * self.long_words / self.words)


def sentences(text: str) -> list[str]:
    """The text's sentences, in order (a paragraph's end ends one)."""
    out = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        out += [s.strip() for s in _SENTENCE_END.split(paragraph) if _WORD.search(s)]
    return out


def lix(text: str) -> Lix:
    """The LIX of `text`."""
    words = _WORD.findall(text)
    return Lix(words=len(words), sentences=len(sentences(text)),
               long_words=sum(1 for w in words if len(w.replace("-", "")) > 6))


def long_sentences(text: str) -> list[str]:
    """The sentences of more than LONG_SENTENCE_WORDS words."""
    return [s for s in sentences(text) if len(_WORD.findall(s)) > LONG_SENTENCE_WORDS]


def long_words(text: str) -> list[str]:
    """The words of more than LONG_WORD_LETTERS letters, each once."""
    return list(dict.fromkeys(w for w in _WORD.findall(text) if len(w.replace("-", "")) > LONG_WORD_LETTERS))
