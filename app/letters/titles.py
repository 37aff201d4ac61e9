"""A letter's title from its inquiry's, as a person would write it. Pure."""

import re
from collections.abc import Iterable

# Titles that already say what they are: "Spørgsmål om …" becomes "Svar på spørgsmål om …", not "… om spørgsmål om …".
_ALREADY = re.compile(r"^(spørgsmål|henvendelse|forespørgsel|§ ?\d+[- ]spørgsmål)\b[ :]*", re.IGNORECASE)


def answer_title(inquiry_title: str, proper_nouns: Iterable[str] = (), prefix: str = "Svar på") -> str:
    """'Svar på …' (or the kind's `prefix`) for the inquiry's title: its own wording kept, names and
    abbreviations left as written."""
    title = " ".join(inquiry_title.split())
    if not title:
        return prefix.removesuffix(" på")
    if title.lower().startswith("svar på"):
        return f"{prefix} {title[len('svar på'):].strip()}"
    if title.endswith("?"):
        return f"{prefix} spørgsmål: {title}"
    if m := _ALREADY.match(title):
        word, rest = m[1].lower(), title[m.end():]
        if ":" in m[0]:  # "Spørgsmål: ventetider" reads as "spørgsmål om ventetider"
            return f"{prefix} {word} om {_lower_first(rest, proper_nouns)}"
        return f"{prefix} {word} {rest}".rstrip()
    return f"{prefix} spørgsmål om {_lower_first(title, proper_nouns)}"


def _lower_first(text: str, proper_nouns: Iterable[str]) -> str:
    """`text` with its first letter lower-cased, unless its first word is a name or an abbreviation."""
    words = text.split(" ")
    first = words[0]
    is_abbreviation = sum(c.isupper() for c in first) > 1 or any(c.isdigit() for c in first)
    # A place of the municipality's own ("Aalborgs", "Københavns"), or the start of a name ("Aalborg Kommune").
    is_name = _stem(first) in {_stem(n) for n in proper_nouns} or (len(words) > 1 and words[1][:1].isupper())
    if is_abbreviation or is_name or not first[:1].isupper():
        return text
    return first[0].lower() + text[1:]


def _stem(word: str) -> str:
    """The word without its punctuation and genitive s, in lower case: 'Københavns,' → 'københavn'."""
    return word.lower().rstrip(".,:;'’").removesuffix("'s").removesuffix("s")
