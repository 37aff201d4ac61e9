"""POST /api/v1/inquiries/{id}/publish and …/unpublish (issue 23)."""

from typing import Annotated

from fastapi import APIRouter, Request

from app.auth.deps import require
from app.config import get_settings
from app.db import SessionDep
from app.errors import ERROR_RESPONSES
from app.fields import IdPath
from app.models import Publication, User
from app.policy import Action
from app.publication import service
from app.publication.schemas import PublicationOut, PublishIn
from app.routing import SessionRoute, long_running

Publisher = Annotated[User, require(Action.publish)]
router = APIRouter(route_class=SessionRoute, prefix="/api/v1/inquiries", tags=["inquiries"], responses=ERROR_RESPONSES)


def as_out(record: Publication) -> dict:
    """The API's shape: where the public finds it, and the redaction log."""
    return {"url": get_settings().public_url.rstrip("/") + f"/offentlig/{record.slug}", "slug": record.slug,
            "answered": record.letter_id is not None, "published_at": record.published_at.isoformat(timespec="seconds"),
            "redaction_log": record.redaction_log}


@router.post("/{inquiry_id}/publish", response_model=PublicationOut)
@long_running
def publish(inquiry_id: IdPath, body: PublishIn, request: Request, session: SessionDep, user: Publisher):
    """Put the inquiry on the public pages (again, to add its answer or change the redactions)."""
    record = service.publish(session, inquiry_id=inquiry_id, items=[(r.text, r.ground) for r in body.redactions], user=user,
                             timeout=request.app.state.settings.render_timeout_seconds)
    return as_out(record)


@router.post("/{inquiry_id}/unpublish", status_code=204)
def unpublish(inquiry_id: IdPath, session: SessionDep, user: Publisher):
    """Take the inquiry off the public pages."""
    service.unpublish(session, inquiry_id=inquiry_id, user=user)
