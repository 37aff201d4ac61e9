"""API shapes of letters."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from app.fields import DbId, Flag, OptionalLine, PlausibleDate, Strict, Text
from app.models import AccessMarking, LetterKind, LetterStatus


class LetterIn(Strict):
    inquiry_id: DbId
    kind: LetterKind
    expected_answer_on: PlausibleDate | None = Field(
        default=None, description="foreløbigt: the day the answer is promised by; default the inquiry's deadline")


class BlockIn(Strict):
    paragraph_id: DbId | None = None
    paragraph_version: int | None = Field(default=None, ge=1, le=1_000_000, description="default: the current one")
    text: Annotated[str, Text(50_000, min_length=1)] | None = None
    contribution_id: DbId | None = Field(default=None, description="a text block's provenance: the contribution it came from")

    @model_validator(mode="after")
    def _one_of(self):
        if (self.paragraph_id is None) == (self.text is None):
            raise ValueError("a block is either a paragraph_id or a text")
        if self.contribution_id is not None and self.text is None:
            raise ValueError("only a text block comes from a contribution")
        return self


class AnswerIn(Strict):
    question_id: DbId
    blocks: list[BlockIn] = Field(max_length=50)


class LetterTexts(Strict):
    """The free-text fields of a letter, as the API and the question bank take them."""

    recipient_name: OptionalLine | None = None
    recipient_title: OptionalLine | None = None
    recipient_email: OptionalLine | None = None
    copy_to: OptionalLine | None = None
    salutation: OptionalLine | None = None
    intro: Annotated[str, Text(5_000)] | None = None
    initials: Annotated[str, Text(20)] | None = None


class LetterUpdate(LetterTexts):
    """A save. Fields left out keep their value; `answers`, when given, replaces every answer."""

    version: int = Field(ge=1, description="the version the edit started from; 409 if another save came first")
    kind: LetterKind | None = None
    title: Annotated[str, Text(500, min_length=1)] | None = None
    letter_date: PlausibleDate | None = None
    expected_answer_on: PlausibleDate | None = None
    signatory_id: DbId | None = None
    access: AccessMarking | None = Field(default=None, description=(
        "åben, personoplysninger or fortrolig; left out, the personal-data check decides when it is filed"))
    answers: list[AnswerIn] | None = Field(default=None, max_length=200)


class SubmitIn(Strict):
    version: int | None = Field(default=None, ge=1)
    confirm_personal_data: Flag = Field(default=False, description="the drafter has checked the flagged text")


class ApproveIn(Strict):
    version: int = Field(ge=1, le=10**9, description="the version the approver reviewed; 409 if the letter changed since")


class ReturnIn(Strict):
    comment: Annotated[str, Text(5_000, min_length=1)]


class BlockOut(BaseModel):
    paragraph_id: int | None
    paragraph_version: int | None
    text: str | None
    contribution_id: int | None = None


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
    expected_answer_on: date | None
    title: str
    recipient_name: str | None
    recipient_title: str | None
    recipient_email: str | None
    copy_to: str | None
    salutation: str | None
    intro: str | None
    signatory_id: int | None
    initials: str | None
    access: str | None = Field(description="the drafter's access marking; null: decided by the personal-data check")
    created_by_id: int | None
    submitted_by_id: int | None
    approved_by_id: int | None
    approved_at: datetime | None
    return_comment: str | None
    supersedes_id: int | None
    personal_data_flags: list[dict]
    check_findings: list[dict] | None = Field(default=None, description="what the checks at submit noticed (informative)")
    frozen_statistics: list[dict]
    documents: dict[str, str] = Field(description="format → SHA-256 of the frozen bytes, once approved")
    answers: list[AnswerOut]
    created_at: datetime


class AuditOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    inquiry_id: int | None
    letter_id: int | None
    detail: dict
    hash: str


class AuditList(BaseModel):
    items: list[AuditOut]
