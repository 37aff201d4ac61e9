"""The outbox: a message is a row first, written in the transaction of the event that causes it."""

from html import escape

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from app.models import OutboxMessage, utcnow


def compose(greeting: str, lines: list[str], link: str | None) -> tuple[str, str]:
    """Plain text and simple HTML of a message: a greeting, its lines, and the page to open."""
    text = "\n\n".join([greeting, *lines, *([f"Åbn i Besvar: {link}"] if link else []),
                        "Venlig hilsen\nBesvar (svar ikke på denne mail)"])
    paragraphs = [f"<p>{escape(line)}</p>" for line in (greeting, *lines)]
    if link:
        paragraphs.append(f'<p><a href="{escape(link, quote=True)}">Åbn i Besvar</a></p>')
    paragraphs.append("<p>Venlig hilsen<br>Besvar (svar ikke på denne mail)</p>")
    html = '<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"></head><body>' + "".join(paragraphs) + "</body></html>"
    return text, html


def enqueue(session: Session, *, key: str, kind: str, organisation_id: int | None, to_address: str, to_name: str | None, subject: str,
            text: str, html: str) -> None:
    """Add the message unless one with `key` exists (no commit): a sweep run twice, or by two workers at once, adds it once."""
    values = {"key": key[:300], "kind": kind, "organisation_id": organisation_id, "to_address": to_address, "to_name": to_name, "subject": subject[:300],
              "text": text, "html": html, "status": "queued", "attempts": 0, "next_attempt_at": utcnow(),
              "created_at": utcnow()}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["key"]))
