"""File names for the records system: from a per-organisation pattern, reduced to safe characters."""

import re
import unicodedata

from app.formatting import ascii_text
from app.letters.personal_data import scan

DEFAULT_PATTERN = "{case_number}_{document_number}_{kind}_{title}"
MAX_LENGTH = 120
_FIELDS = re.compile(r"\{(case_number|document_number|kind|title|date|letter_id)\}")


def safe_name(pattern: str, values: dict[str, str], *, transliterate: bool = True) -> str:
    """The pattern filled in, without path separators, control characters, CPR-like numbers or odd characters."""
    filled = _FIELDS.sub(lambda m: str(values.get(m[1]) or ""), pattern or DEFAULT_PATTERN)
    # A CPR-like number never reaches a file name (the ESDH shows names to everyone with access to the case).
    for flag in scan(filled):
        if flag.kind == "cpr":
            filled = filled.replace(flag.text, "x")
    filled = ascii_text(filled) if transliterate else unicodedata.normalize("NFC", filled)
    allowed = r"[^A-Za-z0-9._-]" if transliterate else r"[^A-Za-z0-9æøåÆØÅ._-]"
    name = re.sub(allowed, "_", filled)
    name = re.sub(r"_+", "_", re.sub(r"\.{2,}", ".", name)).strip("._-")
    return name[:MAX_LENGTH].rstrip("._-") or "dokument"
