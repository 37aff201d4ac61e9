"""HTTP API of mail: GET /api/v1/outbox, for admins to see what was sent, what waits and what failed."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import false
from sqlmodel import col, select

from app import policy
from app.auth.deps import Admin
from app.db import SessionDep
from app.errors import ERROR_RESPONSES
from app.models import OutboxMessage
from app.policy import Action
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


@router.get("/outbox", response_model=OutboxList)
def outbox(session: SessionDep, user: Admin, status: Literal["queued", "sent", "failed"] | None = None,
           limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> OutboxList:
    """The mail of the organisations you manage, newest first (never the message bodies: they may hold a link)."""
    managed = policy.where(policy.access(session, user), Action.manage)
    query = select(OutboxMessage)
    if managed is not None:
        query = query.where(col(OutboxMessage.organisation_id).in_(sorted(managed)) if managed else false())
    if status is not None:
        query = query.where(col(OutboxMessage.status) == status)
    rows = session.exec(query.order_by(col(OutboxMessage.id).desc()).offset(offset).limit(limit))
    return OutboxList(items=[OutboxItem(id=m.id, kind=m.kind, to=m.to_address, subject=m.subject, status=m.status,
                                        attempts=m.attempts, last_error=m.last_error, created_at=m.created_at,
                                        sent_at=m.sent_at) for m in rows])
