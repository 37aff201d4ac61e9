"""Documents of a letter: frozen bytes once approved, otherwise rendered now within a time limit."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from sqlmodel import Session

from app.audit import service as audit
from app.db import start_writing
from app.errors import Unavailable
from app.letters import service as letter_service
from app.models import User
from app.rendering import context, docx, pdf

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Renders are CPU-bound: two at a time on two cores, the rest wait their turn.
_renderers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="render")


def _render(fn: Callable[[context.LetterContext], bytes], ctx: context.LetterContext, timeout: float) -> bytes:
    """Render within the time limit."""
    future = _renderers.submit(fn, ctx)
    try:
        return future.result(timeout=timeout)
    except FutureTimeout as exc:
        future.cancel()
        raise Unavailable("the document could not be rendered in time; try again") from exc


def document(session: Session, *, user: User, letter_id: int, fmt: str, timeout: float) -> tuple[bytes, str]:
    """The letter as `fmt` ("pdf" or "docx") and a file name; approved letters are never re-rendered."""
    letter = letter_service.load(session, letter_id)
    name = f"{letter.kind}-{letter.id}-v{letter.version}.{fmt}"
    if (frozen := letter_service.frozen_document(session, letter_id=letter_id, fmt=fmt)) is not None:
        return frozen, name
    ctx = context.build(session, letter_id=letter_id)
    session.rollback()  # render outside any database transaction
    content = _render(pdf.render if fmt == "pdf" else docx.render, ctx, timeout)
    start_writing(session)  # this is a GET: its read transaction must not be the one that writes
    audit.record(session, actor=user.username, action="letter.render", inquiry_id=letter.inquiry_id,
                 letter_id=letter_id, detail={"format": fmt, "version": letter.version})
    session.commit()
    return content, name
