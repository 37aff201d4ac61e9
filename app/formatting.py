"""Danish dates, periods and numbers through Babel; shared by the library and rendering.

Cached: Babel takes tens of microseconds a call, and a page shows the same few dates and figures many times.
"""

import re
import unicodedata
from datetime import date
from functools import lru_cache
from urllib.parse import quote

from babel.dates import format_date
from babel.numbers import format_decimal

from app.letters import kinds

LOCALE = "da_DK"


@lru_cache(maxsize=4096)
def number(value: float) -> str:
    """A figure as Danes write it: 5.555, 1,5."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return format_decimal(value, locale=LOCALE)


@lru_cache(maxsize=4096)
def long_date(value: date) -> str:
    """24. marts 2014."""
    return format_date(value, "d. MMMM y", locale=LOCALE)


@lru_cache(maxsize=4096)
def short_date(value: date) -> str:
    """12-05-2023, as on the Copenhagen letterhead."""
    return format_date(value, "dd-MM-y", locale=LOCALE)


# The ways a document's dates are written; an organisation picks one per document kind.
DATE_STYLES = {"numeric": short_date, "long": long_date}


def document_date(value: date, kind: str, styles: dict[str, str] | None = None) -> str:
    """`value` in the one style documents of `kind` use: the organisation's choice, else the kind's default
    (app.letters.kinds: as the seed documents write them, Copenhagen's brev "12-05-2023", Aalborg's notat
    "24. marts 2014")."""
    style = (styles or {}).get(kind) or (kinds.REGISTRY[kinds.LetterKind(kind)].date_style if kind in kinds.REGISTRY else "long")
    return DATE_STYLES[style](value)


@lru_cache(maxsize=4096)
def period_label(value: date, kind: str) -> str:
    """The period a figure belongs to: 'februar 2014', '2. kvartal 2014', '2014'."""
    if kind == "year":
        return str(value.year)
    if kind == "quarter":
        return f"{(value.month - 1) // 3 + 1}. kvartal {value.year}"
    if kind == "month":
        return format_date(value, "MMMM y", locale=LOCALE)
    return long_date(value)


_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def ascii_text(text: str) -> str:
    """`text` in ASCII as Danes transliterate it (ø → oe), other accents dropped: for file names."""
    return unicodedata.normalize("NFKD", unicodedata.normalize("NFC", text).translate(_DANISH)).encode("ascii", "ignore").decode()


def content_disposition(disposition: str, name: str) -> str:
    """A Content-Disposition header for `name` (RFC 6266): an ASCII name for any client, the exact one beside."""
    fallback = ascii_text(name).replace('"', "_").replace("\\", "_")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def genitive(name: str) -> str:
    """Danish genitive: 'Forvaltningen' → 'Forvaltningens', 'Aarhus' → 'Aarhus''."""
    return name + ("'" if name[-1:].lower() in "sxz" else "s")


def short_time_now() -> str:
    """The time in Copenhagen as Danes write it, for 'Gemt kl. 14.32'."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Copenhagen")).strftime("%H.%M")


def local_datetime(value) -> str:
    """A timestamp as Danes read it, in Copenhagen time: 23. nov. 2026 kl. 19.05 (Retskrivningsordbogen: a point in times)."""
    from zoneinfo import ZoneInfo

    local = value.astimezone(ZoneInfo("Europe/Copenhagen"))
    return f"{format_date(local.date(), 'd. MMM y', locale=LOCALE)} kl. {local:%H.%M}"


def local_span(start, end) -> str:
    """A sitting as Danes write it: '1. dec. 2026 kl. 9.05–9.40'; one time when both are the same minute."""
    from zoneinfo import ZoneInfo

    first = local_datetime(start)
    if end is None:
        return first
    a, b = (v.astimezone(ZoneInfo("Europe/Copenhagen")) for v in (start, end))
    if (a.date(), a.hour, a.minute) == (b.date(), b.hour, b.minute):
        return first
    return f"{first}–{b:%H.%M}" if a.date() == b.date() else f"{first} – {local_datetime(end)}"


_ASCII: dict[str, str | int | None] = {"æ": "ae", "ø": "oe", "å": "aa"}


def key_of(text: str, limit: int = 100) -> str:
    """A key made from a name, as keys are written: 'Københavns Kommune' → 'koebenhavns-kommune' ('' if none is left)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(str.maketrans(_ASCII))).strip("-")[:limit]
