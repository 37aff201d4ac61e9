"""HTTP API of letters: /api/v1/letters."""

from fastapi import APIRouter

from app.auth.deps import CurrentUser, Writer
from app.coordination.schemas import ReasonIn
from app.db import SessionDep
from app.errors import ERROR_RESPONSES
from app.fields import IdPath
from app.letters import service as letter_service
from app.letters.schemas import LetterIn, LetterOut, LetterUpdate
from app.routing import SessionRoute

router = APIRouter(route_class=SessionRoute, prefix="/api/v1/letters", tags=["letters"], responses=ERROR_RESPONSES)


@router.post("", status_code=201, response_model=LetterOut)
def create_letter(body: LetterIn, session: SessionDep, user: Writer):
    """Start a draft brev or notat answering an inquiry."""
    return letter_service.create(session, data=body, user=user)


@router.get("/{letter_id}", response_model=LetterOut)
def get_letter(letter_id: IdPath, session: SessionDep, user: CurrentUser):
    """One letter with its fields and answers."""
    return letter_service.get(session, letter_id=letter_id, user=user)


@router.put("/{letter_id}", response_model=LetterOut)
def update_letter(letter_id: IdPath, body: LetterUpdate, session: SessionDep, user: Writer):
    """Save a draft; 409 if `version` is stale or the letter is no longer a draft."""
    return letter_service.update(session, letter_id=letter_id, data=body, user=user)


inquiry_router = APIRouter(route_class=SessionRoute, prefix="/api/v1/inquiries", tags=["coordination"], responses=ERROR_RESPONSES)


@inquiry_router.post("/{inquiry_id}/decline", status_code=201, response_model=LetterOut)
def decline(inquiry_id: IdPath, body: ReasonIn, session: SessionDep, user: CurrentUser):
    """Decline the inquiry with a reason (the secretariat): it is afvist, and a short brev saying so is drafted."""
    return letter_service.decline(session, inquiry_id=inquiry_id, reason=body.reason, user=user)
