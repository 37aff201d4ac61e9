"""The inquiry page's coordination forms: allocate, hand back, extend the deadline, transfer and decline."""

from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import ValidationError

from app.coordination import service as coordination
from app.coordination.schemas import AllocateIn, ExtendIn, ReasonIn, TransferIn
from app.db import SessionDep, start_writing
from app.errors import BesvarError
from app.fields import IdPath
from app.inquiries import service as inquiry_service
from app.inquiries import states
from app.inquiries.states import Move
from app.letters import service as letter_service
from app.routing import SessionRoute
from app.web import inquiry_view
from app.web.deps import FormUser, PostedForm, Secretariat
from app.web.forms import whole_number
from app.web.render import see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)

# The services speak English for the API; the page says what went wrong in Danish, by the field it names.
_MESSAGES = {
    "reason": "Skriv hvorfor (højst 2.000 tegn).",
    "unit": "Vælg en enhed i forvaltningen.",
    "assignee": "Vælg en sagsbehandler, der skriver svar i den valgte enhed.",
    "deadline": "Vælg en ny frist: en arbejdsdag fra i dag, der ikke er den nuværende.",
    "organisation": "Vælg en anden forvaltning i kommunen.",
}
_STATUS = {403: "Du har ikke ret til at gøre dette ved henvendelsen.",
           409: "Henvendelsen er ændret i mellemtiden, eller handlingen passer ikke til dens tilstand. Genindlæs siden."}


def _attempt(request: Request, session, inquiry_id: int, step: Callable[[], object], done: str, form_name: str,
             move: Move):
    """Run the step; on a refusal, show the inquiry page again with the form open and a Danish message.
    Whether the user may make the move at all is asked first: 404 or 403, whatever the form holds."""
    auth = request.state.auth
    states.require(session, auth.user, move, inquiry_service.load(session, inquiry_id, user=auth.user))
    try:
        step()
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() else "reason"
        return inquiry_view.render(request, session, inquiry_id, coordination_error=(form_name, _MESSAGES.get(field, "Ugyldig værdi.")),
                                 status=422)
    except BesvarError as exc:
        if exc.status == 404:
            raise
        field = (getattr(exc, "field", None) or "").split(".")[0]
        message = _MESSAGES.get(field) if exc.status == 422 else _STATUS.get(exc.status)
        return inquiry_view.render(request, session, inquiry_id, status=exc.status,
                                 coordination_error=(form_name, message or "Det kunne ikke lade sig gøre."))
    return see_other(f"/henvendelser/{inquiry_id}?ok={done}")


def _text(form, name: str) -> str | None:
    value = str(form.get(name) or "").strip()
    return value or None


@router.post("/henvendelser/{inquiry_id}/fordel")
def allocate(request: Request, inquiry_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Allocate to a unit and a person, or change who holds it (with a reason)."""
    return _attempt(request, session, inquiry_id, lambda: coordination.allocate(
        session, inquiry_id=inquiry_id, user=auth.user, data=AllocateIn.model_validate(
            {"unit": _text(form, "unit"), "assignee": _text(form, "assignee"), "reason": _text(form, "reason")})),
        "fordelt", "allocate", Move.allocate)


@router.post("/henvendelser/{inquiry_id}/giv-tilbage")
def hand_back(request: Request, inquiry_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """The assignee hands it back: not their area."""
    return _attempt(request, session, inquiry_id, lambda: coordination.hand_back(
        session, inquiry_id=inquiry_id, user=auth.user, data=ReasonIn.model_validate({"reason": _text(form, "reason")})),
        "givet-tilbage", "hand_back", Move.hand_back)


@router.post("/henvendelser/{inquiry_id}/frist")
def extend(request: Request, inquiry_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Move the deadline, with a reason."""
    return _attempt(request, session, inquiry_id, lambda: coordination.extend(
        session, inquiry_id=inquiry_id, user=auth.user, data=ExtendIn.model_validate(
            {"deadline": _text(form, "deadline"), "reason": _text(form, "reason")})),
        "frist", "extend", Move.allocate)


@router.post("/henvendelser/{inquiry_id}/overdrag")
def transfer(request: Request, inquiry_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Transfer to another organisation of the municipality; the page it leaves is no longer the user's."""
    result = _attempt(request, session, inquiry_id, lambda: coordination.transfer(
        session, inquiry_id=inquiry_id, user=auth.user, data=TransferIn.model_validate(
            {"organisation": _text(form, "organisation"), "reason": _text(form, "reason")})),
        "overdraget", "transfer", Move.transfer)
    return see_other("/indbakke?ok=overdraget") if result.status_code == 303 else result


@router.post("/henvendelser/{inquiry_id}/afvis")
def decline(request: Request, inquiry_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Decline with a reason; the short letter saying so opens for editing."""
    drafted: list[int] = []

    def step() -> None:
        data = ReasonIn.model_validate({"reason": _text(form, "reason")})
        drafted.append(letter_service.decline(session, inquiry_id=inquiry_id, reason=data.reason, user=auth.user).id)

    result = _attempt(request, session, inquiry_id, step, "afvist", "decline", Move.decline)
    return see_other(f"/breve/{drafted[0]}") if drafted else result


MAX_BULK = 200  # inquiries one bulk form may name (the inbox shows 50 a page)


@router.post("/indbakke/samlet", dependencies=[Secretariat])
def bulk(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """Allocate several inquiries to one person, or give them one new deadline; each is its own step, and those
    that could not be changed are named on the inbox afterwards."""
    ids = [n for n in (whole_number(str(v)) for v in form.getlist("inquiry")[:MAX_BULK]) if n is not None]
    action = str(form.get("action") or "")
    done, failed = 0, []
    for inquiry_id in dict.fromkeys(ids):
        start_writing(session)  # each inquiry is a transaction of its own, begun as a write
        try:
            if action == "paamind":
                coordination.remind(session, inquiry_id=inquiry_id, user=auth.user)
            elif action == "frist":
                coordination.extend(session, inquiry_id=inquiry_id, user=auth.user, data=ExtendIn.model_validate(
                    {"deadline": _text(form, "deadline"), "reason": _text(form, "reason") or "Samlet ændring af fristen"}))
            else:
                coordination.allocate(session, inquiry_id=inquiry_id, user=auth.user, data=AllocateIn.model_validate(
                    {"assignee": _text(form, "assignee"), "reason": _text(form, "reason") or "Samlet fordeling"}))
            done += 1
        except (ValidationError, BesvarError):
            session.rollback()
            failed.append(inquiry_id)
    query = {"samlet": action if action in ("frist", "paamind") else "fordel", "udfoert": done}
    if failed:
        query["fejl"] = ",".join(map(str, failed[:50]))
    return see_other("/indbakke?" + urlencode(query))
