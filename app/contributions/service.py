"""Contributions: ask a unit (or a person in it) for a part of the answer, answer it, ask again, cancel.

Each is one workflow step and one audit entry. A contribution may be asked of any unit of the inquiry's
municipality; its members (and the person named) read the contribution — the questions it covers and the
note — without reading the rest of the inquiry's organisation. The inquiry waits (afventer_bidrag) while
any contribution is asked, and resumes when the last one is answered or cancelled (app.inquiries.states).
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from app import policy
from app.audit import service as audit
from app.config import get_settings
from app.contributions import links
from app.contributions.schemas import AnswerIn, AskAgainIn, ContributionIn, ContributionOut, FileOut, MessageOut
from app.db import stored
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.inquiries import deadlines, states
from app.inquiries import service as inquiry_service
from app.inquiries.states import Move
from app.mail import notify
from app.models import (
    Contribution,
    ContributionFile,
    ContributionMessage,
    ContributionStatus,
    Inquiry,
    InquiryState,
    Membership,
    Organisation,
    Question,
    Unit,
    User,
    utcnow,
)
from app.policy import Action

Status = ContributionStatus


def default_due(deadline: date, today: date) -> date:
    """The configured number of working days before the deadline, but not before today."""
    return max(deadlines.working_days_before(deadline, get_settings().contribution_due_working_days), today)


def link_expiry(due: date) -> date:
    """The last day the login-free link works: the configured working days after the due date."""
    return deadlines.add_working_days(due, get_settings().contribution_link_working_days)


def _municipality_of(session: Session, organisation_id: int) -> int | None:
    return stored(session, Organisation, organisation_id).municipality_id


def _target(session: Session, inquiry: Inquiry, data: ContributionIn) -> tuple[Unit, User | None]:
    """The unit and person asked: both of the inquiry's municipality, the person a member of the unit."""
    municipality = _municipality_of(session, inquiry.organisation_id)
    unit = None
    if data.unit is not None:
        unit = session.exec(select(Unit).where(col(Unit.key) == data.unit)).first()
        # A unit of another municipality is as unknown as one that does not exist.
        if unit is None or _municipality_of(session, unit.organisation_id) != municipality:
            raise Invalid(f"no unit {data.unit!r} in the municipality", field="unit")
    if data.person is None:
        if unit is None:
            raise Invalid("name a unit, a person or both", field="unit")
        return unit, None
    person = session.exec(select(User).where(col(User.username) == data.person, col(User.is_active))).first()
    units = [] if person is None else [
        u for u in session.exec(select(Unit).join(Membership, col(Membership.unit_id) == col(Unit.id))
                                .where(col(Membership.user_id) == person.id).order_by(col(Unit.id))).all()
        if _municipality_of(session, u.organisation_id) == municipality]
    if person is None or not units:
        raise Invalid(f"no one named {data.person!r} works in the municipality", field="person")
    if unit is not None and unit.id not in {u.id for u in units}:
        raise Invalid(f"{data.person!r} is not a member of unit {unit.key!r}", field="person")
    return unit or units[0], person


def _due(inquiry: Inquiry, wanted: date | None, today: date) -> date:
    """The due date asked for, or the default; never after the inquiry's deadline, never before today."""
    if inquiry.deadline < today:
        raise Invalid(f"the inquiry's deadline {inquiry.deadline} has passed: extend it first", field="due")
    due = wanted or default_due(inquiry.deadline, today)
    if due > inquiry.deadline:
        raise Invalid(f"the due date {due} is after the inquiry's deadline {inquiry.deadline}", field="due")
    if due < today:
        raise Invalid(f"the due date {due} is before today ({today})", field="due")
    return due


def _questions(session: Session, inquiry: Inquiry, ids: list[int]) -> list[int]:
    """The question ids, each of this inquiry, in the inquiry's order."""
    numbers = {q.id: q.number for q in inquiry_service.questions_of(session, inquiry.id)}
    for i, qid in enumerate(ids):
        if qid not in numbers:
            raise Invalid(f"question {qid} does not belong to the inquiry", field=f"question_ids.{i}")
    return sorted(set(ids), key=numbers.__getitem__)


