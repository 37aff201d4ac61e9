"""Historik: the audit trail of a letter or an inquiry."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.audit import service as audit_service
from app.db import SessionDep
from app.fields import MAX_ID
from app.routing import SessionRoute, long_running
from app.web.deps import PageUser
from app.web.render import page

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
Id = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/historik", response_class=HTMLResponse)
@long_running
def history(request: Request, session: SessionDep, auth: PageUser, letter_id: Id = None, inquiry_id: Id = None):
    """Who did what, when, oldest first, and whether the chain is intact."""
    entries = audit_service.trail(session, letter_id=letter_id, inquiry_id=inquiry_id) if (letter_id or inquiry_id) else []
    return page(request, "audit/history.html", entries=entries, verification=audit_service.verify(session),
                letter_id=letter_id, inquiry_id=inquiry_id)
