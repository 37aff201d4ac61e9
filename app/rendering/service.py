"""Documents of a letter: frozen bytes once approved, otherwise rendered now within a time limit."""

from sqlmodel import Session

from app.audit import service as audit
from app.db import start_writing
from app.letters import service as letter_service
from app.models import User
from app.rendering import context, jobs, pool

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def document(session: Session, *, user: User, letter_id: int, fmt: str, timeout: float) -> tuple[bytes, str]:
    """The letter as `fmt` ("pdf" or "docx") and a file name; approved letters are never re-rendered."""
    letter = letter_service.load(session, letter_id, user=user)
    name = f"{letter.kind}-{letter.id}-v{letter.version}.{fmt}"
    if (frozen := letter_service.frozen_document(session, letter_id=letter_id, fmt=fmt)) is not None:
        return frozen, name
    ctx = context.build(session, letter_id=letter_id)
    session.rollback()  # render outside any database transaction
    content = pool.run(jobs.pdf if fmt == "pdf" else jobs.docx, ctx, timeout=timeout)
    start_writing(session)  # this is a GET: its read transaction must not be the one that writes
    audit.record(session, actor=user.username, action="letter.render", inquiry_id=letter.inquiry_id,
                 letter_id=letter_id, detail={"format": fmt, "version": letter.version})
    session.commit()
    return content, name
