"""HTTP API of mail: GET /api/v1/outbox, for admins to see what was sent, what waits and what failed; and a
failed message sent again."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.auth.deps import Admin
from app.db import SessionDep
from app.errors import ERROR_RESPONSES
from app.fields import IdPath
from app.mail import outbox as outbox_service
from app.models import OutboxMessage
from app.routing import SessionRoute

router = APIRouter(route_class=SessionRoute, prefix="/api/v1", tags=["mail"], responses=ERROR_RESPONSES)


class OutboxItem(BaseModel):
    id: int
    kind: str
    to: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class OutboxList(BaseModel):
    items: list[OutboxItem]


def _item(m: OutboxMessage) -> OutboxItem:
    return OutboxItem(id=m.id, kind=m.kind, to=m.to_address, subject=m.subject, status=m.status, attempts=m.attempts,
                      last_error=m.last_error, created_at=m.created_at, sent_at=m.sent_at)


@router.get("/outbox", response_model=OutboxList)
def outbox(session: SessionDep, user: Admin, status: Literal["queued", "sent", "failed"] | None = None,
           limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> OutboxList:
    """The mail of the organisations you manage, newest first (never the message bodies: they may hold a link)."""
    rows = outbox_service.listing(session, user=user, status=status, limit=limit, offset=offset)
    return OutboxList(items=[_item(m) for m in rows])


@router.post("/outbox/{message_id}/retry", response_model=OutboxItem)
def retry(message_id: IdPath, session: SessionDep, user: Admin) -> OutboxItem:
    """Send a failed message again, from its first try; 409 if it is not failed."""
    return _item(outbox_service.retry(session, message_id=message_id, user=user))
