"""POST /api/v1/letters/{id}/dispatch (issue 23): an approved letter recorded as sent."""

from typing import Annotated

from fastapi import APIRouter

from app.auth.deps import CurrentUser, require
from app.db import SessionDep
from app.dispatch import service
from app.dispatch.schemas import DispatchIn, DispatchOut
from app.errors import ERROR_RESPONSES
from app.fields import IdPath
from app.letters import service as letter_service
from app.models import User
from app.policy import Action
from app.routing import SessionRoute

Dispatcher = Annotated[User, require(Action.dispatch)]
router = APIRouter(route_class=SessionRoute, prefix="/api/v1/letters", tags=["letters"], responses=ERROR_RESPONSES)


@router.post("/{letter_id}/dispatch", status_code=201, response_model=DispatchOut)
def dispatch_letter(letter_id: IdPath, body: DispatchIn, session: SessionDep, user: Dispatcher):
    """Record the approved letter as sent (by e-mail Besvar sends it), optionally copied to the council."""
    return service.as_out(session, service.dispatch(session, letter_id=letter_id, data=body, user=user))


@router.get("/{letter_id}/dispatch", response_model=DispatchOut | None)
def get_dispatch(letter_id: IdPath, session: SessionDep, user: CurrentUser):
    """How the letter was sent; null while it has not been."""
    letter_service.load(session, letter_id, user=user)
    record = service.of(session, letter_id)
    return service.as_out(session, record) if record is not None else None
