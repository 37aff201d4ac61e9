"""API shapes of publication (issue 23)."""

from typing import Annotated

from pydantic import Field

from app.fields import Strict, Text


class RedactionIn(Strict):
    text: Annotated[str, Text(1_000, min_length=2)] = Field(description="a passage to remove, on one line, as it stands")
    ground: Annotated[str, Text(300, min_length=3)] = Field(
        description="private, health, cpr, business, secrecy — or the ground in the municipality's own words")


class PublishIn(Strict):
    redactions: list[RedactionIn] = Field(default_factory=list, max_length=50)


class RedactionLogOut(Strict):
    ground: str
    count: int


class PublicationOut(Strict):
    url: str
    slug: str
    answered: bool
    published_at: str
    redaction_log: list[RedactionLogOut]
