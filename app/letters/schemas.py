"""API shapes of letters."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from app.fields import DbId
from app.models import LetterKind, LetterStatus


class LetterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inquiry_id: DbId
    kind: LetterKind


class BlockOut(BaseModel):
    paragraph_id: int | None
    paragraph_version: int | None
    text: str | None


class AnswerOut(BaseModel):
    question_id: int
    number: int
    blocks: list[BlockOut]


class LetterOut(BaseModel):
    id: int
    inquiry_id: int
    kind: LetterKind
    version: int
    status: LetterStatus
    letter_date: date | None
    title: str
    recipient_name: str | None
    recipient_title: str | None
    recipient_email: str | None
    copy_to: str | None
    salutation: str | None
    intro: str | None
    signatory_id: int | None
    initials: str | None
    answers: list[AnswerOut]
    created_at: datetime
