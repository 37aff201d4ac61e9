"""Udbakke: for admins, the mail Besvar has sent, what waits, and what failed (sent again from here)."""

from fastapi import APIRouter, Request

from app.db import SessionDep
from app.errors import BesvarError
from app.fields import IdPath
from app.mail import outbox
from app.models import OutboxStatus
from app.policy import Action
from app.routing import SessionRoute
from app.web.deps import FormUser, PageUser, page_may
from app.web.render import page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
Manager = page_may(Action.manage)
STATUSES = {"failed": "Fejlet", "queued": "Venter", "sent": "Sendt"}


def _page(request: Request, session, auth, status: str | None, *, code: int = 200, error: str | None = None,
          notice: str | None = None):
    return page(request, "mail/outbox.html", status=code, items=outbox.listing(session, user=auth.user, status=status, limit=100),
                shown=status, STATUSES=STATUSES, error=error, notice=notice)


@router.get("/udbakke", dependencies=[Manager])
def outbox_page(request: Request, session: SessionDep, auth: PageUser, status: str = "failed", ok: str = ""):
    """The organisation's mail; the failed first, as that is what an admin comes for."""
    return _page(request, session, auth, status if status in STATUSES else None,
                 notice="Mailen sendes igen ved næste runde." if ok else None)


@router.post("/udbakke/{message_id}/send-igen", dependencies=[Manager])
def send_again(request: Request, message_id: IdPath, session: SessionDep, auth: FormUser):
    """Send a failed message again."""
    try:
        outbox.retry(session, message_id=message_id, user=auth.user)
    except BesvarError as exc:
        session.rollback()
        if exc.status == 404:
            raise
        return _page(request, session, auth, OutboxStatus.failed, code=exc.status,
                     error="Mailen er ikke fejlet (længere). Genindlæs siden.")
    return see_other("/udbakke?ok=1")
