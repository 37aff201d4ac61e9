"""Danish text analysis for search: words, stop words, Snowball stems, compounds, synonyms. Pure.

"sygedagpengesager" meets "sager om sygedagpenge" because compounds are split against the
bank's own vocabulary (with the linking -s- and -e- Danish puts between parts), and
"ME" meets "kronisk træthedssyndrom" through the synonym list in question_bank/synonyms.yaml.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

# Snowball's Danish stop word list.
STOP_WORDS = frozenset(["og", "i", "jeg", "det", "at", "en", "den", "til", "er", "som", "på", "de", "med", "han", "af", "for", "ikke", "der", "var", "mig", "sig", "men", "et", "har", "om", "vi", "min", "havde", "ham", "hun", "nu", "over", "da", "fra", "du", "ud", "sin", "dem", "os", "op", "man", "hans", "hvor", "eller", "hvad", "skal", "selv", "her", "alle", "vil", "blev", "kunne", "ind", "når", "være", "dog", "noget", "ville", "jo", "deres", "efter", "ned", "skulle", "denne", "end", "dette", "mit", "også", "under", "have", "dig", "anden", "hende", "mine", "alt", "meget", "sit", "sine", "vor", "mod", "disse", "hvis", "din", "nogle", "hos", "blive", "mange", "ad", "bliver", "hendes", "været", "thi", "jer", "sådan"])
_WORD = re.compile(r"[0-9a-zæøåéüäö]+")
_MIN_PART = 3
MAX_WORD = 60


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("danish")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The Snowball stem of one lower-case word."""
    return _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    """Lower-case words, NFC; punctuation, quotes and FTS operators are just separators."""
    # Longer "words" are pasted junk (hashes, URLs run together); no question turns on them.
    return [w for w in _WORD.findall(unicodedata.normalize("NFC", text).lower()) if len(w) <= MAX_WORD]


def content_stems(text: str) -> list[str]:
    """Stems of the words that are not stop words."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


@dataclass
class Analyzer:
    """Stems with compound parts and synonym groups added; built from the bank's vocabulary."""

    vocabulary: frozenset[str] = frozenset()
    synonyms: tuple[tuple[tuple[str, ...], ...], ...] = ()  # groups of phrases, each phrase as stems
    _splits: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Each phrase by its first stem, so a text is matched against the phrases that can start at
    # each of its stems rather than against every phrase of every group.
    _phrases: dict[str, list[tuple[tuple[str, ...], int]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._phrases = defaultdict(list)
        for n, group in enumerate(self.synonyms):
            for phrase in group:
                if phrase:
                    self._phrases[phrase[0]].append((phrase, n))

    def split(self, token: str) -> tuple[str, ...]:
        """The known parts of a compound stem ('sygedagpengesag' → 'sygedagpeng', 'sag'), or ()."""
        if token in self._splits:
            return self._splits[token]
        best: tuple[str, ...] = ()
        for i in range(len(token) - _MIN_PART, _MIN_PART - 1, -1):
            left, right = token[:i], token[i:]
            right_stem = stem(right)
            if right_stem not in self.vocabulary and right not in self.vocabulary:
                continue
            for candidate in (left, left[:-1] if left[-1:] in "se" else None):
                if candidate and len(candidate) >= _MIN_PART and (candidate in self.vocabulary or stem(candidate) in self.vocabulary):
                    best = (stem(candidate), right_stem)
                    break
            if best:
                break
        self._splits[token] = best
        return best

    def analyse(self, text: str) -> list[str]:
        """The terms a text is indexed or searched by."""
        stems = content_stems(text)
        terms = list(stems)
        for s in stems:
            terms += self.split(s)
        groups = {n for i, s in enumerate(stems) for phrase, n in self._phrases.get(s, ())
                  if tuple(stems[i:i + len(phrase)]) == phrase}
        terms += (f"syn{n}" for n in sorted(groups))
        return terms


def phrase_stems(phrase: str) -> tuple[str, ...]:
    """A synonym phrase as the stems it matches."""
    return tuple(stem(w) for w in words(phrase))
