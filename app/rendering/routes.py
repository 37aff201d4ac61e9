"""GET /api/v1/letters/{id}/document.pdf and .docx."""

from fastapi import APIRouter, Request, Response

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import ERROR_RESPONSES
from app.fields import IdPath
from app.formatting import content_disposition
from app.rendering.service import DOCX_TYPE, document
from app.routing import SessionRoute, long_running

router = APIRouter(route_class=SessionRoute, prefix="/api/v1/letters", tags=["documents"], responses=ERROR_RESPONSES)


@router.get("/{letter_id}/document.pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
@long_running
def document_pdf(letter_id: IdPath, session: SessionDep, user: CurrentUser, request: Request) -> Response:
    """The letter as PDF/A (tagged); once approved, the frozen bytes."""
    content, name = document(session, user=user, letter_id=letter_id, fmt="pdf", timeout=request.app.state.settings.render_timeout_seconds)
    return Response(content, media_type="application/pdf", headers={"Content-Disposition": content_disposition("inline", name)})


@router.get("/{letter_id}/document.docx", response_class=Response, responses={200: {"content": {DOCX_TYPE: {}}}})
@long_running
def document_docx(letter_id: IdPath, session: SessionDep, user: CurrentUser, request: Request) -> Response:
    """The letter as DOCX for further editing in Word; once approved, the frozen bytes."""
    content, name = document(session, user=user, letter_id=letter_id, fmt="docx", timeout=request.app.state.settings.render_timeout_seconds)
    return Response(content, media_type=DOCX_TYPE, headers={"Content-Disposition": content_disposition("attachment", name)})
