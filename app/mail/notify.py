"""What each event tells whom, by mail: one function per event, called in the event's own transaction.

Never the text of a draft or a contribution, never personal data beyond the asker's name: a subject, what
happened, and the page to open. People without an e-mail address are skipped.
"""

from sqlmodel import Session, col, select

from app.config import get_settings
from app.db import stored
from app.mail import preferences
from app.mail.outbox import compose, enqueue
from app.models import Contribution, Inquiry, Letter, Membership, Unit, User, utcnow


def url(path: str) -> str:
    return get_settings().public_url.rstrip("/") + path


def members(session: Session, unit_id: int) -> list[User]:
    """The active members of a unit, each once."""
    return list(session.exec(select(User).join(Membership, col(Membership.user_id) == col(User.id))
                             .where(col(Membership.unit_id) == unit_id, col(User.is_active)).distinct()
                             .order_by(col(User.id))))


def send(session: Session, kind: str, key: str, to: User, subject: str, lines: list[str], link: str | None, *,
          organisation_id: int | None) -> None:
    if not to.email or not preferences.wanted(to, kind):
        return
    text, html = compose(f"Kære {to.name}", lines, link)
    enqueue(session, key=f"{kind}:{key}:{to.id}", kind=kind, organisation_id=organisation_id, to_address=to.email, to_name=to.name, subject=subject,
            text=text, html=html)


def _stamp() -> str:
    # Events happen once, in their own transaction: the time tells two allocations of one inquiry apart.
    return utcnow().isoformat()


def allocated(session: Session, inquiry: Inquiry) -> None:
    """To the assignee, or to the unit's members when no one is named."""
    people = [stored(session, User, inquiry.drafter_id)] if inquiry.drafter_id else (
        members(session, inquiry.unit_id) if inquiry.unit_id else [])
    for person in people:
        send(session, "inquiry.allocated", f"{inquiry.id}:{_stamp()}", person, f"Ny henvendelse til dig: {inquiry.title}",
              [f"Henvendelsen “{inquiry.title}” er fordelt til dig. Fristen er {inquiry.deadline.strftime('%d-%m-%Y')}."],
              url(f"/henvendelser/{inquiry.id}"), organisation_id=inquiry.organisation_id)


def contribution_asked(session: Session, contribution: Contribution, link: str) -> None:
    """To the person asked, or to the unit's members: with the login-free link (and the page in Besvar)."""
    inquiry = stored(session, Inquiry, contribution.inquiry_id)
    people = [stored(session, User, contribution.person_id)] if contribution.person_id else members(session, contribution.unit_id)
    for person in people:
        send(session, "contribution.asked", f"{contribution.id}:{_stamp()}", person,
              f"Bidrag ønskes senest {contribution.due.strftime('%d-%m-%Y')}: {inquiry.title}",
              [f"Du er bedt om et bidrag til svaret på “{inquiry.title}” senest {contribution.due.strftime('%d-%m-%Y')}.",
               "Du kan svare uden at logge ind via linket herunder. Linket virker kun til dette bidrag.",
               f"Svar uden login: {link}"],
              url(f"/bidrag/anmodning/{contribution.id}"), organisation_id=inquiry.organisation_id)


def contribution_answered(session: Session, contribution: Contribution) -> None:
    """To the drafter who asked, that the contribution has arrived."""
    inquiry = stored(session, Inquiry, contribution.inquiry_id)
    asker = session.exec(select(User).where(col(User.username) == contribution.requested_by)).first()
    unit = stored(session, Unit, contribution.unit_id)
    if asker is not None:
        send(session, "contribution.answered", f"{contribution.id}:{_stamp()}", asker,
              f"Bidrag modtaget fra {unit.name}: {inquiry.title}",
              [f"{unit.name} har sendt sit bidrag til “{inquiry.title}”. Det står klar i brevet ved spørgsmålene."],
              url(f"/henvendelser/{inquiry.id}"), organisation_id=inquiry.organisation_id)


def letter_decided(session: Session, letter: Letter, *, approved: bool) -> None:
    """To the drafter: the letter was approved, or returned (the comment is in Besvar, not in the mail)."""
    if letter.created_by_id is None:
        return
    drafter = stored(session, User, letter.created_by_id)
    inquiry = stored(session, Inquiry, letter.inquiry_id)
    kind = "letter.approved" if approved else "letter.returned"
    what = "er godkendt" if approved else "er sendt retur med en kommentar"
    send(session, kind, f"{letter.id}:{letter.version}", drafter, f"Brevet {what}: {letter.title}",
          [f"Brevet “{letter.title}” til henvendelsen “{inquiry.title}” {what}."], url(f"/breve/{letter.id}"),
          organisation_id=inquiry.organisation_id)


def reminded(session: Session, inquiry: Inquiry, *, by: User | None) -> int:
    """The secretariat's reminder: to the assignee and to those asked for a contribution still open; how many."""
    people: dict[int, tuple[User, str]] = {}
    if inquiry.drafter_id and (by is None or inquiry.drafter_id != by.id):
        people[inquiry.drafter_id] = (stored(session, User, inquiry.drafter_id),
                                      f"Svaret på “{inquiry.title}” har frist {inquiry.deadline.strftime('%d-%m-%Y')}.")
    for c in session.exec(select(Contribution).where(col(Contribution.inquiry_id) == inquiry.id,
                                                    col(Contribution.status) == "anmodet")).all():
        asked = [stored(session, User, c.person_id)] if c.person_id else members(session, c.unit_id)
        for person in asked:
            people.setdefault(person.id, (person, f"Dit bidrag til “{inquiry.title}” ønskes senest {c.due.strftime('%d-%m-%Y')}."))
    sent = 0
    for person, line in people.values():
        if person.email and person.is_active:
            send(session, "inquiry.reminder", f"{inquiry.id}:{_stamp()}", person, f"Påmindelse: {inquiry.title}",
                 [line, f"Påmindelsen er sendt af {by.name if by else 'sekretariatet'}."],
                 url(f"/henvendelser/{inquiry.id}"), organisation_id=inquiry.organisation_id)
            sent += 1
    return sent
