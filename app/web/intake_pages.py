"""Indgående: the received e-mail waiting to become inquiries, a saved e-mail uploaded, accepted or discarded."""

import re

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from app.bank.old_letters.reading import UnreadableFile
from app.db import SessionDep
from app.errors import BesvarError
from app.fields import IdPath
from app.intake import service as intake
from app.intake.schemas import AcceptIn
from app.routing import SessionRoute, long_running
from app.web.deps import Drafter, FormUser, PageUser, PostedForm
from app.web.render import page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
_NOTICES = {"modtaget": "Mailen er lagt i Indgående.", "kasseret": "Mailen er kasseret."}


def _page(request: Request, session, auth, *, status: int = 200, error: str | None = None, notice: str | None = None):
    return page(request, "intake/list.html", status=status, items=intake.list_(session, user=auth.user), error=error,
                notice=notice)


@router.get("/indgaaende", dependencies=[Drafter])
def inbox(request: Request, session: SessionDep, auth: PageUser, ok: str = ""):
    """What has arrived by mail and is not yet an inquiry."""
    return _page(request, session, auth, notice=_NOTICES.get(ok))


@router.post("/indgaaende", dependencies=[Drafter])
@long_running
def upload(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """Put a saved e-mail (.eml) in Indgående."""
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return _page(request, session, auth, status=422, error="Vælg en mail gemt som .eml.")
    data = file.file.read(MAX_MESSAGE_BYTES + 1)
    try:
        if len(data) > MAX_MESSAGE_BYTES:
            raise UnreadableFile(file.filename, "mailen fylder over 25 MB")
        intake.receive(session, name=file.filename, data=data, organisation=None, user=auth.user)
    except UnreadableFile as exc:
        session.rollback()
        return _page(request, session, auth, status=422, error=f"Mailen kunne ikke læses: {exc.detail}")
    except BesvarError as exc:
        session.rollback()
        message = "Den mail er allerede i Indgående." if exc.status == 409 else "Mailen kunne ikke lægges i Indgående."
        return _page(request, session, auth, status=exc.status, error=message)
    return see_other("/indgaaende?ok=modtaget")


@router.post("/indgaaende/{item_id}/opret", dependencies=[Drafter])
def accept(request: Request, item_id: IdPath, session: SessionDep, auth: FormUser):
    """Make it an inquiry and open it."""
    try:
        created = intake.accept(session, item_id=item_id, data=AcceptIn(), user=auth.user)
    except BesvarError as exc:
        session.rollback()
        if exc.status == 404:
            raise
        message = ("Der er ingen nummererede spørgsmål i mailen. Opret henvendelsen under Ny henvendelse."
                   if exc.status == 422 else "Mailen er allerede behandlet. Genindlæs siden.")
        return _page(request, session, auth, status=exc.status, error=message)
    return see_other(f"/henvendelser/{created.id}")


@router.post("/indgaaende/{item_id}/opfoelgning", dependencies=[Drafter])
def follow_up(request: Request, item_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """A follow-up to an inquiry: its questions added to it, or a new inquiry in its case; open that."""
    raw = re.sub(r"(?i)^nr\.?\s*", "", str(form.get("inquiry_id", "")).strip())  # "12" or "nr. 12"
    if not raw.isdecimal() or not 0 < int(raw) < 2**63:
        return _page(request, session, auth, status=422, error="Skriv nummeret på den henvendelse, mailen følger op på.")
    intake.load(session, item_id, user=auth.user)  # 404 before anything is said of the inquiry named
    try:
        done = intake.accept(session, item_id=item_id, data=AcceptIn(follow_up_of=int(raw)), user=auth.user)
    except BesvarError as exc:
        session.rollback()
        message = {404: f"Der er ingen henvendelse nr. {raw}, som du arbejder på.",
                   409: "Svaret på den henvendelse venter på godkendelse: få det sendt retur først, eller opret mailen "
                        "som en ny henvendelse." if "approval" in exc.detail else "Mailen er allerede behandlet. Genindlæs siden.",
                   422: "Der er ingen nummererede spørgsmål i mailen at føje til." if "questions" in exc.detail
                        else "Henvendelsen hører til en anden forvaltning end mailen."}.get(exc.status, "Det lykkedes ikke.")
        return _page(request, session, auth, status=exc.status, error=message)
    return see_other(f"/henvendelser/{done.id}")


@router.post("/indgaaende/{item_id}/kasser", dependencies=[Drafter])
def discard(request: Request, item_id: IdPath, session: SessionDep, auth: FormUser):
    """Not an inquiry: discard it."""
    try:
        intake.discard(session, item_id=item_id, user=auth.user)
    except BesvarError as exc:
        session.rollback()
        if exc.status == 404:
            raise
        return _page(request, session, auth, status=exc.status, error="Mailen er allerede behandlet. Genindlæs siden.")
    return see_other("/indgaaende?ok=kasseret")
