"""The outbox: a message is a row first, written in the transaction of the event that causes it."""

from html import escape

from sqlalchemy import false, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from app import policy
from app.audit import service as audit
from app.errors import Conflict, NotFound
from app.models import OutboxMessage, OutboxStatus, User, utcnow
from app.policy import Action

SIGNED = "Besvar (svar ikke på denne mail)"


def compose(greeting: str, lines: list[str], link: str | None, *, signed: str = SIGNED) -> tuple[str, str]:
    """Plain text and simple HTML of a message: a greeting, its lines, the page to open, and who signs it."""
    text = "\n\n".join([greeting, *lines, *([f"Åbn i Besvar: {link}"] if link else []), f"Venlig hilsen\n{signed}"])
    paragraphs = [f"<p>{escape(line)}</p>" for line in (greeting, *lines)]
    if link:
        paragraphs.append(f'<p><a href="{escape(link, quote=True)}">Åbn i Besvar</a></p>')
    paragraphs.append("<p>Venlig hilsen<br>" + escape(signed).replace("\n", "<br>") + "</p>")
    html = '<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"></head><body>' + "".join(paragraphs) + "</body></html>"
    return text, html


def enqueue(session: Session, *, key: str, kind: str, organisation_id: int | None, to_address: str, to_name: str | None, subject: str,
            text: str, html: str, attachment_letter_id: int | None = None) -> None:
    """Add the message unless one with `key` exists (no commit): a sweep run twice, or by two workers at once, adds it once."""
    values = {"key": key[:300], "kind": kind, "organisation_id": organisation_id, "to_address": to_address, "to_name": to_name, "subject": subject[:300],
              "text": text, "html": html, "status": "queued", "attempts": 0, "next_attempt_at": utcnow(),
              "created_at": utcnow(), "attachment_letter_id": attachment_letter_id}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["key"]))


def _managed(session: Session, user: User | None):
    """The outbox rows of the organisations the user manages (an admin sees their municipality's mail only)."""
    managed = policy.where(policy.access(session, user), Action.manage)
    query = select(OutboxMessage)
    if managed is not None:
        query = query.where(col(OutboxMessage.organisation_id).in_(sorted(managed)) if managed else false())
    return query


def listing(session: Session, *, user: User | None, status: str | None = None, limit: int = 50,
            offset: int = 0) -> list[OutboxMessage]:
    """The mail of the organisations the user manages, newest first."""
    query = _managed(session, user)
    if status is not None:
        query = query.where(col(OutboxMessage.status) == status)
    return list(session.exec(query.order_by(col(OutboxMessage.id).desc()).offset(offset).limit(limit)))


def failed_count(session: Session, *, user: User | None) -> int:
    """How many messages of the user's organisations have failed (the admin's inbox says so)."""
    query = _managed(session, user).where(col(OutboxMessage.status) == OutboxStatus.failed)
    return session.exec(select(func.count()).select_from(query.subquery())).one()


def retry(session: Session, *, message_id: int, user: User | None) -> OutboxMessage:
    """A failed message queued again, from its first try (the address fixed, the server back): one step."""
    message = session.exec(_managed(session, user).where(col(OutboxMessage.id) == message_id)).first()
    if message is None:
        raise NotFound(f"no message with id {message_id}")
    if message.status != OutboxStatus.failed:
        raise Conflict(f"the message is {message.status}: only a failed one is sent again")
    message.status, message.attempts, message.next_attempt_at = OutboxStatus.queued, 0, utcnow()
    session.add(message)
    audit.record(session, actor=user.username if user else "system", action="outbox.retry",
                 detail={"message": message.id, "kind": message.kind, "last_error": message.last_error})
    session.commit()
    return message
