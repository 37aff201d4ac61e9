"""The metadata of an approved letter, from what was frozen at approval and the records around it."""

from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app import __version__
from app.db import stored
from app.letters import kinds
from app.letters import service as letter_service
from app.models import (
    AccessMarking,
    Asker,
    CaseRef,
    Contribution,
    Dispatch,
    Inquiry,
    Letter,
    LetterBlock,
    Organisation,
    Paragraph,
    ParagraphVersion,
    Person,
    Question,
    Unit,
    User,
)

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def access_of(letter: Letter) -> tuple[str, str]:
    """The access marking the records system files it under, and who decided it: the drafter, or else the
    personal-data check."""
    if letter.access:
        return AccessMarking(letter.access).code, "drafter"
    marking = AccessMarking.personal if letter.personal_data_flags else AccessMarking.open
    return marking.code, "personal_data_check"


def _person(user: User | None) -> dict | None:
    return {"username": user.username, "name": user.name, "title": user.title} if user else None


def _dispatch(session: Session, letter: Letter) -> dict | None:
    record = session.exec(select(Dispatch).where(col(Dispatch.letter_id) == letter.id)).first()
    if record is None:
        return None
    return {"channel": record.channel, "sent_on": record.sent_on.isoformat(), "to": record.to_name,
            "council_list": record.council_list,
            "copies": [{"name": c["name"], "email": c.get("email")} for c in record.copies]}


def collect(session: Session, *, letter: Letter, sealed_by: str | None) -> tuple[dict, Organisation]:
    """Metadata for the bundle (files are added by the bundle) and the sending organisation."""
    inquiry = stored(session, Inquiry, letter.inquiry_id)
    org = stored(session, Organisation, inquiry.organisation_id)
    asker = stored(session, Asker, inquiry.asker_id)
    refs = session.exec(select(CaseRef).where(col(CaseRef.inquiry_id) == inquiry.id).order_by(col(CaseRef.position))).all()
    questions = session.exec(select(Question).where(col(Question.inquiry_id) == inquiry.id).order_by(col(Question.number))).all()
    blocks = session.exec(select(LetterBlock, col(Paragraph.key), col(ParagraphVersion.title))
                          .join(Paragraph, col(Paragraph.id) == col(LetterBlock.paragraph_id))
                          .join(ParagraphVersion, (col(ParagraphVersion.paragraph_id) == col(LetterBlock.paragraph_id))
                                & (col(ParagraphVersion.version) == col(LetterBlock.paragraph_version)))
                          .where(col(LetterBlock.letter_id) == letter.id)
                          .order_by(col(LetterBlock.question_id), col(LetterBlock.position))).all()
    # The contributions whose text the answer carries (its provenance), with the questions they answer there.
    cited: dict[int, set[int]] = {}
    for contribution_id, number in session.exec(
            select(col(LetterBlock.contribution_id), col(Question.number))
            .join(Question, col(Question.id) == col(LetterBlock.question_id))
            .where(col(LetterBlock.letter_id) == letter.id, col(LetterBlock.contribution_id).is_not(None))).all():
        if contribution_id is not None:
            cited.setdefault(contribution_id, set()).add(number)
    contributions = [(stored(session, Contribution, cid), numbers) for cid, numbers in sorted(cited.items())]
    signatory = session.get(Person, letter.signatory_id) if letter.signatory_id else None
    document_number = next((r.number for r in refs if r.kind.lower().startswith("dokument")), None)
    address = ", ".join(p for p in (org.street, f"{org.postcode or ''} {org.city or ''}".strip()) if p) or None
    # Approval sets both; an approved letter without them is a broken database.
    assert letter.letter_date is not None and letter.approved_at is not None
    metadata = {
        "schema_version": "1",
        "title": letter.title,
        "document_kind": letter.kind,
        "document_type": kinds.of(letter.kind).document_type,
        "document_date": letter.letter_date.isoformat(),
        "document_number": document_number,
        # The day it is ready for filing, its approval's Danish date: a bundle made later is the same bundle
        # (byte-identical), and the records system keeps its own receipt time beside it.
        "journal_date": letter.approved_at.astimezone(COPENHAGEN).date().isoformat(),
        "case_refs": [{"system": r.system, "kind": r.kind, "number": r.number} for r in refs],
        "kle": {"subject_number": inquiry.kle_number, "action_facet": inquiry.kle_action},
        "sender": {"municipality": org.municipality, "organisation": org.name, "unit": org.unit, "address": address},
        "recipients": [{"name": letter.recipient_name or asker.name,
                        "title": letter.recipient_title if letter.recipient_name else asker.role,
                        "email": letter.recipient_email if letter.recipient_name else asker.email}],
        "copy_to": letter.copy_to,
        "signatory": {"name": signatory.name, "title": signatory.title} if signatory else None,
        "drafted_by": _person(session.get(User, letter.created_by_id) if letter.created_by_id else None),
        "submitted_by": _person(session.get(User, letter.submitted_by_id) if letter.submitted_by_id else None),
        "approver": _person(session.get(User, letter.approved_by_id)),
        "approved_at": letter.approved_at.isoformat(timespec="seconds"),
        "inquiry": {"title": inquiry.title, "received_on": inquiry.received_on.isoformat(),
                    "deadline": inquiry.deadline.isoformat(),
                    "asker": {"name": asker.name, "role": asker.role, "email": asker.email}},
        "questions": [{"number": q.number, "text": q.text} for q in questions],
        "paragraphs": [{"key": key, "version": block.paragraph_version, "title": title} for block, key, title in blocks],
        # Rebuilt in a fixed order: PostgreSQL's JSONB does not keep the keys' order, and the XML must.
        "statistics": [{"key": f["key"], "period": f["period"], "value": f["value"], "source": f["source"]}
                       for f in letter.frozen_statistics],
        "contributions": [{"unit": stored(session, Unit, c.unit_id).name, "answered_by": c.answered_by,
                           "answered_at": c.answered_at.isoformat(timespec="seconds") if c.answered_at else None,
                           "questions": sorted(numbers)} for c, numbers in contributions],
        "signature": {"sealed": sealed_by is not None, "signer": sealed_by},
        "access": access_of(letter)[0],
        "access_decided_by": access_of(letter)[1],
        # How it was sent, once it has been (a bundle made before that says null, and is not made again).
        "dispatch": _dispatch(session, letter),
        "generator": {"name": "Besvar", "version": __version__},
    }
    return metadata, org


def values_for_name(metadata: dict, letter: Letter) -> dict[str, str]:
    """The fields a file name pattern may use."""
    case = next((r["number"] for r in metadata["case_refs"] if r["kind"].lower().startswith("sag")), "")
    return {"case_number": case, "document_number": metadata["document_number"] or "", "kind": letter.kind,
            "title": letter.title, "date": metadata["document_date"], "letter_id": str(letter.id)}


def frozen_pdf_and_docx(session: Session, letter: Letter) -> tuple[bytes, bytes]:
    """The frozen documents of an approved letter."""
    pdf = letter_service.frozen_document(session, letter_id=letter.id, fmt="pdf")
    docx = letter_service.frozen_document(session, letter_id=letter.id, fmt="docx")
    if pdf is None or docx is None:
        raise LookupError(f"approved letter {letter.id} has no frozen documents")
    return pdf, docx
