"""Contribution pages: the login-free link page (/bidrag/{token}), the contributor's list and answer page in
Besvar, and the drafter's forms on the inquiry page (ask, ask again, cancel)."""

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from app import policy
from app.bank.old_letters.reading import UnreadableFile
from app.contributions import attachments
from app.contributions import service as contributions
from app.contributions.schemas import AnswerIn, AskAgainIn, ContributionIn
from app.db import SessionDep, stored
from app.errors import BesvarError, Forbidden, Invalid
from app.fields import IdPath
from app.inquiries import service as inquiry_service
from app.inquiries import states
from app.inquiries.states import Move
from app.models import ContributionStatus, Inquiry, Organisation
from app.routing import SessionRoute, long_running
from app.web import inquiry_view
from app.web.deps import FormUser, PageUser, PostedForm, same_origin
from app.web.render import page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)

_MESSAGES = {
    "unit": "Vælg en enhed i kommunen.",
    "person": "Personen findes ikke i kommunen, eller er ikke med i den valgte enhed. Skriv brugernavnet, eller lad feltet stå tomt.",
    "due": "Vælg en dato fra i dag til henvendelsens frist.",
    "note": "Skriv, hvad I beder om (højst 5.000 tegn).",
    "question_ids": "Vælg spørgsmål fra denne henvendelse.",
    "text": "Skriv bidraget (højst 50.000 tegn).",
    "files": f"Vedhæft højst {attachments.MAX_FILES} filer.",
    "name": "Skriv dit navn, så sagsbehandleren ved, hvem bidraget er fra.",
}


def _text(form, name: str, limit: int = 60_000) -> str | None:
    value = str(form.get(name) or "").strip()[:limit]
    return value or None


def _message(exc: ValidationError | BesvarError) -> tuple[str, str]:
    """The field and a Danish message for a refused form."""
    if isinstance(exc, ValidationError):
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() else "text"
        return field, _MESSAGES.get(field, "Ugyldig værdi.")
    field = (getattr(exc, "field", None) or "").split(".")[0]
    if isinstance(exc, UnreadableFile):
        return "files", exc.detail  # a file's check says in Danish what is wrong with it
    return field, _MESSAGES.get(field) or ("Filen er for stor." if exc.status == 413 else
                                           "Det kunne ikke lade sig gøre. Genindlæs siden og prøv igen.")


def _refusal(session, exc: ValidationError | BesvarError) -> tuple[int, tuple[str, str]]:
    """After a refused form: the transaction undone, the status and the field with its Danish message (a 403 or
    404 goes on to the error page: the user may not act on this contribution at all)."""
    session.rollback()
    if isinstance(exc, BesvarError) and exc.status in (403, 404):
        raise exc
    return (exc.status if isinstance(exc, BesvarError) else 422), _message(exc)


def _files(form) -> list[tuple[str, bytes]]:
    """The uploaded files' names and bytes, never more than the per-file cap read (Starlette spooled them)."""
    out = []
    for value in form.getlist("files")[: attachments.MAX_FILES + 1]:
        if isinstance(value, UploadFile):
            out.append(((value.filename or "bilag")[:200], value.file.read(attachments.MAX_FILE_BYTES + 1)))
    return out


def _context(session, contribution) -> dict:
    inquiry = stored(session, Inquiry, contribution.inquiry_id)
    organisation = stored(session, Organisation, inquiry.organisation_id)
    return {"contribution": contributions.views(session, [contribution])[0], "inquiry": inquiry,
            "organisation": organisation, "questions": contributions.covered(session, contribution)}


# --- the login-free link -------------------------------------------------------------------------------------


@router.get("/bidrag/{token}")
def link_page(request: Request, token: str, session: SessionDep):
    """What is asked, and a form for the answer: no login, only this contribution."""
    contribution = contributions.by_token(session, token[:100])
    return page(request, "contributions/answer.html", action=f"/bidrag/{token[:100]}", by_link=True,
                values={}, error=None, **_context(session, contribution))


@router.post("/bidrag/{token}")
@long_running
def answer_by_link(request: Request, token: str, session: SessionDep, form: PostedForm):
    """Store the answer and its files; the link then no longer works."""
    contribution = contributions.by_token(session, token[:100])
    if not same_origin(request):
        raise Forbidden("Send bidraget fra siden, linket åbner: åbn linket igen, og send det derfra.")
    values = {"name": _text(form, "name", 300) or "", "text": _text(form, "text") or ""}
    try:
        if not values["name"]:
            raise Invalid("the contributor's name is missing", field="name")
        data = AnswerIn.model_validate({"text": values["text"]})
        files = attachments.checked(_files(form))
        contributions.record_answer(session, contribution, stored(session, Inquiry, contribution.inquiry_id),
                                    text=data.text, name=values["name"], actor=f"bidrag-link:{contribution.id}",
                                    user=None, files=files)
        session.commit()
    except (ValidationError, BesvarError) as exc:
        session.rollback()
        if isinstance(exc, BesvarError) and exc.status in (404, 409, 410):
            raise
        field, message = _message(exc)
        return page(request, "contributions/answer.html", status=422 if not isinstance(exc, BesvarError) else exc.status,
                    action=f"/bidrag/{token[:100]}", by_link=True, values=values, error=(field, message),
                    **_context(session, contribution))
    return page(request, "contributions/thanks.html", **_context(session, contribution))


