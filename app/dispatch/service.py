"""Dispatch (issue 23): an approved letter recorded as sent — to whom, when, by which channel — and copied to the
whole council or a committee. One transaction: the record, the mail through the outbox, the audit entry."""

from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.db import stored
from app.dispatch.schemas import DispatchIn
from app.errors import Conflict, Invalid
from app.inquiries.deadlines import today as danish_today
from app.letters import service as letter_service
from app.mail.outbox import compose, enqueue
from app.models import CouncilList, Dispatch, DispatchChannel, Inquiry, Letter, LetterStatus, Organisation, User, utcnow
from app.policy import Action

DENMARK = ZoneInfo("Europe/Copenhagen")
CHANNELS = {DispatchChannel.email: "e-mail fra Besvar", DispatchChannel.digital_post: "Digital Post (fra ESDH)",
            DispatchChannel.print: "brev med posten"}  # as pages and the history say them


def council_lists(session: Session, municipality_id: int) -> list[CouncilList]:
    """The municipality's lists, the whole council first."""
    return list(session.exec(select(CouncilList).where(col(CouncilList.municipality_id) == municipality_id)
                             .order_by(col(CouncilList.whole_council).desc(), col(CouncilList.name))))


def _council_list(session: Session, municipality_id: int, wanted: bool | str) -> CouncilList:
    lists = council_lists(session, municipality_id)
    found = next((c for c in lists if (c.whole_council if wanted is True else c.name.casefold() == str(wanted).casefold())), None)
    if found is None:
        named = ", ".join(c.name for c in lists) or "none"
        raise Invalid(f"no council list {'for the whole council' if wanted is True else repr(wanted)} in the "
                      f"municipality (its lists: {named})", field="copy_to_council")
    return found


def of(session: Session, letter_id: int) -> Dispatch | None:
    """The letter's dispatch, if it has been sent."""
    return session.exec(select(Dispatch).where(col(Dispatch.letter_id) == letter_id)).first()


def _mail(org: Organisation, letter: Letter, name: str | None) -> tuple[str, str]:
    """The covering mail of a letter sent by Besvar: plain text and HTML, signed by the forvaltning."""
    return compose(f"Kære {name}" if name else "Til rette modtager",
                   [f"Hermed {org.name}s svar: {letter.title}. Svaret er vedhæftet som PDF."], None,
                   signed=f"{org.name}\n{org.municipality}")


def dispatch(session: Session, *, letter_id: int, data: DispatchIn, user: User | None) -> Dispatch:
    """Record the approved letter as sent; by e-mail Besvar sends it, and a council copy goes to every member."""
    letter = letter_service.load(session, letter_id, user=user, action=Action.dispatch)
    if letter.status != LetterStatus.approved:
        raise Conflict(f"the letter is {letter.status}; only an approved letter is sent")
    if (done := of(session, letter_id)) is not None:
        raise Conflict(f"the letter was recorded as sent on {done.sent_on.isoformat()} ({done.channel})")
    today = danish_today()
    sent_on = today if data.channel == DispatchChannel.email else (data.sent_on or today)
    approved_on = letter.approved_at.astimezone(DENMARK).date() if letter.approved_at else today
    if sent_on > today:
        raise Invalid("sent_on is in the future: record a dispatch once it has happened", field="sent_on")
    if sent_on < approved_on:
        raise Invalid(f"sent_on is before the letter was approved ({approved_on.isoformat()})", field="sent_on")
    inquiry = stored(session, Inquiry, letter.inquiry_id)
    org = stored(session, Organisation, inquiry.organisation_id)
    to_name = data.to_name or letter.recipient_name
    to_address = data.to_address or letter.recipient_email
    if data.channel == DispatchChannel.email and not to_address:
        raise Invalid("the letter has no recipient e-mail: give to_address, or choose another channel", field="to_address")
    wanted = data.copy_to_council
    council = _council_list(session, org.municipality_id or 0, wanted) if wanted is not None and wanted is not False else None
    copies = [{"name": m["name"], "email": m.get("email")} for m in (council.members if council else [])]
    record = Dispatch(letter_id=letter_id, channel=data.channel, sent_on=sent_on, to_name=to_name,
                      to_address=to_address if data.channel == DispatchChannel.email else None,
                      council_list=council.name if council else None, copies=copies, by_id=user.id if user else None)
    session.add(record)
    try:
        session.flush()  # the unique letter: a second record (a double click) fails here, before any mail is queued
    except IntegrityError:
        session.rollback()
        raise Conflict("the letter was recorded as sent meanwhile") from None
    subject = letter.title  # "Svar på spørgsmål …", as the letter calls itself
    if data.channel == DispatchChannel.email and to_address:
        text, html = _mail(org, letter, to_name)
        enqueue(session, key=f"letter.dispatch:{letter_id}", kind="letter.dispatch", organisation_id=org.id,
                to_address=to_address, to_name=to_name, subject=subject, text=text, html=html,
                attachment_letter_id=letter_id)
    for member in copies:
        if member["email"]:
            text, html = _mail(org, letter, member["name"])
            enqueue(session, key=f"letter.council_copy:{letter_id}:{member['email']}", kind="letter.council_copy",
                    organisation_id=org.id, to_address=member["email"], to_name=member["name"],
                    subject=f"Til orientering — {subject}", text=text, html=html, attachment_letter_id=letter_id)
    audit.record(session, actor=user.username if user else "system", action="letter.dispatch",
                 inquiry_id=letter.inquiry_id, letter_id=letter_id,
                 detail={"channel": str(data.channel), "sent_on": sent_on.isoformat(), "to": to_name,
                         "council_list": record.council_list, "copies": len(copies), "at": utcnow().isoformat()})
    session.commit()
    session.refresh(record)
    return record


def as_out(session: Session, record: Dispatch) -> dict:
    """The API's shape of a dispatch."""
    by = session.get(User, record.by_id) if record.by_id else None
    return {"letter_id": record.letter_id, "channel": record.channel, "sent_on": record.sent_on.isoformat(),
            "to_name": record.to_name, "to_address": record.to_address, "council_list": record.council_list,
            "copies": record.copies, "by": by.username if by else None}
