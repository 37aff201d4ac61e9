"""A saved e-mail (.eml, or Outlook's .msg) as the text the paste parser reads: its headers in Danish, its body, its attachments' text.

Read in the reader process, within its CPU and memory limits (app.bank.old_letters.sandbox), as uploads are:
a small file can still be costly (nested messages, a PDF attachment whose pages share one huge stream).
"""

import contextlib
import email
import email.policy
import logging
import re
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from lxml import etree
from lxml import html as lxml_html

from app import formatting
from app.bank.old_letters import reading

if TYPE_CHECKING:
    from extract_msg.msg_classes import MessageBase

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 3  # a message attached to a message attached to a message
MAX_TEXT = 200_000  # what the proposal reads (the paste field's limit)
MAX_ATTACHMENTS = 50  # read of one message; a real one has a few (bench/mail_in.py: 2,000 took a second)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an Outlook .msg is an OLE compound file


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
    if data.startswith(OLE_MAGIC) and depth < MAX_DEPTH:
        return [f"Bilag: {name}", _msg_text(data, depth + 1)]
    if data.startswith((b"%PDF-", b"PK")):
        try:
            return [f"Bilag: {name}", *(line.text for line in reading.read(name, data))]
        except reading.UnreadableFile as exc:
            return [f"(Bilaget kunne ikke læses: {exc.detail})"]
    return [f"(Bilaget {name} er ikke et brev, Besvar kan læse: kun PDF og Word.)"]


def _heading(sender: str, date: str, subject: str) -> str:
    """The message's own headers, in Danish, as a forwarded block shows them (the paste parser reads them)."""
    if date:
        with contextlib.suppress(TypeError, ValueError, IndexError):  # an odd Date: kept as written
            date = formatting.long_date(parsedate_to_datetime(date).date())
    return "\n".join(f"{label}: {value}" for label, value in (("Fra", sender), ("Sendt", date), ("Emne", subject)) if value)


def _outlook_text(message: "MessageBase", depth: int) -> str:
    """An Outlook message: its headers, its plain or HTML body, its attachments, as for .eml."""
    from extract_msg.enums import AttachmentType
    from extract_msg.msg_classes import MessageBase

    header = message.header
    date = str(header.get("Date", "") or "") if header is not None else ""
    if not date and message.date is not None:
        date = message.date.strftime("%a, %d %b %Y %H:%M:%S %z")
    body = message.body
    if not body:
        html = message.htmlBody
        body = _html_text(html.decode("utf-8", errors="replace")) if isinstance(html, bytes) else ""
    parts = [_heading(str(message.sender or ""), date, str(message.subject or "")), str(body or "")]
    for n, attachment in enumerate(message.attachments):
        if n == MAX_ATTACHMENTS:
            parts.append(f"(Mailen har flere end {MAX_ATTACHMENTS} bilag; de øvrige er ikke læst.)")
            break
        name = str(getattr(attachment, "longFilename", None) or getattr(attachment, "shortFilename", None) or "bilag")
        content = getattr(attachment, "data", None)
        if getattr(attachment, "type", None) == AttachmentType.MSG and isinstance(content, MessageBase):
            parts.append(f"Bilag: {name}\n" + (_outlook_text(content, depth + 1) if depth < MAX_DEPTH else ""))
        else:
            parts.append("\n".join(_attachment(name, content if isinstance(content, bytes) else b"", depth)))
    return "\n\n".join(p for p in parts if p)


def _open_outlook(data: bytes) -> "MessageBase":
    """The .msg opened by extract-msg (imported only where one is read: the reader process pays it once)."""
    import extract_msg
    from extract_msg.msg_classes import MessageBase

    logging.getLogger("extract_msg").setLevel(logging.ERROR)  # it warns of every property it does not know
    message = extract_msg.openMsg(data, delayAttachments=False)
    if not isinstance(message, MessageBase):  # a contact, an appointment, a task: Outlook saves them as .msg too
        message.close()
        raise reading.UnreadableFile("mail.msg", "filen er en Outlook-fil, men ikke en mail")
    return message


def headers_text(data: bytes) -> str:
    """Who sent it, when and about what, from a .eml's headers alone, as the full reading heads it (cheap: for
    a mail whose body could not be read)."""
    try:
        headers = BytesHeaderParser(policy=email.policy.default).parsebytes(data[:200_000])
        return _heading(*(str(headers.get(h, "") or "") for h in ("From", "Date", "Subject")))
    except Exception:  # hostile headers: the note alone says it
        return ""


def _msg_text(data: bytes, depth: int) -> str:
    """An Outlook .msg as text."""
    message = _open_outlook(data)
    try:
        return _outlook_text(message, depth)
    finally:
        message.close()


def _text(data: bytes, depth: int) -> str:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    parts = [_heading(*(str(message.get(h, "") or "") for h in ("From", "Date", "Subject"))), _body(message)]
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


def message_id(name: str, data: bytes) -> str | None:
    """The message's Message-ID (of a .eml its headers only are parsed: cheap, whatever the body)."""
    try:
        if data.startswith(OLE_MAGIC):
            message = _open_outlook(data)
            try:
                value = str(message.messageId or "")
            finally:
                message.close()
        else:
            value = str(BytesHeaderParser(policy=email.policy.default).parsebytes(data[:200_000]).get("Message-ID", "") or "")
    except Exception:  # a message without a readable id is still a message: it is kept without one
        return None
    return value.strip()[:300] or None


def to_text(name: str, data: bytes) -> str:
    """The message as text for the paste parser; an UnreadableFile for what is not an e-mail."""
    head = data[:2000].lower()
    outlook = data.startswith(OLE_MAGIC)
    if (not outlook and not name.lower().endswith(".eml") and b"\nfrom:" not in b"\n" + head
            and b"\nsubject:" not in b"\n" + head):
        raise reading.UnreadableFile(name, "filen er ikke en gemt e-mail: gem mailen fra Outlook (.msg) eller som .eml")
    try:
        return (_msg_text(data, 0) if outlook else _text(data, 0))[:MAX_TEXT]
    except reading.UnreadableFile:
        raise
    except Exception as exc:  # the email package fails on hostile input in many ways; each means the same
        raise reading.UnreadableFile(name, f"mailen kan ikke læses ({exc.__class__.__name__})") from None
