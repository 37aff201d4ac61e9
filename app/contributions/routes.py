"""HTTP API of contributions: /api/v1/inquiries/{id}/contributions and /api/v1/contributions."""

from typing import Literal

from fastapi import APIRouter, Request, Response

from app.auth.deps import CurrentUser
from app.contributions import attachments
from app.contributions import service as contributions
from app.contributions.schemas import AnswerIn, AskAgainIn, ContributionIn, ContributionList, ContributionOut
from app.db import SessionDep
from app.errors import ERROR_RESPONSES
from app.fields import IdPath
from app.routing import SessionRoute

router = APIRouter(route_class=SessionRoute, prefix="/api/v1", tags=["contributions"], responses=ERROR_RESPONSES)


@router.get("/inquiries/{inquiry_id}/contributions", response_model=ContributionList)
def for_inquiry(inquiry_id: IdPath, session: SessionDep, user: CurrentUser) -> ContributionList:
    """Who has been asked for what, who answered, who is late."""
    return ContributionList(items=contributions.for_inquiry(session, inquiry_id=inquiry_id, user=user))


@router.post("/inquiries/{inquiry_id}/contributions", status_code=201, response_model=ContributionOut)
def ask(inquiry_id: IdPath, body: ContributionIn, request: Request, session: SessionDep, user: CurrentUser) -> ContributionOut:
    """Ask a unit or a person for a contribution; `link` (the login-free page) is in this answer only."""
    return contributions.ask(session, inquiry_id=inquiry_id, data=body, user=user, base_url=str(request.base_url))


@router.get("/contributions", response_model=ContributionList)
def asked_of_me(session: SessionDep, user: CurrentUser,
                status: Literal["anmodet", "besvaret", "annulleret"] | None = None) -> ContributionList:
    """The contributions asked of you or of your units, those due first."""
    return ContributionList(items=contributions.asked_of(session, user=user, status=status))


@router.get("/contributions/{contribution_id}", response_model=ContributionOut)
def get(contribution_id: IdPath, session: SessionDep, user: CurrentUser) -> ContributionOut:
    """One contribution with its history."""
    return contributions.get(session, contribution_id=contribution_id, user=user)


@router.post("/contributions/{contribution_id}/answer", response_model=ContributionOut)
def answer(contribution_id: IdPath, body: AnswerIn, session: SessionDep, user: CurrentUser) -> ContributionOut:
    """Answer as a member of the unit asked."""
    return contributions.answer(session, contribution_id=contribution_id, data=body, user=user)


@router.post("/contributions/{contribution_id}/ask_again", response_model=ContributionOut)
def ask_again(contribution_id: IdPath, body: AskAgainIn, request: Request, session: SessionDep,
              user: CurrentUser) -> ContributionOut:
    """Uddyb venligst: ask an answered contribution again (a fresh link in this answer only)."""
    return contributions.ask_again(session, contribution_id=contribution_id, data=body, user=user,
                                   base_url=str(request.base_url))


@router.post("/contributions/{contribution_id}/cancel", response_model=ContributionOut)
def cancel(contribution_id: IdPath, session: SessionDep, user: CurrentUser) -> ContributionOut:
    """No longer needed: cancelled, and its link no longer works."""
    return contributions.cancel(session, contribution_id=contribution_id, user=user)


@router.get("/contribution_files/{file_id}", response_class=Response,
            responses={200: {"content": {t: {} for t in attachments.TYPES.values()}}})
def file(file_id: IdPath, session: SessionDep, user: CurrentUser) -> Response:
    """An attachment of a contribution's answer, as it was sent."""
    return attachments.response(session, file_id=file_id, user=user)
