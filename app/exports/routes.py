"""GET /api/v1/letters/{id}/export: the ESDH bundle of an approved letter as a zip."""

from fastapi import APIRouter, Response

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import ERROR_RESPONSES
from app.exports import service as export_service
from app.fields import IdPath
from app.formatting import content_disposition
from app.routing import SessionRoute, long_running

router = APIRouter(route_class=SessionRoute, prefix="/api/v1/letters", tags=["export"], responses=ERROR_RESPONSES)


@router.get("/{letter_id}/export", response_class=Response, responses={200: {"content": {"application/zip": {}}}})
@long_running
def export_bundle(letter_id: IdPath, session: SessionDep, user: CurrentUser) -> Response:
    """PDF, DOCX, metadata.json, metadata.xml and SHA256SUMS; 409 unless the letter is approved."""
    data, name = export_service.download(session, letter_id=letter_id, user=user)
    return Response(data, media_type="application/zip", headers={"Content-Disposition": content_disposition("attachment", name)})
