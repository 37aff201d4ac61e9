"""The shared mailbox (IMAP_URL): the worker fetches each message in its folder into Indgående, then moves it
to the processed folder, so what is left in the folder is what Besvar has not taken yet.

Several workers may poll at once (PostgreSQL): a message is one item per organisation by its Message-ID (a
unique constraint, so two workers storing it at the same moment store it once), and a MOVE the other worker
made already is simply not needed.
"""

import imaplib
import logging
import ssl
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from urllib.parse import unquote, urlsplit

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.bank.old_letters import reading
from app.config import Settings
from app.errors import Conflict
from app.intake import service
from app.models import Organisation

log = logging.getLogger("besvar.mailbox")

# Larger than any mail server lets through (25-35 MB is usual); above it the headers only are fetched.
MAX_MESSAGE_BYTES = 40 * 1024 * 1024
MAX_PER_ROUND = 100  # the rest come the next round: a round stays short however full the folder is
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Imap:
    host: str
    port: int
    tls: bool
    folder: str
    processed: str
    username: str
    password: str
    organisation: str | None


def imap_from(settings: Settings) -> Imap | None:
    """The mailbox settings, or None when no mailbox is configured."""
    if not settings.imap_url:
        return None
    url = urlsplit(settings.imap_url)
    if url.scheme not in ("imap", "imaps") or not url.hostname:
        raise ValueError(f"IMAP_URL must be imap://host[:port]/FOLDER or imaps://host[:port]/FOLDER, not {settings.imap_url!r}")
    username = settings.imap_username or (unquote(url.username) if url.username else None)
    password = settings.imap_password or (unquote(url.password) if url.password else None)
    if not username or not password:
        raise ValueError("the mailbox needs a login: IMAP_USERNAME and IMAP_PASSWORD (or user:password@ in IMAP_URL)")
    tls = url.scheme == "imaps"
    return Imap(host=url.hostname, port=url.port or (993 if tls else 143), tls=tls,
                folder=unquote(url.path.strip("/")) or "INBOX", processed=settings.imap_processed_folder,
                username=username, password=password, organisation=settings.imap_organisation)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _connect(imap_settings: Imap) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    if imap_settings.tls:
        imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(imap_settings.host, imap_settings.port, ssl_context=context,
                                                timeout=TIMEOUT_SECONDS)
    else:
        imap = imaplib.IMAP4(imap_settings.host, imap_settings.port, timeout=TIMEOUT_SECONDS)
        if "STARTTLS" in imap.capabilities:
            imap.starttls(context)
    imap.login(imap_settings.username, imap_settings.password)
    return imap


def _check(reply: tuple[str, list]) -> list:
    typ, data = reply
    if typ != "OK":
        raise imaplib.IMAP4.error(f"the mail server said {typ}: {data!r}")
    return data


def _literal(data: list) -> bytes:
    """The message bytes of a FETCH reply."""
    return next((part[1] for part in data if isinstance(part, tuple) and isinstance(part[1], bytes)), b"")


def _size(imap: imaplib.IMAP4, uid: str) -> int:
    data = _check(imap.uid("FETCH", uid, "(RFC822.SIZE)"))
    text = b" ".join(p if isinstance(p, bytes) else p[0] for p in data if p)
    marker = text.find(b"RFC822.SIZE ")
    return int(text[marker + 12:].split(b")")[0].split()[0]) if marker >= 0 else 0


def _too_large(headers: bytes, size: int) -> bytes:
    """The message's headers with a body saying it was not fetched: the item still names sender and subject."""
    message = BytesHeaderParser(policy=default_policy).parsebytes(headers)
    for name in ("Content-Type", "Content-Transfer-Encoding", "MIME-Version"):
        del message[name]
    message.set_content(f"(Mailen fylder {size // (1024 * 1024)} MB, over grænsen på "
                        f"{MAX_MESSAGE_BYTES // (1024 * 1024)} MB, og er ikke hentet. Læs den i postkassen.)")
    return message.as_bytes()


def _store(engine: Engine, imap_settings: Imap, uid: str, data: bytes) -> bool:
    """The message as an item of Indgående; False if it is there already."""
    with Session(engine) as session:
        try:
            service.receive(session, name=f"postkasse-{uid}.eml", data=data,
                            organisation=imap_settings.organisation, user=None, source="mailbox")
            return True
        except Conflict:
            return False
        except IntegrityError:  # another worker stored it a moment ago
            session.rollback()
            return False


def _move(imap: imaplib.IMAP4, uid: str, folder: str) -> None:
    if "MOVE" in imap.capabilities:
        imap.uid("MOVE", uid, _quoted(folder))
        return
    if imap.uid("COPY", uid, _quoted(folder))[0] == "OK":
        imap.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)")
        imap.expunge()


def fetch(engine: Engine, imap_settings: Imap) -> dict[str, int]:
    """One look in the mailbox: each message stored (once) and moved; how many were new and known."""
    counts = {"received": 0, "known": 0}
    if imap_settings.organisation is None:
        with Session(engine) as session:
            if len(session.exec(select(Organisation.id).limit(2)).all()) > 1:
                log.error("IMAP_ORGANISATION is not set and there are several organisations: the mailbox is not read")
                return counts
    with _connect(imap_settings) as imap:
        imap.create(_quoted(imap_settings.processed))  # NO when it exists already: nothing to do then
        _check(imap.select(_quoted(imap_settings.folder)))
        uids = [u.decode() for u in _check(imap.uid("SEARCH", "ALL"))[0].split()[:MAX_PER_ROUND]]
        for uid in uids:
            size = _size(imap, uid)
            data = _literal(_check(imap.uid("FETCH", uid, "(BODY.PEEK[HEADER])" if size > MAX_MESSAGE_BYTES else "(BODY.PEEK[])")))
            if not data:  # gone since the search: another worker has taken and moved it
                continue
            if size > MAX_MESSAGE_BYTES:
                data = _too_large(data, size)
            try:
                new = _store(engine, imap_settings, uid, data)
            except reading.UnreadableFile as exc:  # only what the reader process could not even start on
                log.error("message %s in the mailbox was not stored: %s", uid, exc.detail)
                continue
            counts["received" if new else "known"] += 1
            _move(imap, uid, imap_settings.processed)
    return counts
