"""Afsendelse on the letter's page (issue 23): the secretariat records an approved letter as sent, and copies it to
the council; the rules are app.dispatch.service's."""

from datetime import date

from fastapi import APIRouter, Request
from pydantic import ValidationError

from app.db import SessionDep
from app.dispatch import service
from app.dispatch.schemas import DispatchIn
from app.errors import BesvarError, Conflict
from app.fields import IdPath
from app.policy import Action
from app.routing import SessionRoute
from app.web.deps import FormUser, PostedForm, page_may
from app.web.letters_pages import letter_view
from app.web.render import page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
Dispatcher = page_may(Action.dispatch)


def _danish(exc: Exception) -> str:
    if isinstance(exc, Conflict):
        return "Brevet er allerede registreret som sendt, eller det er ikke godkendt."
    text = str(exc)
    if "to_address" in text:
        return "Brevet har ingen modtager-e-mail. Skriv adressen, eller vælg en anden kanal."
    if "sent_on" in text:
        return "Afsendelsesdatoen skal være fra godkendelsen og til i dag."
    if "copy_to_council" in text:
        return "Den valgte liste findes ikke længere."
    return "Vælg en kanal, og skriv datoen som en dato."


@router.post("/breve/{letter_id}/afsend", dependencies=[Dispatcher])
def dispatch(request: Request, letter_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Record the letter as sent by the chosen channel, copied to the list chosen (if any)."""
    copy = str(form.get("copy_to_council") or "")[:200]
    body = {"channel": str(form.get("channel") or "")[:20], "to_address": str(form.get("to_address") or "").strip()[:300] or None,
            "copy_to_council": copy or None}
    sent_on = str(form.get("sent_on") or "")[:20]
    try:
        if sent_on:
            body["sent_on"] = date.fromisoformat(sent_on).isoformat()
        service.dispatch(session, letter_id=letter_id, data=DispatchIn.model_validate(body), user=auth.user)
    except (ValueError, ValidationError, BesvarError) as exc:
        session.rollback()
        status = exc.status if isinstance(exc, BesvarError) else 422
        return page(request, "letters/view.html", status=status, error=_danish(exc), notice=None,
                    **letter_view(session, letter_id, auth.user))
    return see_other(f"/breve/{letter_id}?ok=sendt")