def ask(session: Session, *, inquiry_id: int, data: ContributionIn, user: User | None, base_url: str) -> ContributionOut:
    """Ask a unit or a person for a contribution; the answer carries the login-free link, shown this once."""
    inquiry = inquiry_service.load(session, inquiry_id, user=user)
    states.require(session, user, Move.ask, inquiry)
    unit, person = _target(session, inquiry, data)
    today = deadlines.today()
    due = _due(inquiry, data.due, today)
    question_ids = _questions(session, inquiry, list(data.question_ids))
    token, token_hash = links.new_token()
    actor = user.username if user else "system"
    contribution = Contribution(inquiry_id=inquiry.id, unit_id=unit.id, person_id=person.id if person else None,
                                question_ids=question_ids, note=data.note, due=due, requested_by=actor,
                                token_hash=token_hash, link_expires=link_expiry(due))
    session.add(contribution)
    session.flush()
    session.add(ContributionMessage(contribution_id=contribution.id, kind="request", text=data.note, actor=actor, due=due))
    states.make(session, inquiry, Move.ask, user=user, checked=False)
    audit.record(session, actor=actor, action="contribution.ask", inquiry_id=inquiry.id,
                 detail={"contribution": contribution.id, "unit": unit.key, "person": data.person,
                         "questions": question_ids, "due": due.isoformat(), "note": data.note})
    notify.contribution_asked(session, contribution, public_link(token))
    session.commit()
    out = views(session, [contribution])[0]
    return out.model_copy(update={"link": base_url.rstrip("/") + links.path(token)})


def public_link(token: str) -> str:
    """The login-free link as mail carries it: at the address the service is reached at."""
    return get_settings().public_url.rstrip("/") + links.path(token)


def readable(session: Session, contribution: Contribution, who: policy.Access) -> bool:
    """Whether `who` may read the contribution: through its inquiry, or as one of those asked."""
    if policy.may_contribute(who, contribution.unit_id, contribution.person_id):
        return True
    return policy.may(who, Action.read, stored(session, Inquiry, contribution.inquiry_id).organisation_id)


def load(session: Session, contribution_id: int, *, user: User | None) -> Contribution:
    """The contribution if the user may read it; 404 otherwise (as for an id that does not exist)."""
    contribution = session.get(Contribution, contribution_id)
    if contribution is None or not readable(session, contribution, policy.access(session, user)):
        raise NotFound(f"no contribution with id {contribution_id}")
    return contribution


def get(session: Session, *, contribution_id: int, user: User | None) -> ContributionOut:
    """One contribution with its history and files."""
    return views(session, [load(session, contribution_id, user=user)])[0]


def for_inquiry(session: Session, *, inquiry_id: int, user: User | None) -> list[ContributionOut]:
    """Every contribution asked for an inquiry, oldest first."""
    inquiry_service.load(session, inquiry_id, user=user)
    return views(session, list(session.exec(select(Contribution).where(col(Contribution.inquiry_id) == inquiry_id)
                                            .order_by(col(Contribution.id)))))


def asked_of(session: Session, *, user: User | None, status: str | None = None) -> list[ContributionOut]:
    """The contributions asked of the user or of their units, those due first."""
    who = policy.access(session, user)
    query = select(Contribution)
    if not who.everything:
        query = query.where(or_(col(Contribution.unit_id).in_(sorted(who.units)), col(Contribution.person_id) == who.user_id))
    if status is not None:
        query = query.where(col(Contribution.status) == status)
    return views(session, list(session.exec(query.order_by(col(Contribution.due), col(Contribution.id)))))


def waiting_on(session: Session, *, user: User) -> tuple[int, int]:
    """How many contributions asked of the user or their units are still open, and how many of those are overdue."""
    who = policy.access(session, user)
    mine = or_(col(Contribution.unit_id).in_(sorted(who.units)), col(Contribution.person_id) == who.user_id)
    dues = session.exec(select(col(Contribution.due)).where(mine, col(Contribution.status) == Status.requested)).all()
    today = deadlines.today()
    return len(dues), sum(1 for due in dues if due < today)


def _open(session: Session, contribution_id: int, *, user: User | None, draft: bool) -> tuple[Contribution, Inquiry]:
    """The contribution and its inquiry, for a change: by the drafters (`draft`) or by those asked."""
    contribution = load(session, contribution_id, user=user)
    inquiry = stored(session, Inquiry, contribution.inquiry_id)
    who = policy.access(session, user)
    # Whoever reaches this may read the contribution: a refusal is a 403, not a 404.
    if draft:
        if not policy.may(who, Action.draft, inquiry.organisation_id):
            raise Forbidden("only the drafters of the inquiry's organisation ask again or cancel a contribution")
    elif not policy.may_contribute(who, contribution.unit_id, contribution.person_id):
        raise Forbidden("only a member of the unit asked (or the person named) answers a contribution")
    return contribution, inquiry


