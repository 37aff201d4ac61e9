"""A saved e-mail (.eml) as the text the paste parser reads: its headers in Danish, its body, its attachments' text.

Read in the reader process, within its CPU and memory limits (app.bank.old_letters.sandbox), as uploads are:
a small file can still be costly (nested messages, a PDF attachment whose pages share one huge stream).
"""

import contextlib
import email
import email.policy
import re
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

from lxml import etree
from lxml import html as lxml_html

from app import formatting
from app.bank.old_letters import reading

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 3  # a message attached to a message attached to a message
MAX_TEXT = 200_000  # what the proposal reads (the paste field's limit)
MAX_ATTACHMENTS = 50  # read of one message; a real one has a few (bench/mail_in.py: 2,000 took a second)


def _html_text(markup: str) -> str:
    """The text of an HTML body, with its line and paragraph breaks."""
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</h\d>", "\n", markup)
    try:
        return lxml_html.fromstring(markup).text_content() if markup.strip() else ""
    except (ValueError, etree.ParserError):
        return ""


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError):  # an unknown or lying charset
        payload = part.get_payload(decode=True)
        content = payload.decode("cp1252", errors="replace") if isinstance(payload, bytes) else ""
    return _html_text(content) if part.get_content_type() == "text/html" else str(content)


def _attachment(name: str, data: bytes, depth: int) -> list[str]:
    """An attachment's text (a letter: PDF or DOCX; a message), or a line saying why it is not read."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        return [f"(Bilaget {name} er over {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB og er ikke læst.)"]
    if name.lower().endswith(".eml") and depth < MAX_DEPTH:
        return [f"Bilag: {name}", _text(data, depth + 1)]
    if data.startswith((b"%PDF-", b"PK")):
        try:
            return [f"Bilag: {name}", *(line.text for line in reading.read(name, data))]
        except reading.UnreadableFile as exc:
            return [f"(Bilaget kunne ikke læses: {exc.detail})"]
    return [f"(Bilaget {name} er ikke et brev, Besvar kan læse: kun PDF og Word.)"]


def _text(data: bytes, depth: int) -> str:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    lines = []
    for header, label in (("From", "Fra"), ("Date", "Sendt"), ("Subject", "Emne")):
        value = str(message.get(header, "") or "")
        if header == "Date" and value:
            with contextlib.suppress(TypeError, ValueError, IndexError):  # an odd Date: kept as written
                value = formatting.long_date(parsedate_to_datetime(value).date())
        if value:
            lines.append(f"{label}: {value}")
    parts = ["\n".join(lines), _body(message)]
    for n, part in enumerate(message.iter_attachments()):
        if n == MAX_ATTACHMENTS:
            parts.append(f"(Mailen har flere end {MAX_ATTACHMENTS} bilag; de øvrige er ikke læst.)")
            break
        name = part.get_filename() or "bilag"
        if part.get_content_type() == "message/rfc822" and depth < MAX_DEPTH:
            inner = part.get_payload()
            inner_bytes = inner[0].as_bytes() if isinstance(inner, list) and inner and isinstance(inner[0], EmailMessage) else b""
            parts.append(f"Bilag: {name}\n" + _text(inner_bytes, depth + 1))
            continue
        payload = part.get_payload(decode=True)
        parts.append("\n".join(_attachment(name, payload if isinstance(payload, bytes) else b"", depth)))
    return "\n\n".join(p for p in parts if p)


def to_text(name: str, data: bytes) -> str:
    """The message as text for the paste parser; an UnreadableFile for what is not an e-mail."""
    head = data[:2000].lower()
    if not name.lower().endswith(".eml") and b"\nfrom:" not in b"\n" + head and b"\nsubject:" not in b"\n" + head:
        raise reading.UnreadableFile(name, "filen er ikke en gemt e-mail (.eml); gem mailen fra Outlook som .eml")
    try:
        return _text(data, 0)[:MAX_TEXT]
    except reading.UnreadableFile:
        raise
    except Exception as exc:  # the email package fails on hostile input in many ways; each means the same
        raise reading.UnreadableFile(name, f"mailen kan ikke læses ({exc.__class__.__name__})") from None
