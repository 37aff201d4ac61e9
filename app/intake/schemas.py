"""API shapes of Indgående."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.fields import DbId, Key, Strict, Text


class FollowUpOut(BaseModel):
    inquiry_id: int
    title: str
    case_number: str | None = Field(description="the case number the mail names, when found by it")


class IncomingOut(BaseModel):
    id: int
    organisation: str = Field(description="the organisation key it was received for")
    source: str = Field(description="upload or mailbox")
    sender: str | None = Field(description="the sender as the message names them")
    sender_email: str | None
    received_on: date | None
    subject: str | None
    questions: list[str]
    notes: list[str] = Field(default_factory=list, description=(
        "what of the mail was not read, and why (an attachment too large, a file that is not a letter)"))
    status: str = Field(description="new, accepted or discarded")
    inquiry_id: int | None
    created_at: datetime
    follows: list[FollowUpOut] = Field(default_factory=list, description=(
        "open or answered inquiries of the organisation the mail may follow up: found by a case number it names, "
        "or by its subject"))


class IncomingList(BaseModel):
    items: list[IncomingOut]


class AcceptIn(Strict):
    title: Annotated[str, Text(500, min_length=1)] | None = Field(default=None, description="default: the subject")
    organisation: Key | None = Field(default=None, description="default: where it was received")
    follow_up_of: DbId | None = Field(default=None, description=(
        "an inquiry the mail follows up: its questions are added to it while it is drafted; to one answered or "
        "declined, a new inquiry in the same case (its case numbers) is made"))
