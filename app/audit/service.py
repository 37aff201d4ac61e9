"""Record and verify the audit trail. `record` joins the caller's transaction; it never commits."""

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from app.models import AuditEntry, AuditHead, Inquiry, Membership, Unit, User, utcnow

GENESIS = "0" * 64


def _digest(entry: AuditEntry) -> str:
    """SHA-256 over the entry's content and the previous hash, in a canonical JSON form."""
    content = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "inquiry_id": entry.inquiry_id,
        "letter_id": entry.letter_id,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }
    raw = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    detail: dict | None = None,
    inquiry_id: int | None = None,
    letter_id: int | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction."""
    # Updating the head first takes the write lock, so two transactions never fork the chain.
    session.exec(update(AuditHead).where(col(AuditHead.id) == 1).values(count=col(AuditHead.count) + 1))
    head = session.exec(select(AuditHead).where(col(AuditHead.id) == 1).execution_options(populate_existing=True)).one()
    entry = AuditEntry(
        seq=head.count, at=utcnow(), actor=actor, action=action, inquiry_id=inquiry_id, letter_id=letter_id,
        detail=detail or {}, prev_hash=head.last_hash, hash="",
    )
    entry.hash = _digest(entry)
    head.last_hash = entry.hash
    session.add(entry)
    return entry


@dataclass
class Verification:
    ok: bool
    entries: int
    problem: str | None = None


def verify(session: Session) -> Verification:
    """Walk the chain; report the first entry that was edited, removed, reordered, or a cut tail."""
    prev, expected_seq, n = GENESIS, 1, 0
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
        n += 1
        if entry.seq != expected_seq:
            return Verification(False, n, f"entry {entry.seq} stands where entry {expected_seq} should: entries removed or reordered")
        if entry.prev_hash != prev:
            return Verification(False, n, f"entry {entry.seq} does not follow the entry before it: entries removed or reordered")
        if _digest(entry) != entry.hash:
            return Verification(False, n, f"entry {entry.seq} was changed after it was written")
        prev, expected_seq = entry.hash, expected_seq + 1
    head = session.get(AuditHead, 1)
    if head is None:
        return Verification(False, n, "the chain's head record is missing")
    if head.count != n or head.last_hash != prev:
        return Verification(False, n, f"the chain should hold {head.count} entries but holds {n}: its end was cut off")
    return Verification(True, n)


def latest(session: Session, *, limit: int, organisations: frozenset[int] | None = None) -> list[AuditEntry]:
    """The newest `limit` entries, oldest first: of these organisations (None: all), that is about their
    inquiries, or done by their staff and about no inquiry (the library, logins)."""
    query = select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(limit)
    if organisations is not None:
        staff = (select(col(User.username)).join(Membership, col(Membership.user_id) == col(User.id))
                 .join(Unit, col(Unit.id) == col(Membership.unit_id)).where(col(Unit.organisation_id).in_(organisations)))
        theirs = select(col(Inquiry.id)).where(col(Inquiry.organisation_id).in_(organisations))
        query = query.where(or_(col(AuditEntry.inquiry_id).in_(theirs),
                                col(AuditEntry.inquiry_id).is_(None) & col(AuditEntry.actor).in_(staff)))
    return list(reversed(session.exec(query).all()))


def count(session: Session) -> int:
    """How many entries the chain holds, from its head record (no walk)."""
    head = session.get(AuditHead, 1)
    return head.count if head else 0


def trail(session: Session, *, letter_id: int | None = None, inquiry_id: int | None = None) -> list[AuditEntry]:
    """The entries about a letter or an inquiry, oldest first."""
    query = select(AuditEntry).order_by(col(AuditEntry.seq))
    if letter_id is not None:
        query = query.where(col(AuditEntry.letter_id) == letter_id)
    if inquiry_id is not None:
        query = query.where(col(AuditEntry.inquiry_id) == inquiry_id)
    return list(session.exec(query))