def _resume(session: Session, inquiry: Inquiry, user: User | None) -> None:
    """The inquiry goes on when no contribution of it is still asked."""
    still = session.exec(select(col(Contribution.id)).where(col(Contribution.inquiry_id) == inquiry.id,
                                                            col(Contribution.status) == Status.requested)).first()
    if still is None and inquiry.state == InquiryState.awaiting_contributions:
        states.make(session, inquiry, Move.contributions_in, user=user, checked=False)


def record_answer(session: Session, contribution: Contribution, inquiry: Inquiry, *, text: str, name: str,
                  actor: str, user: User | None, files: Sequence[tuple[str, str, bytes, str]] = ()) -> None:
    """Store an answer (in Besvar or through the link), not committed: its text, files, history and audit."""
    if contribution.status != Status.requested:
        raise Conflict(f"the contribution is {contribution.status}; only an asked one is answered")
    now = utcnow()
    # From the state it was in, so that two answers at once (two tabs, the link and Besvar) store one.
    changed = session.exec(
        update(Contribution).where(col(Contribution.id) == contribution.id, col(Contribution.status) == Status.requested)
        .values(status=Status.answered, answer=text, answered_by=name, answered_at=now)
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        session.rollback()
        raise Conflict("the contribution was answered or cancelled meanwhile")
    session.refresh(contribution)
    session.add(ContributionMessage(contribution_id=contribution.id, kind="answer", text=text, actor=name))
    for filename, content_type, content, sha256 in files:
        session.add(ContributionFile(contribution_id=contribution.id, filename=filename, content_type=content_type,
                                     content=content, sha256=sha256))
    late = deadlines.today() > contribution.due
    audit.record(session, actor=actor, action="contribution.answer", inquiry_id=inquiry.id,
                 detail={"contribution": contribution.id, "by": name, "late": late, "text": text,
                         "files": [{"name": f[0], "sha256": f[3]} for f in files]})
    notify.contribution_answered(session, contribution)
    _resume(session, inquiry, user)


def answer(session: Session, *, contribution_id: int, data: AnswerIn, user: User,
           files: Sequence[tuple[str, str, bytes, str]] = ()) -> ContributionOut:
    """A member of the unit asked answers in Besvar (files already checked: app.contributions.attachments)."""
    contribution, inquiry = _open(session, contribution_id, user=user, draft=False)
    record_answer(session, contribution, inquiry, text=data.text, name=user.name, actor=user.username, user=user,
                  files=files)
    session.commit()
    return views(session, [contribution])[0]


def ask_again(session: Session, *, contribution_id: int, data: AskAgainIn, user: User | None,
              base_url: str) -> ContributionOut:
    """Uddyb venligst: an answered contribution is asked again, its history kept, with a fresh link."""
    contribution, inquiry = _open(session, contribution_id, user=user, draft=True)
    if contribution.status != Status.answered:
        raise Conflict(f"the contribution is {contribution.status}; only an answered one is asked again")
    today = deadlines.today()
    due = _due(inquiry, data.due or max(contribution.due, today), today)
    token, token_hash = links.new_token()
    actor = user.username if user else "system"
    contribution.status, contribution.due = Status.requested, due
    contribution.token_hash, contribution.link_expires = token_hash, link_expiry(due)
    session.add(ContributionMessage(contribution_id=contribution.id, kind="request", text=data.note, actor=actor, due=due))
    states.make(session, inquiry, Move.ask, user=user)
    audit.record(session, actor=actor, action="contribution.ask_again", inquiry_id=inquiry.id,
                 detail={"contribution": contribution.id, "due": due.isoformat(), "note": data.note})
    session.flush()
    notify.contribution_asked(session, contribution, public_link(token))
    session.commit()
    out = views(session, [contribution])[0]
    return out.model_copy(update={"link": base_url.rstrip("/") + links.path(token)})


def cancel(session: Session, *, contribution_id: int, user: User | None) -> ContributionOut:
    """The drafter no longer needs it: cancelled, its link dead."""
    contribution, inquiry = _open(session, contribution_id, user=user, draft=True)
    if contribution.status != Status.requested:
        raise Conflict(f"the contribution is {contribution.status}; only an asked one is cancelled")
    actor = user.username if user else "system"
    contribution.status = Status.cancelled
    session.add(ContributionMessage(contribution_id=contribution.id, kind="cancel", text="Annulleret", actor=actor))
    audit.record(session, actor=actor, action="contribution.cancel", inquiry_id=inquiry.id,
                 detail={"contribution": contribution.id})
    session.flush()
    _resume(session, inquiry, user)
    session.commit()
    return views(session, [contribution])[0]


class LinkGone(Conflict):
    """A real link that no longer works: answered, cancelled, or expired."""

    status = 410


def by_token(session: Session, token: str) -> Contribution:
    """The contribution a link opens; 404 for an unknown token, 410 for one that no longer works."""
    found = session.exec(select(Contribution).where(col(Contribution.token_hash) == links.digest(token))).first() \
        if links.looks_like_token(token) else None
    if found is None:
        raise NotFound("Linket findes ikke. Måske mangler en del af adressen fra mailen.")
    if found.status == Status.answered:
        raise LinkGone("Bidraget er allerede afgivet, så linket virker ikke længere. Tak for det.")
    if found.status == Status.cancelled:
        raise LinkGone("Anmodningen om bidrag er annulleret, så linket virker ikke længere.")
    if found.link_expires is None or deadlines.today() > found.link_expires:
        raise LinkGone("Linket er udløbet. Kontakt den, der bad om bidraget, for at få et nyt.")
    return found


def views(session: Session, rows: Sequence[Contribution]) -> list[ContributionOut]:
    """The API view of contributions, with their history and files (a few queries for the whole list)."""
    if not rows:
        return []
    ids = [c.id for c in rows]
    messages: dict[int, list[MessageOut]] = defaultdict(list)
    for m in session.exec(select(ContributionMessage).where(col(ContributionMessage.contribution_id).in_(ids))
                          .order_by(col(ContributionMessage.id))):
        messages[m.contribution_id].append(MessageOut(kind=m.kind, text=m.text, actor=m.actor, due=m.due, at=m.at))
    files: dict[int, list[FileOut]] = defaultdict(list)
    for f in session.exec(select(ContributionFile).where(col(ContributionFile.contribution_id).in_(ids))
                          .order_by(col(ContributionFile.id))):
        files[f.contribution_id].append(FileOut(id=f.id, filename=f.filename, content_type=f.content_type,
                                                size=len(f.content), sha256=f.sha256))
    today = deadlines.today()
    askers = {u.username: u.name for u in session.exec(select(User).where(
        col(User.username).in_(sorted({c.requested_by for c in rows}))))}
    # The units, people and inquiries of the whole list, a query each (not three per row).
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_({c.unit_id for c in rows})))}
    people = {u.id: u for u in session.exec(select(User).where(col(User.id).in_({c.person_id for c in rows if c.person_id})))}
    inquiries = {i.id: i for i in session.exec(select(Inquiry).where(col(Inquiry.id).in_({c.inquiry_id for c in rows})))}
    out = []
    for c in rows:
        unit, inquiry = units[c.unit_id], inquiries[c.inquiry_id]
        person = people.get(c.person_id) if c.person_id else None
        answered_on = c.answered_at.date() if c.answered_at else None
        out.append(ContributionOut(
            id=c.id, inquiry_id=c.inquiry_id, inquiry_title=inquiry.title, unit=unit.key, unit_name=unit.name,
            person=person.username if person else None, question_ids=list(c.question_ids), note=c.note, due=c.due,
            status=c.status, overdue=c.status == Status.requested and today > c.due,
            late=c.status == Status.answered and answered_on is not None and answered_on > c.due,
            requested_by=c.requested_by, requested_by_name=askers.get(c.requested_by, c.requested_by), answer=c.answer, answered_by=c.answered_by, answered_at=c.answered_at,
            link_expires=c.link_expires if c.status == Status.requested else None,
            messages=messages[c.id], files=files[c.id]))
    return out


def covered(session: Session, contribution: Contribution) -> list[Question]:
    """The questions a contribution covers (all of the inquiry's when none were chosen), in order."""
    questions = inquiry_service.questions_of(session, contribution.inquiry_id)
    return [q for q in questions if not contribution.question_ids or q.id in contribution.question_ids]
