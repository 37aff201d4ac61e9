"""Sending the outbox over SMTP: one message per transaction, each claimed so that only one worker sends it.

A message is claimed (leased) in a short transaction before it is sent, so several workers on several hosts
each take different messages (on PostgreSQL SELECT … FOR UPDATE SKIP LOCKED, then a conditional UPDATE); the
result is written after the send. A worker that dies between the send and that write leaves the lease to run
out, and the message goes again: at most once per crash, never twice otherwise. A temporary failure (the server down, a 4xx answer, a dropped
connection) is tried again later with growing pauses; a permanent one (5xx), or too many tries, marks the
message failed, kept for the admins to see.
"""

import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import unquote, urlsplit

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app.config import Settings
from app.models import LetterDocument, OutboxMessage, OutboxStatus, utcnow

# Pauses before the 2nd, 3rd … try; after the last, the message is failed (about a day of trying in all).
BACKOFF = [timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 360, 720)]
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Smtp:
    """Where and how to send."""

    host: str
    port: int
    tls: bool  # TLS from the first byte (smtps); else STARTTLS whenever the server offers it
    username: str | None
    password: str | None
    sender: str


def smtp_from(settings: Settings) -> Smtp | None:
    """The SMTP settings, or None when no server is configured (the outbox then waits)."""
    if not settings.smtp_url:
        return None
    url = urlsplit(settings.smtp_url)
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise ValueError(f"SMTP_URL must be smtp://host[:port] or smtps://host[:port], not {settings.smtp_url!r}")
    tls = url.scheme == "smtps"
    return Smtp(host=url.hostname, port=url.port or (465 if tls else 587), tls=tls,
                username=settings.smtp_username or (unquote(url.username) if url.username else None),
                password=settings.smtp_password or (unquote(url.password) if url.password else None),
                sender=settings.besvar_mail_from)


def _attachment(engine: Engine, message: OutboxMessage) -> tuple[str, bytes] | None:
    """The frozen PDF of the letter the message carries, and its file name (read in a short session of its own)."""
    if message.attachment_letter_id is None:
        return None
    with Session(engine) as session:
        content = session.exec(select(col(LetterDocument.content)).where(
            col(LetterDocument.letter_id) == message.attachment_letter_id, col(LetterDocument.format) == "pdf")).first()
    return (f"svar-{message.attachment_letter_id}.pdf", content) if content is not None else None


def _email(message: OutboxMessage, smtp: Smtp, attachment: tuple[str, bytes] | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = smtp.sender
    mail["To"] = formataddr((message.to_name or "", message.to_address))
    mail["Subject"] = message.subject
    # The same Message-ID on every try: a receiving server or client that saw it already can tell.
    mail["Message-ID"] = make_msgid(idstring=f"besvar-{message.id}", domain=smtp.sender.rsplit("@", 1)[-1].strip("> ") or "besvar")
    mail["X-Besvar-Kind"] = message.kind
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    if attachment is not None:
        mail.add_attachment(attachment[1], maintype="application", subtype="pdf", filename=attachment[0])
    return mail


def _said(reply: bytes | str) -> str:
    """The server's words, as the admin reads them in Udbakke (smtplib keeps them as bytes)."""
    return reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else str(reply)


class Permanent(Exception):
    """The server refused the message for good (5xx)."""


def _deliver(mail: EmailMessage, smtp: Smtp) -> None:
    """Hand the message to the server; Permanent for a 5xx, any other exception is temporary."""
    context = ssl.create_default_context()
    client: smtplib.SMTP = (smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS, context=context) if smtp.tls
                            else smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS))
    with client:
        client.ehlo()
        if not smtp.tls and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        try:
            client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(code >= 500 for code in codes):
                raise Permanent("; ".join(f"{to}: {code} {_said(said)}" for to, (code, said) in exc.recipients.items())) from None
            raise
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            if exc.smtp_code >= 500:
                raise Permanent(f"{exc.smtp_code} {_said(exc.smtp_error)}") from None
            raise


# How long a claimed message is left to its worker before another may take it (a worker that died mid-send).
LEASE = timedelta(minutes=5)


def _claim(engine: Engine) -> OutboxMessage | None:
    """The next message due, leased to this worker in a short transaction of its own.

    The lease moves its next try past the send, with a conditional UPDATE on the time it had, so two workers
    never take the same message; on PostgreSQL SKIP LOCKED also keeps them from waiting on each other. No
    transaction stays open during the send: SQLite's one writer (the web requests) never waits for a mail server.
    """
    while True:  # until a message is taken, or none is due
        with Session(engine) as session:
            now = utcnow()
            query = (select(OutboxMessage).where(col(OutboxMessage.status) == OutboxStatus.queued,
                                                 col(OutboxMessage.next_attempt_at) <= now)
                     .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id)).limit(1))
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            message = session.exec(query).first()
            if message is None:
                return None
            taken = session.exec(update(OutboxMessage).where(
                col(OutboxMessage.id) == message.id, col(OutboxMessage.next_attempt_at) == message.next_attempt_at,
                col(OutboxMessage.status) == OutboxStatus.queued).values(next_attempt_at=now + LEASE)
                .execution_options(synchronize_session=False))
            session.expunge(message)  # as read: the commit would expire it
            session.commit()
            if taken.rowcount == 1:
                return message
            # another worker took it first: the next one


def _settle(engine: Engine, message_id: int, **values) -> None:
    with Session(engine) as session:
        session.exec(update(OutboxMessage).where(col(OutboxMessage.id) == message_id).values(**values))
        session.commit()


def send_due(engine: Engine, smtp: Smtp, *, limit: int = 200) -> dict[str, int]:
    """Send what is due now, a message at a time; counts of sent, retried and failed."""
    done = {"sent": 0, "retried": 0, "failed": 0}
    for _ in range(limit):
        message = _claim(engine)
        if message is None:
            break
        attempts = message.attempts + 1
        try:
            _deliver(_email(message, smtp, _attachment(engine, message)), smtp)
        except Permanent as exc:
            _settle(engine, message.id, status=OutboxStatus.failed, attempts=attempts, last_error=str(exc)[:1000])
            done["failed"] += 1
        except (OSError, smtplib.SMTPException) as exc:  # refused for now, dropped, timed out, down
            error = f"{type(exc).__name__}: {exc}"[:1000]
            if attempts > len(BACKOFF):
                _settle(engine, message.id, status=OutboxStatus.failed, attempts=attempts, last_error=error)
                done["failed"] += 1
            else:
                _settle(engine, message.id, attempts=attempts, last_error=error,
                        next_attempt_at=utcnow() + BACKOFF[attempts - 1])
                done["retried"] += 1
        else:
            _settle(engine, message.id, status=OutboxStatus.sent, attempts=attempts, sent_at=utcnow(), last_error=None)
            done["sent"] += 1
    return done
