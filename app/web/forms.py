"""Reading what a browser form sends: every field is text and may be anything."""

from app.fields import clean_text


def whole_number(value: object, *, below: int = 10**17) -> int | None:
    """The field as a non-negative whole number under `below`, or None when it is not one."""
    # str.isdigit alone lets "²" and 5,000-digit strings through to int(), which then raises.
    text = str(value or "")
    if not (text.isascii() and text.isdigit() and len(text) < 18):
        return None
    number = int(text)
    return number if number < below else None


def search_text(value: str, limit: int = 200) -> str | None:
    """A filter typed in a page's search box, cleaned as stored text is (PostgreSQL refuses NUL), or None."""
    return str(clean_text(value)).strip()[:limit] or None
