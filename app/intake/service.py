"""Indgående: receive a saved e-mail as an item (once per Message-ID), accept it as an inquiry, or discard it.

Each is one workflow step and one audit entry. An item belongs to an organisation; outside the ones a user
may draft in, it is not found.
"""

import re

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import policy
from app.audit import service as audit
from app.bank.old_letters import reading, sandbox
from app.db import stored
from app.errors import Conflict, Invalid, NotFound
from app.fields import clean_text
from app.inquiries import deadlines, mailfiles
from app.inquiries import service as inquiry_service
from app.inquiries import states as inquiry_states
from app.inquiries.parsing import parse_email
from app.inquiries.schemas import InquiryIn, InquiryOut
from app.intake.schemas import AcceptIn, FollowUpOut, IncomingOut
from app.models import Asker, CaseRef, IncomingItem, IncomingStatus, Inquiry, InquiryState, Organisation, User
from app.organisations import service as organisation_service
from app.policy import Action

# The lines the mail reader writes where it did not read something (app.inquiries.mailfiles), and this module's own.
_NOTE = re.compile(r"^\((?:Bilaget|Mailen) .{0,400}\)$", re.MULTILINE)


def _notes(text: str) -> list[str]:
    return [line.strip("()") for line in _NOTE.findall(text)][:20]


def _view(session: Session, item: IncomingItem, follows: list[FollowUpOut] | None = None) -> IncomingOut:
    return IncomingOut(id=item.id, organisation=stored(session, Organisation, item.organisation_id).key, source=item.source,
                       sender=item.sender_name, sender_email=item.sender_email, received_on=item.received_on,
                       subject=item.subject, questions=list(item.questions), notes=_notes(item.text), status=item.status,
                       inquiry_id=item.inquiry_id, created_at=item.created_at, follows=follows or [])


# What may be a case number in a subject or text: a run of letters, digits and separators holding at least
# four digits (F2's "2026-0012345", eDoc's "2026-123456", SBSYS's "27.00.00-A00-1-26").
_CASE_TOKEN = re.compile(r"(?<![\w.-])[A-Za-z0-9]*\d[\w.-]*\d(?![\w-])")
_PREFIX = re.compile(r"^\s*(?:(?:SV|VS|RE|FW|FWD|Videresend|Opfølgning)\s*:\s*)+", re.IGNORECASE)


_AROUND_SEPARATOR = re.compile(r"[ \t]*([-./])[ \t]*")  # F2 writes "2024 - 1234", a mail often "2024-1234"


def _tokens(item: IncomingItem) -> set[str]:
    text = _AROUND_SEPARATOR.sub(r"\1", f"{item.subject or ''}\n{item.text[:20_000]}")
    return {t for t in _CASE_TOKEN.findall(text) if sum(c.isdigit() for c in t) >= 4 and len(t) <= 100}


def _follows(session: Session, items: list[IncomingItem]) -> dict[int, list[FollowUpOut]]:
    """For each new item, the inquiries of its organisation that it names by case number or by subject.

    Two queries for the whole list: one for the case numbers any item names, one for the subjects."""
    new = [i for i in items if i.status == IncomingStatus.new]
    tokens = {i.id: sorted(_tokens(i))[:30] for i in new}
    bare = {i.id: _PREFIX.sub("", i.subject or "").strip().lower() for i in new}
    subjects = {k: v for k, v in bare.items() if v}
    wanted = sorted({t for ts in tokens.values() for t in ts})
    orgs = sorted({i.organisation_id for i in new})  # never an inquiry of another organisation
    by_number: dict[tuple[int, str], list[tuple[int, str]]] = {}
    if wanted:
        squashed = func.replace(col(CaseRef.number), " ", "")
        rows = session.exec(select(squashed, Inquiry.id, Inquiry.title, Inquiry.organisation_id)
                            .join(Inquiry, col(Inquiry.id) == col(CaseRef.inquiry_id))
                            .where(squashed.in_(wanted[:500]), col(Inquiry.organisation_id).in_(orgs))
                            .order_by(col(Inquiry.id).desc())).all()
        for number, inquiry_id, title, org_id in rows:
            by_number.setdefault((org_id, number), []).append((inquiry_id, title))
    by_title: dict[tuple[int, str], list[tuple[int, str]]] = {}
    if subjects:
        titled = session.exec(select(Inquiry.id, Inquiry.title, Inquiry.organisation_id)
                              .where(func.lower(col(Inquiry.title)).in_(sorted(set(subjects.values()))[:500]),
                                     col(Inquiry.organisation_id).in_(orgs))
                              .order_by(col(Inquiry.id).desc())).all()
        for inquiry_id, title, org_id in titled:
            by_title.setdefault((org_id, title.lower()), []).append((inquiry_id, title))
    result: dict[int, list[FollowUpOut]] = {}
    for item in new:
        seen: dict[int, FollowUpOut] = {}
        for token in tokens[item.id]:
            for inquiry_id, title in by_number.get((item.organisation_id, token), []):
                seen.setdefault(inquiry_id, FollowUpOut(inquiry_id=inquiry_id, title=title, case_number=token))
        for inquiry_id, title in by_title.get((item.organisation_id, subjects.get(item.id, "")), []):
            seen.setdefault(inquiry_id, FollowUpOut(inquiry_id=inquiry_id, title=title, case_number=None))
        result[item.id] = list(seen.values())[:5]
    return result


