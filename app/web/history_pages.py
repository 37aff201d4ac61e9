"""Historik: the audit trail of a letter or an inquiry."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from app.audit import service as audit_service
from app.db import SessionDep
from app.fields import MAX_ID
from app.models import User
from app.routing import SessionRoute, long_running
from app.web import history_view
from app.web.deps import PageUser
from app.web.render import ACTION, page

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
Id = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/historik", response_class=HTMLResponse)
@long_running
def history(request: Request, session: SessionDep, auth: PageUser, letter_id: Id = None, inquiry_id: Id = None,
            kontrol: str = ""):
    """Who did what, when, in Danish; the newest events when no letter or inquiry is named; the chain checked on demand."""
    if letter_id or inquiry_id:
        entries = audit_service.trail(session, letter_id=letter_id, inquiry_id=inquiry_id)
    else:
        entries = audit_service.latest(session, limit=LATEST)
    names = dict(session.exec(select(col(User.username), col(User.name))).all())
    lines = history_view.rows(entries, names, ACTION)
    if not (letter_id or inquiry_id):
        lines.reverse()  # the newest first, as a log is read
    # Checking the whole chain reads every entry (seconds at 200,000): only when asked.
    verification = audit_service.verify(session) if kontrol == "ja" else None
    return page(request, "audit/history.html", rows=lines, verification=verification, total=audit_service.count(session),
                letter_id=letter_id, inquiry_id=inquiry_id, latest=LATEST)


LATEST = 200
