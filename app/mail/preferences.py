"""What mail a user may turn off: the one place that says which kinds are optional, and what they are called."""

from sqlalchemy import update
from sqlmodel import Session, col

from app.models import User

# What the user need not act on; the rest (asked for a contribution, reminders and chasers, a letter waiting
# for their approval, the secretariat's reminder) always comes.
OPTIONAL: dict[str, str] = {
    "inquiry.allocated": "når en henvendelse fordeles til mig",
    "contribution.answered": "når et bidrag, jeg har bedt om, er kommet",
    "letter.returned": "når et brev, jeg har skrevet, sendes retur",
    "letter.approved": "når et brev, jeg har skrevet, er godkendt",
    "draft.due": "på dagen, et svar skal til godkendelse",
    "digest": "morgenoversigten kl. 6.30 på arbejdsdage",
}


def wanted(user: User, kind: str) -> bool:
    """Whether `user` gets a message of `kind`: what they must act on always; the digest alone if they chose it."""
    if kind not in OPTIONAL:
        return True
    if kind in (user.mail_off or []):
        return False
    return kind == "digest" or not user.mail_digest_only


def change(session: Session, user: User, *, off: list[str], digest_only: bool) -> None:
    """Store the user's choice (no commit): only optional kinds can be off. By id: the user at hand is the
    request's copy (from the token or the session), not a row of this session."""
    values = {"mail_off": [kind for kind in OPTIONAL if kind in off], "mail_digest_only": digest_only}
    session.exec(update(User).where(col(User.id) == user.id).values(**values))
    for name, value in values.items():
        setattr(user, name, value)