def _organisation(session: Session, key: str | None, user: User | None) -> Organisation:
    """The organisation named (one the user drafts in), or the user's first; 422 otherwise."""
    choices = organisation_service.choices(session, user, Action.draft)
    found = next((o for o in choices if o.key == key), None) if key else (choices[0] if choices else None)
    if found is None:
        raise Invalid(f"no organisation {key!r} you draft in" if key else "you draft in no organisation", field="organisation")
    return found


def _clean(value: str | None, limit: int) -> str | None:
    return str(clean_text(value))[:limit].strip() or None if value else None


def receive(session: Session, *, name: str, data: bytes, organisation: str | None, user: User | None,
            source: str = "upload") -> IncomingOut:
    """Store a saved e-mail as an item of Indgående, its questions parsed; 409 if that message came before.

    An upload that cannot be read is refused (422); a message from the mailbox is kept with a note saying why."""
    org = _organisation(session, organisation, user)
    try:
        mid = _clean(sandbox.mail_id(name[:200], data), 300)
    except reading.UnreadableFile:  # too slow even to find its id: it is kept, once per upload
        mid = None
    if mid is not None:
        earlier = session.exec(select(IncomingItem).where(col(IncomingItem.message_id) == mid,
                                                              col(IncomingItem.organisation_id) == org.id)).first()
        if earlier is not None:
            raise Conflict(f"this message is in Indgående already (item {earlier.id})")
    try:
        read = sandbox.mail_text(name[:200], data)
    except reading.UnreadableFile as exc:
        if source != "mailbox":
            raise
        # From the mailbox nothing is dropped: the secretariat sees the item, and why, and reads it in the mailbox.
        read = f"{mailfiles.headers_text(data)}\n\n(Mailen kunne ikke læses: {exc.detail}. Læs den i postkassen.)"
    # Cleaned as every stored text is: a mail may carry NUL and other characters neither database holds.
    text = _clean(read, 200_000) or ""
    parsed = parse_email(text)
    item = IncomingItem(organisation_id=org.id, message_id=mid, source=source,
                        sender_name=_clean(parsed.asker_name, 300), sender_email=_clean(parsed.asker_email, 300),
                        subject=_clean(parsed.title, 500), received_on=parsed.received_on, text=text,
                        questions=[q for q in (_clean(q.text, 50_000) for q in parsed.questions[:200]) if q],
                        created_by=user.username if user else "system")
    session.add(item)
    session.flush()
    audit.record(session, actor=item.created_by, action="intake.receive",
                 detail={"item": item.id, "sender": item.sender_email, "subject": item.subject, "source": source})
    session.commit()
    return _view(session, item, _follows(session, [item]).get(item.id))


def _drafting(session: Session, user: User | None) -> frozenset[int] | None:
    return policy.where(policy.access(session, user), Action.draft)


def load(session: Session, item_id: int, *, user: User | None) -> IncomingItem:
    """The item if the user drafts in its organisation; 404 otherwise."""
    item = session.get(IncomingItem, item_id)
    allowed = _drafting(session, user)
    if item is None or (allowed is not None and item.organisation_id not in allowed):
        raise NotFound(f"no incoming item with id {item_id}")
    return item


def list_(session: Session, *, user: User | None, status: str = IncomingStatus.new) -> list[IncomingOut]:
    """The items of the organisations the user drafts in, newest first."""
    query = select(IncomingItem).where(col(IncomingItem.status) == status)
    allowed = _drafting(session, user)
    if allowed is not None:
        query = query.where(col(IncomingItem.organisation_id).in_(sorted(allowed)))
    items = list(session.exec(query.order_by(col(IncomingItem.id).desc()).limit(200)))
    follows = _follows(session, items)
    return [_view(session, i, follows.get(i.id)) for i in items]


