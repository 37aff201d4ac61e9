"""API shapes of intake."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.fields import (
    DbId,
    Key,
    Line,
    OptionalLine,
    PlausibleDate,
    Strict,
    Text,
)
from app.models import Channel, InquiryState, InquiryStatus

QuestionText = Annotated[str, Text(10_000, min_length=1)]



class ParseIn(Strict):
    text: Annotated[str, Text(200_000, strip=False)]


class ParsedQuestionOut(BaseModel):
    number: int
    text: str


class ParsedAsker(BaseModel):
    name: str | None
    email: str | None


class ParseOut(BaseModel):
    questions: list[ParsedQuestionOut]
    title: str | None
    asker: ParsedAsker | None
    received_on: date | None
    intro: str | None


class AskerIn(Strict):
    name: Line
    role: OptionalLine | None = None
    email: OptionalLine | None = None


class CaseRefIn(Strict):
    system: Annotated[str, Text(50, min_length=1)]
    kind: Annotated[str, Text(50, min_length=1)]
    number: Annotated[str, Text(100, min_length=1)]


class QuestionIn(Strict):
    text: QuestionText
    remark: Annotated[str, Text(2_000)] | None = None


class InquiryIn(Strict):
    title: Annotated[str, Text(500, min_length=1)]
    asker: AskerIn
    received_on: PlausibleDate
    deadline: PlausibleDate | None = Field(default=None, description="overrides the organisation's working days")
    channel: Channel = Channel.email
    case_refs: list[CaseRefIn] = Field(default_factory=list, max_length=20)
    questions: list[QuestionIn] = Field(min_length=1, max_length=200)
    organisation: Key | None = Field(default=None, description="organisation key; default: yours, or the only one")
    drafter_id: DbId | None = None
    kle_number: Annotated[str, Text(50)] | None = None
    kle_action: Annotated[str, Text(50)] | None = None


class AskerOut(BaseModel):
    id: int
    name: str
    role: str | None
    email: str | None


class OrganisationRef(BaseModel):
    id: int
    key: str
    name: str
    municipality: str


class CaseRefOut(BaseModel):
    system: str
    kind: str
    number: str


class ParagraphLink(BaseModel):
    paragraph_id: int
    key: str
    version: int


class QuestionOut(BaseModel):
    id: int
    number: int
    text: str
    remark: str | None
    answered_by: list[ParagraphLink]


class UnitRef(BaseModel):
    key: str
    name: str


class PersonRef(BaseModel):
    username: str
    name: str


class DeadlineChangeOut(BaseModel):
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    reason: str
    by: str
    at: datetime

    model_config = {"populate_by_name": True}


class InquiryOut(BaseModel):
    id: int
    key: str | None
    title: str
    organisation: OrganisationRef
    asker: AskerOut
    channel: str
    received_on: date
    deadline: date
    working_days_left: int
    overdue: bool
    status: InquiryStatus
    state: InquiryState = Field(description="where it is in its work (app.inquiries.states)")
    unit: UnitRef | None = Field(description="the unit it is allocated to")
    assignee: PersonRef | None = Field(description="the person drafting the answer (drafter_id's user)")
    deadline_history: list[DeadlineChangeOut] = Field(description="each extension, oldest first")
    draft_due: date = Field(description="internal: the answer is ready for approval by this day")
    needs_interim: bool = Field(description="the deadline will be missed and no interim reply promises a later day")
    drafter_id: int | None
    kle_number: str | None
    kle_action: str | None
    case_refs: list[CaseRefOut]
    questions: list[QuestionOut]
    created_at: datetime
    # Where its letters stand: returned by the approver (with the comment), or waiting for approval.
    returned_comment: str | None = None
    awaiting_approval: bool = False


class InquiryList(BaseModel):
    items: list[InquiryOut]
    total: int


class InquiryCorrection(Strict):
    """Corrected details of a registered inquiry; the fields left out stay as they are."""

    title: Annotated[str, Text(500, min_length=1)] | None = None
    asker: AskerIn | None = None
    received_on: PlausibleDate | None = Field(
        default=None, description="the deadline follows when it was the organisation's rule, not one set by hand")
    case_refs: list[CaseRefIn] | None = Field(default=None, max_length=20, description="all of them, in order")
    reason: Annotated[str, Text(500)] | None = Field(default=None, description="why, for the history")
