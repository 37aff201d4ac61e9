"""Flag text that looks like personal data: CPR numbers, e-mail addresses, phone numbers."""

import re
from dataclasses import asdict, dataclass
from datetime import date

# DDMMYY-SSSS with or without the dash (or a space). No modulus-11 check: numbers without it
# have been issued since 2007, so the check would miss real ones.
_CPR = re.compile(r"(?<![\d-])(\d{2})(\d{2})(\d{2})[- ]?(\d{4})(?![\d-])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\d-])(?:\+45[ ]?)?(?:\d{8}|\d{4} \d{4}|\d{2} \d{2} \d{2} \d{2})(?![\d-])")
_YEARS = re.compile(r"(?:19|20)\d{2} (?:19|20)\d{2}")


@dataclass(frozen=True)
class Flag:
    kind: str  # "cpr", "email", "phone"
    text: str

    def label(self) -> str:
        """How the flag reads in Danish."""
        return {"cpr": "CPR-nummer", "email": "e-mailadresse", "phone": "telefonnummer"}[self.kind] + f": {self.text}"


def _real_date(day: str, month: str, year: str) -> bool:
    # The century is not in the number; 29 February counts if either century has it.
    for century in (1900, 2000):
        try:
            date(century + int(year), int(month), int(day))
            return True
        except ValueError:
            continue
    return False


def scan(text: str) -> list[Flag]:
    """Everything in `text` that looks like personal data, in order, each once."""
    found: list[Flag] = []
    cpr_spans = []
    for m in _CPR.finditer(text):
        if _real_date(m[1], m[2], m[3]):
            found.append(Flag("cpr", m[0]))
            cpr_spans.append(m.span())
    found += [Flag("email", m[0]) for m in _EMAIL.finditer(text)]
    for m in _PHONE.finditer(text):
        inside_cpr = any(a <= m.start() < b for a, b in cpr_spans)
        if not inside_cpr and not _YEARS.fullmatch(m[0]):
            found.append(Flag("phone", m[0]))
    return list(dict.fromkeys(found))


def as_json(flags: list[Flag]) -> list[dict]:
    """Flags as stored on the letter."""
    return [asdict(f) for f in flags]