# --- in Besvar ------------------------------------------------------------------------------------------------


@router.get("/bidrag")
def mine(request: Request, session: SessionDep, auth: PageUser):
    """The contributions asked of me and my units, those due first."""
    items = contributions.asked_of(session, user=auth.user)
    return page(request, "contributions/mine.html", open_items=[c for c in items if c.status == ContributionStatus.requested],
                done_items=[c for c in items if c.status != ContributionStatus.requested][:50])


def _detail(request: Request, session, contribution_id: int, *, status: int = 200, error: tuple[str, str] | None = None,
            values: dict | None = None, new_link: str | None = None, notice: str | None = None):
    auth = request.state.auth
    contribution = contributions.load(session, contribution_id, user=auth.user)
    inquiry = stored(session, Inquiry, contribution.inquiry_id)
    answering = policy.may_contribute(auth.access, contribution.unit_id, contribution.person_id)
    drafting = policy.may(auth.access, policy.Action.draft, inquiry.organisation_id)
    return page(request, "contributions/answer.html", status=status, action=f"/bidrag/anmodning/{contribution_id}",
                by_link=False, answering=answering, drafting=drafting, values=values or {}, error=error,
                new_link=new_link, notice=notice, **_context(session, contribution))


@router.get("/bidrag/anmodning/{contribution_id}")
def detail(request: Request, contribution_id: IdPath, session: SessionDep, auth: PageUser, ok: str = ""):
    """One contribution: what is asked, its history, and the answer form or the drafter's actions."""
    return _detail(request, session, contribution_id, notice={"besvaret": "Bidraget er sendt. Tak."}.get(ok))


@router.post("/bidrag/anmodning/{contribution_id}")
@long_running
def answer(request: Request, contribution_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Answer as a member of the unit asked, with attachments."""
    values = {"text": _text(form, "text") or ""}
    try:
        data = AnswerIn.model_validate({"text": values["text"]})
        contributions.answer(session, contribution_id=contribution_id, data=data, user=auth.user,
                             files=attachments.checked(_files(form)))
    except (ValidationError, BesvarError) as exc:
        status, error = _refusal(session, exc)
        return _detail(request, session, contribution_id, status=status, error=error, values=values)
    return see_other(f"/bidrag/anmodning/{contribution_id}?ok=besvaret")


@router.post("/bidrag/anmodning/{contribution_id}/uddyb")
def ask_again(request: Request, contribution_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Uddyb venligst: ask again, with a note; the fresh link is shown this once."""
    values = {"note": _text(form, "note", 6_000) or "", "due": _text(form, "due", 20)}
    try:
        out = contributions.ask_again(session, contribution_id=contribution_id, user=auth.user, base_url=str(request.base_url),
                                      data=AskAgainIn.model_validate(values))
    except (ValidationError, BesvarError) as exc:
        status, error = _refusal(session, exc)
        return _detail(request, session, contribution_id, status=status, error=error, values=values)
    return _detail(request, session, contribution_id, new_link=out.link, notice="Bidraget er bedt uddybet.")


@router.post("/bidrag/anmodning/{contribution_id}/annuller")
def cancel(request: Request, contribution_id: IdPath, session: SessionDep, auth: FormUser):
    """No longer needed: cancelled, and its link no longer works."""
    out = contributions.cancel(session, contribution_id=contribution_id, user=auth.user)
    return see_other(f"/henvendelser/{out.inquiry_id}?ok=bidrag-annulleret")


@router.get("/bidrag/fil/{file_id}")
def attachment(file_id: IdPath, session: SessionDep, auth: PageUser):
    """An attachment of a contribution's answer."""
    return attachments.response(session, file_id=file_id, user=auth.user)


@router.post("/henvendelser/{inquiry_id}/bidrag")
def ask(request: Request, inquiry_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Ask a unit or person for a contribution; the inquiry page shows the link to send, this once."""
    states.require(session, auth.user, Move.ask, inquiry_service.load(session, inquiry_id, user=auth.user))
    values = {"unit": _text(form, "unit", 200), "person": _text(form, "person", 200), "due": _text(form, "due", 20),
              "note": _text(form, "note", 6_000), "question_ids": [str(v)[:20] for v in form.getlist("question")[:200]]}
    try:
        out = contributions.ask(session, inquiry_id=inquiry_id, user=auth.user, base_url=str(request.base_url),
                                data=ContributionIn.model_validate(values))
    except (ValidationError, BesvarError) as exc:
        status, (_field, message) = _refusal(session, exc)
        return inquiry_view.render(request, session, inquiry_id, status=status, contribution_error=message,
                                   contribution_values=values)
    return inquiry_view.render(request, session, inquiry_id, new_link=(out.unit_name, out.link),
                               notice=f"{out.unit_name} er bedt om et bidrag senest {out.due.strftime('%d-%m-%Y')}.")
