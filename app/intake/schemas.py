"""API shapes of Indgående."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.fields import Key, Strict, Text


class IncomingOut(BaseModel):
    id: int
    organisation: str = Field(description="the organisation key it was received for")
    source: str = Field(description="upload or mailbox")
    sender: str | None = Field(description="the sender as the message names them")
    sender_email: str | None
    received_on: date | None
    subject: str | None
    questions: list[str]
    status: str = Field(description="new, accepted or discarded")
    inquiry_id: int | None
    created_at: datetime


class IncomingList(BaseModel):
    items: list[IncomingOut]


class AcceptIn(Strict):
    title: Annotated[str, Text(500, min_length=1)] | None = Field(default=None, description="default: the subject")
    organisation: Key | None = Field(default=None, description="default: where it was received")
