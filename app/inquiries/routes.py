"""HTTP API of intake: /api/v1/inquiries."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import CurrentUser, Writer
from app.db import SessionDep
from app.errors import ERROR_RESPONSES
from app.fields import IdPath, IsoDate, Key, Text
from app.inquiries import corrections
from app.inquiries import service as inquiry_service
from app.inquiries.parsing import parse_email
from app.inquiries.queues import Queue
from app.inquiries.schemas import InquiryCorrection, InquiryIn, InquiryList, InquiryOut, ParseIn, ParseOut
from app.models import InquiryState, InquiryStatus
from app.routing import SessionRoute

router = APIRouter(route_class=SessionRoute, prefix="/api/v1/inquiries", tags=["inquiries"], responses=ERROR_RESPONSES)


@router.post("/parse", response_model=ParseOut)
def parse(body: ParseIn, _user: CurrentUser) -> ParseOut:
    """Split a pasted e-mail into numbered questions; also suggests title, asker and date from its headers."""
    parsed = parse_email(body.text)
    asker = {"name": parsed.asker_name, "email": parsed.asker_email} if parsed.asker_name or parsed.asker_email else None
    return ParseOut(
        questions=[{"number": q.number, "text": q.text} for q in parsed.questions],
        title=parsed.title,
        asker=asker,
        received_on=parsed.received_on,
        intro=parsed.intro,
    )


@router.post("", status_code=201, response_model=InquiryOut)
def create(body: InquiryIn, session: SessionDep, user: Writer) -> InquiryOut:
    """Register an inquiry with its questions."""
    return inquiry_service.create(session, data=body, user=user)


@router.get("", response_model=InquiryList)
def list_inquiries(
    session: SessionDep,
    user: CurrentUser,
    status: InquiryStatus | None = None,
    state: InquiryState | None = None,
    queue: Annotated[Queue | None, Query(description="a work queue; sorted by deadline")] = None,
    overdue: bool | None = None,
    q: Annotated[Annotated[str, Text(200)] | None, Query(description="words in the title or a question")] = None,
    organisation: Annotated[Key | None, Query(description="organisation key")] = None,
    asker: Annotated[Annotated[str, Text(200)] | None, Query(description="part of the asker's name")] = None,
    received_from: Annotated[IsoDate | None, Query()] = None,
    received_to: Annotated[IsoDate | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> InquiryList:
    """The inquiries the caller may read, newest first (a queue: by deadline); filter by queue, state, status, overdue, free text, organisation, asker and received dates."""
    items, total = inquiry_service.list_(session, status=status, state=state, queue=queue, overdue=overdue, q=q, organisation=organisation,
                                         asker=asker, received_from=received_from, received_to=received_to,
                                         limit=limit, offset=offset, user=user,
                                         sort="deadline" if queue else "-received")
    return InquiryList(items=items, total=total)


@router.get("/{inquiry_id}", response_model=InquiryOut)
def get_inquiry(inquiry_id: IdPath, session: SessionDep, user: CurrentUser) -> InquiryOut:
    """One inquiry with its questions and case references."""
    return inquiry_service.get(session, inquiry_id=inquiry_id, user=user)


@router.patch("/{inquiry_id}", response_model=InquiryOut)
def correct_inquiry(inquiry_id: IdPath, body: InquiryCorrection, session: SessionDep, user: Writer) -> InquiryOut:
    """Correct the inquiry's title, asker, received date or case references; the history keeps the old values."""
    return corrections.correct(session, inquiry_id=inquiry_id, data=body, user=user)
