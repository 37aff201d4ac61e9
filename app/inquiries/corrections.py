"""Correcting a registered inquiry's own details (title, asker, received date, case numbers), with history."""

from sqlmodel import Session, col, select

from app.audit import service as audit
from app.db import stored
from app.errors import Conflict
from app.inquiries import deadlines
from app.inquiries import service as inquiry_service
from app.inquiries.schemas import InquiryCorrection, InquiryOut
from app.inquiries.service import find_or_add_asker, views
from app.models import Asker, CaseRef, Letter, LetterStatus, Organisation, User
from app.policy import Action


def correct(session: Session, *, inquiry_id: int, data: InquiryCorrection, user: User) -> InquiryOut:
    """Apply the corrections in one transaction; the history records each field's value before and after."""
    inquiry = inquiry_service.load(session, inquiry_id, user=user, action=Action.draft)
    # The approver reviews the letter as rendered from these details: they may not change under the review.
    if session.exec(select(Letter.id).where(col(Letter.inquiry_id) == inquiry_id,
                                            col(Letter.status) == LetterStatus.submitted)).first() is not None:
        raise Conflict("a letter of this inquiry awaits approval: return it before correcting the inquiry")
    org = stored(session, Organisation, inquiry.organisation_id)
    changed: dict[str, dict[str, str | None]] = {}
    if data.title is not None and data.title != inquiry.title:
        changed["title"] = {"before": inquiry.title, "after": data.title}
        inquiry.title = data.title
    if data.asker is not None:
        before = stored(session, Asker, inquiry.asker_id)
        after = find_or_add_asker(session, data.asker, municipality=org.municipality)
        if after.id != before.id or (data.asker.role and data.asker.role != before.role):
            after.role = data.asker.role or after.role
            changed["asker"] = {"before": _asker(before.name, before.role, before.email),
                                "after": _asker(after.name, after.role, after.email)}
            inquiry.asker_id = after.id
    if data.received_on is not None and data.received_on != inquiry.received_on:
        by_rule = deadlines.add_working_days(inquiry.received_on, org.deadline_days)
        changed["received_on"] = {"before": inquiry.received_on.isoformat(), "after": data.received_on.isoformat()}
        if inquiry.deadline == by_rule:  # a deadline set by hand is kept; one from the rule follows the date
            deadline = deadlines.add_working_days(data.received_on, org.deadline_days)
            changed["deadline"] = {"before": inquiry.deadline.isoformat(), "after": deadline.isoformat()}
            inquiry.deadline = deadline
        inquiry.received_on = data.received_on
    if data.case_refs is not None:
        refs = list(session.exec(select(CaseRef).where(col(CaseRef.inquiry_id) == inquiry_id).order_by(col(CaseRef.position))))
        wanted = [(r.system, r.kind, r.number) for r in data.case_refs]
        if [(r.system, r.kind, r.number) for r in refs] != wanted:
            changed["case_refs"] = {"before": _refs((r.system, r.kind, r.number) for r in refs), "after": _refs(wanted)}
            for ref in refs:
                session.delete(ref)
            session.flush()
            for position, (system, kind, number) in enumerate(wanted, start=1):
                session.add(CaseRef(inquiry_id=inquiry_id, position=position, system=system, kind=kind, number=number))
    if changed:
        detail: dict[str, object] = {"changed": changed}
        if data.reason:
            detail["comment"] = data.reason
        audit.record(session, actor=user.username, action="inquiry.correct", inquiry_id=inquiry_id, detail=detail)
        session.commit()
    return views(session, [inquiry_id])[0]


def _asker(name: str, role: str | None, email: str | None) -> str:
    return name + (f", {role}" if role else "") + (f" <{email}>" if email else "")


def _refs(refs) -> str | None:
    return "; ".join(f"{system} {kind} {number}" for system, kind, number in refs) or None
