"""Historik: the audit trail of a letter or an inquiry."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from app import policy
from app.audit import service as audit_service
from app.db import SessionDep
from app.fields import MAX_ID
from app.inquiries import service as inquiry_service
from app.letters import service as letter_service
from app.models import User
from app.policy import Action
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
    """Who did what, when, in Danish; the newest events the user may see when no letter or inquiry is named;
    the whole chain checked on an admin's demand."""
    if letter_id:
        letter_service.load(session, letter_id, user=auth.user)
    if inquiry_id:
        inquiry_service.load(session, inquiry_id, user=auth.user)
    if letter_id or inquiry_id:
        entries = audit_service.trail(session, letter_id=letter_id, inquiry_id=inquiry_id)
    else:
        entries = audit_service.latest(session, limit=LATEST, organisations=policy.readable(auth.access))
    names = dict(session.exec(select(col(User.username), col(User.name))).all())
    lines = history_view.rows(entries, names, ACTION)
    if not (letter_id or inquiry_id):
        lines.reverse()  # the newest first, as a log is read
    # The chain is every municipality's: only an admin checks it or sees its length. Checking reads every
    # entry (seconds at 200,000): only when asked.
    admin = policy.may(auth.access, Action.manage)
    verification = audit_service.verify(session) if kontrol == "ja" and admin else None
    return page(request, "audit/history.html", rows=lines, verification=verification,
                total=audit_service.count(session) if admin else None, letter_id=letter_id, inquiry_id=inquiry_id, latest=LATEST)


LATEST = 200
