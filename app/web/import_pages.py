"""Bibliotek → Indlæs tidligere svar: upload DOCX/PDF letters, check the proposal, store it."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from app.bank.old_letters import service as old_letters
from app.bank.routes import read_uploads
from app.db import SessionDep
from app.errors import BesvarError
from app.models import User
from app.organisations import service as organisation_service
from app.policy import Action
from app.routing import SessionRoute, long_running
from app.web.deps import Drafter, FormUser, PageUser, PostedForm
from app.web.forms import whole_number
from app.web.render import page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
_FIELDS = {"title": "Skriv en titel.", "asker": "Skriv hvem der spurgte.", "received_on": "Skriv datoen for henvendelsen.",
           "questions": "Behold mindst ét spørgsmål med tekst.", "case_refs": "Sagsnummeret er for langt."}


def _form_page(request: Request, session, user: User, proposals: list[dict], *, error: str | None = None, status: int = 200):
    return page(request, "library/import.html", status=status, proposals=proposals, error=error,
                organisations=organisation_service.choices(session, user, Action.draft))


@router.get("/bibliotek/import", response_class=HTMLResponse, dependencies=[Drafter])
def upload_page(request: Request, session: SessionDep, auth: PageUser):
    """The upload form."""
    return _form_page(request, session, auth.user, [])


@router.post("/bibliotek/import", response_class=HTMLResponse, dependencies=[Drafter])
@long_running
def upload(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """Read the files and show what Besvar found, for a person to check; nothing is stored yet."""
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    try:
        proposals = old_letters.propose(session, read_uploads(files), user=auth.user)
    except BesvarError as exc:
        message = "Vælg mindst én fil." if not files else exc.detail
        return _form_page(request, session, auth.user, [], error=f"Filerne blev ikke indlæst: {message}", status=exc.status)
    # The first organisation the user drafts for is proposed; the form lets them pick another of theirs.
    org_key = next((o.key for o in organisation_service.choices(session, auth.user, Action.draft)), "")
    return _form_page(request, session, auth.user, [p.model_dump(mode="json") | {"organisation": org_key} for p in proposals])


def _posted(form) -> dict:
    """The proposal as the person left it on the page."""
    questions = []
    for i in range(min(whole_number(form.get("questions")) or 0, old_letters.MAX_QUESTIONS)):
        paragraphs = []
        for j in range(min(whole_number(form.get(f"q{i}_paragraphs")) or 0, old_letters.MAX_PARAGRAPHS)):
            key = f"q{i}_p{j}"
            paragraphs.append({"include": form.get(f"{key}_include") == "1", "title": str(form.get(f"{key}_title", "")),
                               "text": str(form.get(f"{key}_text", "")),
                               "duplicate_of": str(form.get(f"{key}_existing", "")) or None,
                               "use_existing": form.get(f"{key}_use_existing") == "1"})
        questions.append({"text": str(form.get(f"q{i}_text", "")), "paragraphs": paragraphs,
                          "include": form.get(f"q{i}_include") == "1"})
    return {"file": str(form.get("file", "")), "title": str(form.get("title", "")), "asker": str(form.get("asker", "")),
            "received_on": str(form.get("received_on", "")), "case_numbers": [str(form.get("case_number", ""))],
            "organisation": str(form.get("organisation", "")), "questions": questions}


@router.post("/bibliotek/import/gem", response_class=HTMLResponse, dependencies=[Drafter])
def save(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """Store the checked proposal: an answered inquiry, new paragraphs, links to the ones already there."""
    posted = _posted(form)
    name, _, role = posted["asker"].partition(",")
    try:
        data = old_letters.ConfirmIn(
            title=posted["title"], asker={"name": name.strip(), "role": role.strip() or None},
            received_on=posted["received_on"] or None, organisation=posted["organisation"] or None,
            case_refs=[{"system": "ESDH", "kind": "sagsnummer", "number": n} for n in posted["case_numbers"] if n.strip()],
            questions=[{"text": q["text"], "paragraphs": [
                {"include": p["include"], "use_existing": p["duplicate_of"] if p["use_existing"] else None,
                 "title": p["title"] or p["text"][:60] or "Afsnit", "text": p["text"] or "-"}
                for p in q["paragraphs"]]} for q in posted["questions"] if q["include"]])
        out = old_letters.confirm(session, data=data, user=auth.user)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        return _form_page(request, session, auth.user, [posted], error=_FIELDS.get(field, "Et felt har en ugyldig værdi."), status=422)
    except BesvarError as exc:
        session.rollback()
        return _form_page(request, session, auth.user, [posted], error=f"Svaret blev ikke gemt: {exc.detail}", status=exc.status)
    return see_other(f"/henvendelser/{out.inquiry_id}")
