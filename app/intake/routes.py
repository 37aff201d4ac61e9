"""HTTP API of Indgående: /api/v1/intake."""

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile

from app.auth.deps import Writer
from app.db import SessionDep
from app.errors import ERROR_RESPONSES, TooLarge
from app.fields import IdPath, Key
from app.inquiries.schemas import InquiryOut
from app.intake import service as intake
from app.intake.schemas import AcceptIn, IncomingList, IncomingOut
from app.routing import SessionRoute, long_running

router = APIRouter(route_class=SessionRoute, prefix="/api/v1/intake", tags=["intake"], responses=ERROR_RESPONSES)

MAX_MESSAGE_BYTES = 25 * 1024 * 1024


@router.post("", status_code=201, response_model=IncomingOut)
@long_running
def receive(session: SessionDep, user: Writer, file: Annotated[UploadFile, File(description="a saved e-mail (.eml)")],
            organisation: Annotated[Key | None, Form(description="default: your organisation")] = None) -> IncomingOut:
    """Put a saved e-mail in Indgående, its questions parsed; 409 if the same message (Message-ID) came before."""
    data = file.file.read(MAX_MESSAGE_BYTES + 1)
    if len(data) > MAX_MESSAGE_BYTES:
        raise TooLarge(f"{file.filename}: over {MAX_MESSAGE_BYTES} byte")
    return intake.receive(session, name=file.filename or "mail.eml", data=data, organisation=organisation, user=user)


@router.get("", response_model=IncomingList)
def list_items(session: SessionDep, user: Writer,
               status: Literal["new", "accepted", "discarded"] = "new") -> IncomingList:
    """The items of the organisations you draft in, newest first."""
    return IncomingList(items=intake.list_(session, user=user, status=status))


@router.post("/{item_id}/accept", status_code=201, response_model=InquiryOut)
def accept(item_id: IdPath, session: SessionDep, user: Writer, body: AcceptIn | None = None) -> InquiryOut:
    """Make the item a new inquiry (its questions, sender, date and subject)."""
    return intake.accept(session, item_id=item_id, data=body or AcceptIn(), user=user)


@router.post("/{item_id}/discard", response_model=IncomingOut)
def discard(item_id: IdPath, session: SessionDep, user: Writer) -> IncomingOut:
    """Not an inquiry: kept as discarded."""
    return intake.discard(session, item_id=item_id, user=user)
