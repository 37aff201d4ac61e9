"""GET /api/v1/letters/{id}/document.pdf and .docx."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from fastapi import APIRouter, Request, Response

from app.audit import service as audit
from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import ERROR_RESPONSES, Unavailable
from app.fields import IdPath
from app.letters import service as letter_service
from app.rendering import context, docx, pdf

router = APIRouter(prefix="/api/v1/letters", tags=["documents"], responses=ERROR_RESPONSES)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Renders are CPU-bound: two at a time on two cores, the rest wait their turn.
_renderers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="render")


def _render(request: Request, fn: Callable[[context.LetterContext], bytes], ctx: context.LetterContext) -> bytes:
    """Render within the configured time limit."""
    future = _renderers.submit(fn, ctx)
    try:
        return future.result(timeout=request.app.state.settings.render_timeout_seconds)
    except FutureTimeout as exc:
        future.cancel()
        raise Unavailable("the document could not be rendered in time; try again") from exc


def _document(request: Request, session, user, letter_id: int, fmt: str) -> tuple[bytes, str]:
    """An approved letter's frozen bytes, never re-rendered; a draft rendered now (and recorded)."""
    letter = letter_service.load(session, letter_id)
    name = f"{letter.kind}-{letter.id}-v{letter.version}.{fmt}"
    if (frozen := letter_service.frozen_document(session, letter_id=letter_id, fmt=fmt)) is not None:
        return frozen, name
    ctx = context.build(session, letter_id=letter_id)
    session.rollback()  # render outside any database transaction
    content = _render(request, pdf.render if fmt == "pdf" else docx.render, ctx)
    audit.record(session, actor=user.username, action="letter.render", inquiry_id=letter.inquiry_id,
                 letter_id=letter_id, detail={"format": fmt, "version": letter.version})
    session.commit()
    return content, name


@router.get("/{letter_id}/document.pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def document_pdf(letter_id: IdPath, session: SessionDep, user: CurrentUser, request: Request) -> Response:
    """The letter as PDF/A (tagged); once approved, the frozen bytes."""
    content, name = _document(request, session, user, letter_id, "pdf")
    return Response(content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("/{letter_id}/document.docx", response_class=Response, responses={200: {"content": {DOCX_TYPE: {}}}})
def document_docx(letter_id: IdPath, session: SessionDep, user: CurrentUser, request: Request) -> Response:
    """The letter as DOCX for further editing in Word; once approved, the frozen bytes."""
    content, name = _document(request, session, user, letter_id, "docx")
    return Response(content, media_type=DOCX_TYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'})
