"""Godkendelse: the director's queue, the review page, approve and return."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.approval import service as approval_service
from app.db import SessionDep
from app.errors import BesvarError, Conflict
from app.fields import IdPath
from app.inquiries import service as inquiry_service
from app.letters import service as letter_service
from app.letters.schemas import ApproveIn, ReturnIn
from app.models import Letter, LetterStatus, User
from app.policy import Action
from app.routing import SessionRoute, long_running
from app.web import compare
from app.web.deps import Approver, FormUser, PageUser, PostedForm
from app.web.forms import whole_number
from app.web.render import page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)


@router.get("/godkendelse", response_class=HTMLResponse, dependencies=[Approver])
def queue(request: Request, session: SessionDep, auth: PageUser):
    """Letters waiting for this approver."""
    mine, others = approval_service.queue(session, user=auth.user)
    inquiries = {letter.inquiry_id: inquiry_service.get(session, inquiry_id=letter.inquiry_id, user=auth.user)
                 for letter in mine + others}
    return page(request, "approval/queue.html", mine=mine, others=others, inquiries=inquiries)


def _review(request: Request, session, letter_id: int, user: User, status: int = 200, **extra):
    # Only for an approver of the letter's organisation: 404 outside what they read, 403 where they only read.
    model = letter_service.load(session, letter_id, user=user, action=Action.approve)
    letter = letter_service.get(session, letter_id=letter_id, user=user)
    inquiry = inquiry_service.get(session, inquiry_id=letter.inquiry_id, user=user)
    return page(request, "approval/review.html", status=status, letter=letter, inquiry=inquiry,
                changes=_since_returned(session, model), **extra)


def _since_returned(session, model: Letter) -> list[dict] | None:
    """What changed in the title and each answer since the letter was last returned; None if it never was."""
    if not model.returned_text or model.status != LetterStatus.submitted:
        return None
    before = {item["number"]: item["text"] for item in model.returned_text}
    out = []
    for item in approval_service.readable(session, model):
        pieces = compare.words(before.get(item["number"], ""), item["text"])
        if compare.changed(pieces):
            out.append({"label": "Titel" if item["number"] == 0 else f"Svar {item['number']}", "pieces": pieces})
    return out


@router.get("/godkendelse/{letter_id}", response_class=HTMLResponse, dependencies=[Approver])
def review(request: Request, letter_id: IdPath, session: SessionDep, auth: PageUser):
    """The letter as PDF, the personal-data flags, approve or return."""
    return _review(request, session, letter_id, auth.user)


@router.post("/breve/{letter_id}/godkend", response_class=HTMLResponse, dependencies=[Approver])
@long_running
def approve(request: Request, letter_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Approve the version the approver reviewed: the documents are frozen with the approval on them."""
    reviewed = whole_number(str(form.get("version", "")), below=10**9)
    try:
        if not reviewed:
            raise Conflict("the form names no reviewed version")
        approval_service.approve(session, letter_id=letter_id, data=ApproveIn(version=reviewed), user=auth.user,
                                 timeout=request.app.state.settings.render_timeout_seconds)
    except BesvarError as exc:
        session.rollback()
        current = letter_service.load(session, letter_id, user=auth.user, action=Action.approve)
        if current.status == LetterStatus.approved:
            return see_other(f"/breve/{letter_id}?ok=godkendt")
        if exc.status == 403:
            message = "Du kan ikke godkende et brev, du selv har skrevet eller sendt."
        elif current.status == LetterStatus.submitted:
            message = ("Brevet er ændret, siden du åbnede det. Her er den nye udgave: læs den igennem, "
                       "og godkend den, hvis den er i orden.")
        else:
            message = "Brevet kan ikke godkendes nu; det er sendt retur til sekretariatet."
        return _review(request, session, letter_id, auth.user, error=message, status=exc.status)
    return see_other(f"/breve/{letter_id}?ok=godkendt")


@router.post("/breve/{letter_id}/returner", response_class=HTMLResponse, dependencies=[Approver])
def return_letter(request: Request, letter_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Send back to the drafter with a comment."""
    comment = str(form.get("comment", "")).strip()
    if not comment or len(comment) > 5000:
        return _review(request, session, letter_id, auth.user, comment=comment,
                       error="Skriv en kommentar til sekretariatet (højst 5.000 tegn).")
    try:
        approval_service.return_(session, letter_id=letter_id, data=ReturnIn(comment=comment), user=auth.user)
    except BesvarError:
        session.rollback()
        return _review(request, session, letter_id, auth.user, error="Brevet kan ikke sendes retur nu. Genindlæs siden.",
                       comment=comment)
    return see_other(f"/breve/{letter_id}?ok=returneret")
