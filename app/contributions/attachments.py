"""Attachments to a contribution's answer: PDF, DOCX or XLSX, checked in the reader process as imports are."""

import hashlib
from collections.abc import Sequence

from fastapi import Response
from sqlmodel import Session

from app.bank.old_letters import sandbox
from app.contributions import service as contributions
from app.errors import Invalid, NotFound, TooLarge
from app.formatting import content_disposition
from app.models import ContributionFile, User

TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_FILES = 10
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024  # what the request body of the link page may carry (app.main)


def checked(files: Sequence[tuple[str, bytes]]) -> list[tuple[str, str, bytes, str]]:
    """Each file's name, content type, bytes and SHA-256, after the checks; a 4xx in Danish for any that fails."""
    files = [(name, data) for name, data in files if data]  # an empty file field is no file
    if len(files) > MAX_FILES:
        raise Invalid(f"højst {MAX_FILES} bilag ad gangen", field="files")
    out = []
    for name, data in files:
        if len(data) > MAX_FILE_BYTES:
            raise TooLarge(f"{name}: filen er over {MAX_FILE_BYTES // (1024 * 1024)} MB")
        kind = sandbox.check_attachment(name, data)
        stem = name.rsplit(".", 1)[0] if "." in name else name
        out.append((f"{stem[:190]}.{kind}", TYPES[kind], data, hashlib.sha256(data).hexdigest()))
    return out


def response(session: Session, *, file_id: int, user: User | None) -> Response:
    """The file as it was sent, for those who may read its contribution."""
    found = session.get(ContributionFile, file_id)
    missing = f"no contribution file with id {file_id}"
    if found is None:
        raise NotFound(missing)
    try:
        contributions.load(session, found.contribution_id, user=user)
    except NotFound:
        raise NotFound(missing) from None  # as unknown as a file that does not exist
    disposition = "inline" if found.content_type == TYPES["pdf"] else "attachment"
    return Response(found.content, media_type=found.content_type,
                    headers={"Content-Disposition": content_disposition(disposition, found.filename)})
