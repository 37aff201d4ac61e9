"""HTTP API of coordination: allocation, hand-back, transfer and extension of an inquiry."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.auth.deps import CurrentUser
from app.coordination import service as coordination
from app.coordination.schemas import AllocateIn, ExtendIn, ReasonIn, TransferIn
from app.db import SessionDep
from app.errors import ERROR_RESPONSES
from app.fields import IdPath
from app.inquiries.schemas import InquiryOut
from app.routing import SessionRoute

router = APIRouter(route_class=SessionRoute, prefix="/api/v1/inquiries", tags=["coordination"], responses=ERROR_RESPONSES)


@router.post("/{inquiry_id}/allocate", response_model=InquiryOut)
def allocate(inquiry_id: IdPath, body: AllocateIn, session: SessionDep, user: CurrentUser) -> InquiryOut:
    """Allocate to a unit and/or a person (the secretariat, or the lead of its unit); a change needs a reason."""
    return coordination.allocate(session, inquiry_id=inquiry_id, data=body, user=user)


@router.post("/{inquiry_id}/hand_back", response_model=InquiryOut)
def hand_back(inquiry_id: IdPath, body: ReasonIn, session: SessionDep, user: CurrentUser) -> InquiryOut:
    """The assignee hands it back ("ikke mit område"): unallocated again, with the reason."""
    return coordination.hand_back(session, inquiry_id=inquiry_id, data=body, user=user)


@router.post("/{inquiry_id}/transfer", response_model=InquiryOut)
def transfer(inquiry_id: IdPath, body: TransferIn, session: SessionDep, user: CurrentUser) -> InquiryOut:
    """Transfer to another organisation of the municipality, with a reason."""
    return coordination.transfer(session, inquiry_id=inquiry_id, data=body, user=user)


@router.post("/{inquiry_id}/extend", response_model=InquiryOut)
def extend(inquiry_id: IdPath, body: ExtendIn, session: SessionDep, user: CurrentUser) -> InquiryOut:
    """Move the deadline, with a reason; `deadline_history` keeps every change."""
    return coordination.extend(session, inquiry_id=inquiry_id, data=body, user=user)


class RemindOut(BaseModel):
    recipients: int = Field(description="how many people were mailed")


@router.post("/{inquiry_id}/remind", response_model=RemindOut)
def remind(inquiry_id: IdPath, session: SessionDep, user: CurrentUser) -> RemindOut:
    """Mail the assignee and those asked for open contributions a reminder (the secretariat)."""
    return RemindOut(recipients=coordination.remind(session, inquiry_id=inquiry_id, user=user))
