"""GET /api/v1/letters/{id}/document.pdf and .docx."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from fastapi import APIRouter, Request, Response

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import ERROR_RESPONSES, Unavailable
from app.fields import IdPath
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


def _filename(ctx: context.LetterContext, ext: str) -> str:
    return f"{ctx.kind}-{ctx.date.isoformat()}.{ext}"


@router.get("/{letter_id}/document.pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def document_pdf(letter_id: IdPath, session: SessionDep, _user: CurrentUser, request: Request) -> Response:
    """The letter as PDF/A (tagged)."""
    ctx = context.build(session, letter_id=letter_id)
    session.close()  # render outside any database transaction
    return Response(_render(request, pdf.render, ctx), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{_filename(ctx, "pdf")}"'})


@router.get("/{letter_id}/document.docx", response_class=Response, responses={200: {"content": {DOCX_TYPE: {}}}})
def document_docx(letter_id: IdPath, session: SessionDep, _user: CurrentUser, request: Request) -> Response:
    """The letter as DOCX for further editing in Word."""
    ctx = context.build(session, letter_id=letter_id)
    session.close()
    return Response(_render(request, docx.render, ctx), media_type=DOCX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{_filename(ctx, "docx")}"'})
