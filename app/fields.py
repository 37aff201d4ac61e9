"""Field types shared by every API and the question bank: cleaned text, ids, keys."""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
)
from pydantic import Strict as StrictValue
from pydantic_core import CoreSchema

MAX_ID = 2**63 - 1


class Strict(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


# true or false only: 0, 1 and "yes" are mistakes in a request, not answers.
Flag = Annotated[bool, StrictValue()]

# Characters XML 1.0 (hence DOCX) and PostgreSQL text cannot hold: NUL, the other C0
# controls but tab and newline, lone surrogates, and U+FFFE/U+FFFF.
_UNSTORABLE = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: object) -> object:
    """Cleaned text as stored: CRLF/CR become LF, NFC, unstorable characters removed.

    The same cleaning on every way in keeps SQLite, PostgreSQL and the rendered
    documents holding exactly the same string.
    """
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _UNSTORABLE.sub("", value)
    return unicodedata.normalize("NFC", value)


def _strip(value: str) -> str:
    return value.strip()


def _not_longer_than(max_length: int) -> Callable[[object], object]:
    def check(value: object) -> object:
        # As sent, too: the schema promises the limit on what the client sends, not on what is left after cleaning.
        if isinstance(value, str) and len(value) > max_length:
            raise ValueError(f"at most {max_length} characters")
        return clean_text(value)

    return check


@dataclass(frozen=True)
class Text:
    """Marks a str as cleaned text with length limits (on the text as sent and as stored): `Annotated[str, Text(300)]`."""

    max_length: int
    min_length: int = 0
    strip: bool = True

    def __get_pydantic_core_schema__(self, source: type[Any], handler: GetCoreSchemaHandler) -> CoreSchema:
        validators: list[BeforeValidator | AfterValidator] = [BeforeValidator(_not_longer_than(self.max_length))]
        if self.strip:
            validators.append(AfterValidator(_strip))
        limits = StringConstraints(min_length=self.min_length, max_length=self.max_length)
        return handler.generate_schema(Annotated[source, *validators, limits])


Line = Annotated[str, Text(300, min_length=1)]
OptionalLine = Annotated[str, Text(300)]
LongText = Annotated[str, Text(50_000, min_length=1)]
KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
Key = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=KEY_PATTERN)]
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="a positive database id")]


def _iso_date(value: object) -> object:
    # Pydantic would also take 1700000000 (Unix seconds) as a date; the contract says ISO only.
    if isinstance(value, date) or (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]

# Dates outside this range are typing errors (9999-12-31, 0001-01-01): they would overflow the
# deadline arithmetic and the zip timestamps of an export.
EARLIEST, LATEST = date(1990, 1, 1), date(2099, 12, 31)


def plausible(value: date) -> date:
    """`value`, if it lies between EARLIEST and LATEST."""
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


PlausibleDate = Annotated[IsoDate, AfterValidator(plausible)]
