"""Indgående: receive a saved e-mail as an item (once per Message-ID), accept it as an inquiry, or discard it.

Each is one workflow step and one audit entry. An item belongs to an organisation; outside the ones a user
may draft in, it is not found.
"""

from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import policy
from app.audit import service as audit
from app.bank.old_letters import sandbox
from app.db import stored
from app.errors import Conflict, Invalid, NotFound
from app.fields import clean_text
from app.inquiries import deadlines
from app.inquiries import service as inquiry_service
from app.inquiries.parsing import parse_email
from app.inquiries.schemas import InquiryIn, InquiryOut
from app.intake.schemas import AcceptIn, IncomingOut
from app.models import Asker, IncomingItem, IncomingStatus, Organisation, User
from app.organisations import service as organisation_service
from app.policy import Action


def _view(session: Session, item: IncomingItem) -> IncomingOut:
    return IncomingOut(id=item.id, organisation=stored(session, Organisation, item.organisation_id).key, source=item.source,
                       sender=item.sender_name, sender_email=item.sender_email, received_on=item.received_on,
                       subject=item.subject, questions=list(item.questions), status=item.status,
                       inquiry_id=item.inquiry_id, created_at=item.created_at)


def _organisation(session: Session, key: str | None, user: User | None) -> Organisation:
    """The organisation named (one the user drafts in), or the user's first; 422 otherwise."""
    choices = organisation_service.choices(session, user, Action.draft)
    found = next((o for o in choices if o.key == key), None) if key else (choices[0] if choices else None)
    if found is None:
        raise Invalid(f"no organisation {key!r} you draft in" if key else "you draft in no organisation", field="organisation")
    return found


def _clean(value: str | None, limit: int) -> str | None:
    return str(clean_text(value))[:limit].strip() or None if value else None


def message_id(data: bytes) -> str | None:
    """The message's Message-ID header (headers only are parsed: cheap, whatever the body)."""
    try:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(data[:200_000])
        value = str(headers.get("Message-ID", "") or "")
    except (ValueError, TypeError, IndexError, LookupError):  # a header the parser cannot make sense of
        return None
    return _clean(value, 300)


def receive(session: Session, *, name: str, data: bytes, organisation: str | None, user: User | None,
            source: str = "upload") -> IncomingOut:
    """Store a saved e-mail as an item of Indgående, its questions parsed; 409 if that message came before."""
    org = _organisation(session, organisation, user)
    mid = message_id(data)
    if mid is not None:
        earlier = session.exec(select(IncomingItem).where(col(IncomingItem.message_id) == mid)).first()
        if earlier is not None:
            raise Conflict(f"this message is in Indgående already (item {earlier.id})")
    # Cleaned as every stored text is: a mail may carry NUL and other characters neither database holds.
    text = _clean(sandbox.mail_text(name[:200], data), 200_000) or ""
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
    return _view(session, item)


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
    return [_view(session, i) for i in session.exec(query.order_by(col(IncomingItem.id).desc()).limit(200))]


def _asker(session: Session, item: IncomingItem, org: Organisation) -> dict:
    """The sender as a council member of the municipality, when their address is known; else as the message names them."""
    if item.sender_email:
        known = session.exec(select(Asker).where(func.lower(col(Asker.email)) == item.sender_email.lower(),
                                                 col(Asker.municipality) == org.municipality)).first()
        if known is not None:
            return {"name": known.name, "role": known.role, "email": known.email}
    return {"name": item.sender_name or item.sender_email or "Ukendt afsender", "email": item.sender_email}


def accept(session: Session, *, item_id: int, data: AcceptIn, user: User | None) -> InquiryOut:
    """Make the item an inquiry (its questions, sender, date and subject), and mark it accepted."""
    item = load(session, item_id, user=user)
    if item.status != IncomingStatus.new:
        raise Conflict(f"the item is {item.status} already")
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