def _asker(session: Session, item: IncomingItem, org: Organisation) -> dict:
    """The sender as a council member of the municipality, when their address is known; else as the message names them."""
    if item.sender_email:
        known = session.exec(select(Asker).where(func.lower(col(Asker.email)) == item.sender_email.lower(),
                                                 col(Asker.municipality) == org.municipality)).first()
        if known is not None:
            return {"name": known.name, "role": known.role, "email": known.email}
    return {"name": item.sender_name or item.sender_email or "Ukendt afsender", "email": item.sender_email}


def accept(session: Session, *, item_id: int, data: AcceptIn, user: User | None) -> InquiryOut:
    """Make the item an inquiry (its questions, sender, date and subject), or a follow-up to one; mark it accepted."""
    item = load(session, item_id, user=user)
    if item.status != IncomingStatus.new:
        raise Conflict(f"the item is {item.status} already")
    if data.follow_up_of is not None:
        return _follow_up(session, item, data, user)
    if not item.questions:
        raise Invalid("no numbered questions were found in the message: create the inquiry on Ny henvendelse",
                      field="questions")
    org = _organisation(session, data.organisation, user) if data.organisation else stored(session, Organisation, item.organisation_id)
    body = InquiryIn.model_validate({
        "title": data.title or item.subject or f"Henvendelse fra {item.sender_name or item.sender_email}",
        "asker": _asker(session, item, org), "received_on": item.received_on or deadlines.today(),
        "organisation": org.key, "questions": [{"text": q} for q in item.questions]})
    inquiry = inquiry_service.stage(session, data=body, user=user)
    item.status, item.inquiry_id = IncomingStatus.accepted, inquiry.id
    session.add(item)
    audit.record(session, actor=user.username if user else "system", action="intake.accept", inquiry_id=inquiry.id,
                 detail={"item": item.id})
    session.commit()
    return inquiry_service.views(session, [inquiry.id])[0]


# While the answer is being drafted a follow-up's questions join the inquiry; once it is with the approver they
# would join an answer the approver has not seen, and once answered the case goes on in a new inquiry.
_TAKES_QUESTIONS = frozenset(inquiry_states.OPEN) - {InquiryState.awaiting_approval}


def _follow_up(session: Session, item: IncomingItem, data: AcceptIn, user: User | None) -> InquiryOut:
    """The item as a follow-up to an inquiry of its organisation: more questions in it, or a new inquiry in its case."""
    assert data.follow_up_of is not None
    earlier = inquiry_service.load(session, data.follow_up_of, user=user, action=Action.draft)
    if earlier.organisation_id != item.organisation_id:
        raise Invalid("a follow-up belongs to an inquiry of the organisation the mail came to", field="follow_up_of")
    actor = user.username if user else "system"
    if earlier.state == InquiryState.awaiting_approval:
        raise Conflict("the answer is waiting for approval: have it returned first, or accept the mail as a new inquiry")
    if not item.questions:
        raise Invalid("no numbered questions were found in the message", field="questions")
    if earlier.state in _TAKES_QUESTIONS:
        inquiry_service.add_questions(session, earlier, item.questions, actor=actor)
        inquiry = earlier
    else:
        org = stored(session, Organisation, item.organisation_id)
        refs = session.exec(select(CaseRef).where(col(CaseRef.inquiry_id) == earlier.id).order_by(col(CaseRef.position))).all()
        body = InquiryIn.model_validate({
            "title": data.title or item.subject or f"Opfølgning på {earlier.title}"[:500],
            "asker": _asker(session, item, org), "received_on": item.received_on or deadlines.today(),
            "organisation": org.key, "questions": [{"text": q} for q in item.questions],
            "case_refs": [{"system": r.system, "kind": r.kind, "number": r.number} for r in refs]})
        inquiry = inquiry_service.stage(session, data=body, user=user)
    item.status, item.inquiry_id = IncomingStatus.accepted, inquiry.id
    session.add(item)
    audit.record(session, actor=actor, action="intake.follow_up", inquiry_id=inquiry.id,
                 detail={"item": item.id, "follows": earlier.id, "questions": len(item.questions)})
    session.commit()
    return inquiry_service.views(session, [inquiry.id])[0]


def discard(session: Session, *, item_id: int, user: User | None) -> IncomingOut:
    """Not an inquiry (a thank-you, a newsletter): kept as discarded."""
    item = load(session, item_id, user=user)
    if item.status != IncomingStatus.new:
        raise Conflict(f"the item is {item.status} already")
    item.status = IncomingStatus.discarded
    session.add(item)
    audit.record(session, actor=user.username if user else "system", action="intake.discard", detail={"item": item.id})
    session.commit()
    return _view(session, item)
