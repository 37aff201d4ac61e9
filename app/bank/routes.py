"""HTTP API for earlier answer letters: /api/v1/imports (propose) and /api/v1/imports/confirm (store)."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from starlette import datastructures

from app.auth.deps import Writer
from app.bank.old_letters import service as old_letters
from app.db import SessionDep
from app.errors import ERROR_RESPONSES, TooLarge
from app.routing import SessionRoute, long_running

router = APIRouter(route_class=SessionRoute, prefix="/api/v1", tags=["bank"], responses=ERROR_RESPONSES)


def read_uploads(files: Sequence[datastructures.UploadFile]) -> list[tuple[str, bytes]]:
    """Each upload's name and bytes, never more than the per-file cap read into memory."""
    out = []
    for upload in files:
        data = upload.file.read(old_letters.MAX_FILE_BYTES + 1)
        if len(data) > old_letters.MAX_FILE_BYTES:
            raise TooLarge(f"{upload.filename}: over {old_letters.MAX_FILE_BYTES} byte")
        out.append(((upload.filename or "uden navn")[:200], data))
    return out


@router.post("/imports", response_model=list[old_letters.Proposal])
@long_running
def propose(session: SessionDep, user: Writer,
                  files: Annotated[list[UploadFile], File(description="DOCX or text PDF answer letters")]):
    """Read earlier answer letters and propose inquiries, questions and paragraphs; nothing is stored."""
    return old_letters.propose(session, read_uploads(files), user=user)


@router.post("/imports/confirm", response_model=old_letters.ConfirmOut, status_code=201)
def confirm(session: SessionDep, user: Writer, data: old_letters.ConfirmIn):
    """Store a confirmed (and perhaps edited) proposal as an answered inquiry with its paragraphs."""
    return old_letters.confirm(session, data=data, user=user)
