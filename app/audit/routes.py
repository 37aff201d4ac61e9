"""GET /api/v1/audit."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.audit import service as audit_service
from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import ERROR_RESPONSES, Invalid
from app.fields import MAX_ID
from app.inquiries import service as inquiry_service
from app.letters import service as letter_service
from app.letters.schemas import AuditList, AuditOut
from app.routing import SessionRoute

router = APIRouter(route_class=SessionRoute, prefix="/api/v1/audit", tags=["audit"], responses=ERROR_RESPONSES)
Id = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("", response_model=AuditList)
def audit_trail(session: SessionDep, user: CurrentUser, letter_id: Id = None, inquiry_id: Id = None):
    """The audit trail of a letter or an inquiry, oldest first; 404 for one outside what the caller may read."""
    if letter_id is None and inquiry_id is None:
        raise Invalid("give letter_id or inquiry_id", field="letter_id")
    if letter_id is not None:
        letter_service.load(session, letter_id, user=user)
    if inquiry_id is not None:
        inquiry_service.load(session, inquiry_id, user=user)
    entries = audit_service.trail(session, letter_id=letter_id, inquiry_id=inquiry_id)
    return AuditList(items=[AuditOut(**e.model_dump()) for e in entries])
