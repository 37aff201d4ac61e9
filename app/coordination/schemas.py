"""API shapes of coordination."""

from typing import Annotated

from pydantic import Field

from app.auth.schemas import Username
from app.fields import Key, PlausibleDate, Strict, Text

Reason = Annotated[str, Text(2_000, min_length=1)]


class AllocateIn(Strict):
    unit: Key | None = Field(default=None, description="unit key; default the assignee's unit")
    assignee: Username | None = Field(default=None, description="username of the person who drafts the answer")
    reason: Reason | None = Field(default=None, description="needed when an allocation is changed")


class ReasonIn(Strict):
    reason: Reason


class TransferIn(Strict):
    organisation: Key = Field(description="another organisation of the municipality")
    reason: Reason


class ExtendIn(Strict):
    deadline: PlausibleDate
    reason: Reason
