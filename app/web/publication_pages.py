"""Offentliggørelse on the inquiry's page (issue 23): a director or admin puts the inquiry and its answer on the public
pages, ticking the personal-data flags to redact and adding passages of their own, each with its ground; the rules
are app.publication's."""

from fastapi import APIRouter, Request

from app.db import SessionDep
from app.errors import BesvarError
from app.fields import IdPath
from app.policy import Action
from app.publication import redaction, service
from app.routing import SessionRoute, long_running
from app.web import inquiry_view
from app.web.deps import FormUser, PostedForm, page_may
from app.web.render import see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
Publisher = page_may(Action.publish)
EXTRA_ROWS = inquiry_view.EXTRA_ROWS


def _items(form) -> list[tuple[str, str]]:
    """The ticked flags and the passages typed, each with its ground."""
    items = []
    for n in range(redaction.MAX_REDACTIONS + EXTRA_ROWS):
        text = str(form.get(f"text-{n}") or "")[:redaction.MAX_TEXT + 1].strip()
        ticked = form.get(f"redact-{n}") == "1" or (form.get(f"typed-{n}") == "1" and text)
        if text and ticked:
            items.append((text, str(form.get(f"ground-{n}") or "private")[:300]))
    return items


@router.post("/henvendelser/{inquiry_id}/offentliggoer", dependencies=[Publisher])
@long_running
def publish(request: Request, inquiry_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Publish (or publish again) with the redactions chosen."""
    try:
        service.publish(session, inquiry_id=inquiry_id, items=_items(form), user=auth.user,
                        timeout=request.app.state.settings.render_timeout_seconds)
    except BesvarError as exc:
        session.rollback()
        message = ("En tekst, der skal udelades, findes ikke i svaret eller spørgsmålene. Kopiér den præcist, på én linje."
                   if "not in the" in exc.detail else
                   "Henvendelsen er afvist eller overdraget og kan ikke offentliggøres." if exc.status == 409 else
                   f"Højst {redaction.MAX_REDACTIONS} udeladelser, hver på 2–{redaction.MAX_TEXT} tegn på én linje, med en grund.")
        return inquiry_view.render(request, session, inquiry_id, status=exc.status, publication_error=message)
    return see_other(f"/henvendelser/{inquiry_id}?ok=offentliggjort")


@router.post("/henvendelser/{inquiry_id}/fjern-offentlig", dependencies=[Publisher])
def unpublish(request: Request, inquiry_id: IdPath, session: SessionDep, auth: FormUser):
    """Take it off the public pages."""
    try:
        service.unpublish(session, inquiry_id=inquiry_id, user=auth.user)
    except BesvarError as exc:
        session.rollback()
        return inquiry_view.render(request, session, inquiry_id, status=exc.status,
                                   publication_error="Henvendelsen er ikke offentliggjort.")
    return see_other(f"/henvendelser/{inquiry_id}?ok=fjernet")
