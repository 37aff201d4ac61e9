"""Export approved letters: build the bundle from frozen bytes, deliver it, record it. One transaction per letter."""

import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.db import start_writing, stored
from app.errors import BesvarError, Conflict
from app.exports import bundle as bundles
from app.exports import metadata as meta
from app.exports.filenames import safe_name
from app.exports.targets import DropFolder, ExportFailed, GetOrganized, Target
from app.letters import service as letter_service
from app.models import ExportRecord, Inquiry, Letter, LetterStatus, Organisation, User
from app.rendering import seal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    letter: Letter
    bundle: bundles.Bundle
    base: str
    metadata: dict


def prepare(session: Session, *, letter_id: int, user: User | None) -> Prepared:
    """The bundle of an approved letter, from its frozen bytes; 409 for any other letter, 404 outside the user's reach."""
    letter = letter_service.load(session, letter_id, user=user)
    if letter.status != LetterStatus.approved:
        raise Conflict(f"the letter is {letter.status}; only approved letters are exported")
    pdf, docx = meta.frozen_pdf_and_docx(session, letter)
    metadata, org = meta.collect(session, letter=letter, sealed_by=seal.signer_of(pdf))
    settings = org.export or {}
    base = safe_name(settings.get("pattern", ""), meta.values_for_name(metadata, letter),
                     transliterate=settings.get("transliterate", True))
    built = bundles.build(base=base, pdf=pdf, docx=docx, metadata=metadata, on=date.fromisoformat(metadata["document_date"]))
    return Prepared(letter=letter, bundle=built, base=base, metadata=metadata)


def _record(session: Session, prepared: Prepared, *, target: str, delivered: bool, actor: str, zip_sha: str) -> ExportRecord:
    record = ExportRecord(letter_id=prepared.letter.id, target=target, delivered=delivered, bundle_sha256=zip_sha,
                          files=prepared.bundle.sha256(), actor=actor)
    session.add(record)
    audit.record(session, actor=actor, action="letter.export", inquiry_id=prepared.letter.inquiry_id,
                 letter_id=prepared.letter.id, detail={"target": target, "files": record.files, "zip_sha256": zip_sha})
    return record


def download(session: Session, *, letter_id: int, user: User) -> tuple[bytes, str]:
    """The bundle as a zip for the user to file by hand; recorded, but it does not count as delivered."""
    prepared = prepare(session, letter_id=letter_id, user=user)
    data = prepared.bundle.zip()
    start_writing(session)  # a GET: its read transaction must not be the one that writes
    _record(session, prepared, target="download", delivered=False, actor=user.username,
            zip_sha=hashlib.sha256(data).hexdigest())
    session.commit()
    return data, f"{prepared.base}.zip"


def deliver(session: Session, *, letter_id: int, target: Target, actor: str) -> ExportRecord:
    """Deliver one letter; the record is written only after the target has the whole bundle."""
    prepared = prepare(session, letter_id=letter_id, user=None)  # the command line's export run
    location = target.deliver(prepared.bundle, base=prepared.base, metadata=prepared.metadata)
    record = _record(session, prepared, target=f"{target.describe()} → {location}", delivered=True, actor=actor,
                     zip_sha=hashlib.sha256(prepared.bundle.zip()).hexdigest())
    session.commit()
    return record


def target_for(org: Organisation, folder: Path | None = None) -> Target:
    """The organisation's configured target, or the given folder."""
    if folder is not None:
        return DropFolder(folder)
    settings = org.export or {}
    if go := settings.get("getorganized"):
        return GetOrganized(go["url"], list_name=go.get("list_name", "Dokumenter"), folder_path=go.get("folder_path", ""),
                            case_system=go.get("case_system", "GetOrganized"),
                            username=os.environ.get("BESVAR_GETORGANIZED_USER"),
                            password=os.environ.get("BESVAR_GETORGANIZED_PASSWORD"), columns=go.get("columns"))
    if settings.get("drop_folder"):
        return DropFolder(Path(settings["drop_folder"]))
    raise ExportFailed(f"{org.key} has no export target: set export.drop_folder or export.getorganized, or give a folder")


def pending(session: Session) -> list[int]:
    """Approved letters not yet delivered anywhere, oldest first."""
    delivered = select(col(ExportRecord.letter_id)).where(col(ExportRecord.delivered).is_(True))
    return list(session.exec(select(col(Letter.id)).where(col(Letter.status) == LetterStatus.approved, ~col(Letter.id).in_(delivered))
                             .order_by(col(Letter.id))))


@dataclass
class Outcome:
    letter_id: int
    ok: bool
    message: str


def export_pending(engine: Engine, *, folder: Path | None, actor: str, progress: Callable[[], None] = lambda: None) -> Iterator[Outcome]:
    """Deliver every pending letter, each in its own transaction; a failure does not stop the others."""
    with Session(engine) as session:
        ids = pending(session)
    for letter_id in ids:
        with Session(engine) as session:
            letter = stored(session, Letter, letter_id)
            org = stored(session, Organisation, stored(session, Inquiry, letter.inquiry_id).organisation_id)
            try:
                record = deliver(session, letter_id=letter_id, target=target_for(org, folder), actor=actor)
                yield Outcome(letter_id, True, record.target)
            except BesvarError as exc:
                session.rollback()
                yield Outcome(letter_id, False, exc.detail)
            except Exception as exc:  # one letter that cannot be bundled must never stop the letters after it
                session.rollback()
                log.warning("export of letter %s failed: %r", letter_id, exc, exc_info=log.isEnabledFor(logging.DEBUG))
                yield Outcome(letter_id, False, f"could not be bundled ({type(exc).__name__}: {exc})")
        progress()
