"""POST /api/v1/letters/{id}/submit, /approve, /return, /correct."""

from fastapi import APIRouter, Request

from app.approval import service as approval_service
from app.auth.deps import CurrentUser, Writer
from app.db import SessionDep
from app.errors import ERROR_RESPONSES
from app.fields import IdPath
from app.letters.schemas import ApproveIn, LetterOut, ReturnIn, SubmitIn
from app.routing import SessionRoute, long_running

router = APIRouter(route_class=SessionRoute, prefix="/api/v1/letters", tags=["approval"], responses=ERROR_RESPONSES)


@router.post("/{letter_id}/submit", response_model=LetterOut)
def submit(letter_id: IdPath, session: SessionDep, user: Writer, body: SubmitIn | None = None):
    """Drafter → submitted. Flagged personal data must be confirmed with `confirm_personal_data`."""
    return approval_service.submit(session, letter_id=letter_id, data=body or SubmitIn(), user=user)


@router.post("/{letter_id}/approve", response_model=LetterOut)
@long_running
def approve(request: Request, letter_id: IdPath, body: ApproveIn, session: SessionDep, user: CurrentUser):
    """Approver only, not the drafter: the version reviewed → approved; freezes content, figures and documents."""
    return approval_service.approve(session, letter_id=letter_id, data=body, user=user,
                                    timeout=request.app.state.settings.render_timeout_seconds)


@router.post("/{letter_id}/return", response_model=LetterOut)
def return_letter(letter_id: IdPath, body: ReturnIn, session: SessionDep, user: CurrentUser):
    """Approver only: back to draft with a comment the drafter sees."""
    return approval_service.return_(session, letter_id=letter_id, data=body, user=user)


@router.post("/{letter_id}/correct", status_code=201, response_model=LetterOut)
def correct(letter_id: IdPath, session: SessionDep, user: Writer):
    """A new draft correcting an approved letter; it goes through approval again."""
    return approval_service.correct(session, letter_id=letter_id, user=user)
