"""API shapes of contributions."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.auth.schemas import Username
from app.fields import DbId, Key, PlausibleDate, Strict, Text

Note = Annotated[str, Text(5_000, min_length=1)]
AnswerText = Annotated[str, Text(50_000, min_length=1)]


class ContributionIn(Strict):
    unit: Key | None = Field(default=None, description="the unit asked; default the person's unit")
    person: Username | None = Field(default=None, description="username of the person asked, in that unit")
    question_ids: list[DbId] = Field(default_factory=list, max_length=200, description="empty: the whole inquiry")
    due: PlausibleDate | None = Field(default=None, description="default: working days before the inquiry's deadline")
    note: Note


class AnswerIn(Strict):
    text: AnswerText


class AskAgainIn(Strict):
    note: Note = Field(description="what to add or clarify (uddyb venligst)")
    due: PlausibleDate | None = Field(default=None, description="default: as before, or today if that has passed")


class MessageOut(BaseModel):
    kind: str = Field(description="request, answer or cancel")
    text: str
    actor: str
    due: date | None
    at: datetime


class FileOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


class ContributionOut(BaseModel):
    id: int
    inquiry_id: int
    inquiry_title: str
    unit: str = Field(description="the unit's key")
    unit_name: str
    person: str | None = Field(description="username of the person asked")
    question_ids: list[int]
    note: str
    due: date
    status: str = Field(description="anmodet, besvaret or annulleret")
    overdue: bool = Field(description="still asked and past its due date (derived, never stored)")
    late: bool = Field(description="answered after its due date")
    requested_by: str = Field(description="username of the drafter who asked")
    requested_by_name: str = Field(description="their name, as the contributor reads it")
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    link_expires: date | None = Field(description="the login-free link works until this day (while asked)")
    link: str | None = Field(default=None, description="the login-free URL: in the answer that creates it, only")
    messages: list[MessageOut]
    files: list[FileOut]


class ContributionList(BaseModel):
    items: list[ContributionOut]
