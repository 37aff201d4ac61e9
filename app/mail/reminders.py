"""The schedule's sweep: reminders and chasers for contributions, the draft due for approval, the morning digest.

Each round of the worker looks at what is due today and adds what is missing to the outbox; every message has
a key of (kind, object, day), so rounds every few seconds, or several workers at once, add each one once. A
day the worker did not run is not made up for: yesterday's reminder is no use today.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, or_
from sqlmodel import Session, col, select

from app import policy
from app.db import stored
from app.inquiries import deadlines, states
from app.mail import notify
from app.models import (
    AuditEntry,
    Contribution,
    ContributionStatus,
    Inquiry,
    Letter,
    LetterStatus,
    Organisation,
    OutboxMessage,
    Unit,
    User,
)
from app.organisations import structure
from app.policy import Action

DIGEST_AT = time(6, 30)  # Danish time, on working days
ESCALATE_AFTER = 2  # chasers before the unit's lead is told too
_DK = ZoneInfo("Europe/Copenhagen")


def _date(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _contribution_reminders(session: Session, today: date) -> None:
    """The day before the due date, on the day, then every N working days after it; the lead from the third chaser."""
    rows = session.exec(select(Contribution, Inquiry, Organisation)
                        .join(Inquiry, col(Inquiry.id) == col(Contribution.inquiry_id))
                        .join(Organisation, col(Organisation.id) == col(Inquiry.organisation_id))
                        .where(col(Contribution.status) == ContributionStatus.requested)).all()
    for contribution, inquiry, organisation in rows:
        due = contribution.due
        late = deadlines.working_days_between(due, today)
        every = max(organisation.chaser_working_days, 1)
        if today == deadlines.working_days_before(due, 1):
            step, subject = "before", f"Påmindelse: bidrag senest i morgen ({_date(due)})"
        elif today == due:
            step, subject = "today", f"Påmindelse: bidrag senest i dag ({_date(due)})"
        elif late > 0 and late % every == 0:
            step, subject = f"chaser-{late // every}", f"Rykker: bidraget skulle have været sendt {_date(due)}"
        else:
            continue
        people: list[User | None] = ([session.get(User, contribution.person_id)] if contribution.person_id
                                     else list(notify.members(session, contribution.unit_id)))
        chaser = late // every if late > 0 else 0
        unit = session.get(Unit, contribution.unit_id)
        if chaser > ESCALATE_AFTER and unit is not None and unit.lead_id is not None:
            people.append(session.get(User, unit.lead_id))  # escalated: the lead is told as well
        link = f"/bidrag/anmodning/{contribution.id}"
        for person in {p.id: p for p in people if p is not None and p.is_active}.values():
            escalated = unit is not None and person.id == unit.lead_id and chaser > ESCALATE_AFTER
            lines = [f"Bidraget til “{inquiry.title}” skal sendes senest {_date(due)}." if late <= 0 else
                     f"Bidraget til “{inquiry.title}” skulle have været sendt {_date(due)} og er ikke kommet."]
            if escalated and unit is not None:
                lines.append(f"Du får denne mail som leder af {unit.name}: bidraget er rykket {chaser - 1} gange.")
            notify.send(session, "contribution.reminder", f"{contribution.id}:{due.isoformat()}:{step}", person,
                        subject, lines, notify.url(link), organisation_id=inquiry.organisation_id)


_DRAFTING = (states.S.allocated, states.S.drafting, states.S.awaiting_contributions)


def _draft_due(session: Session, today: date) -> None:
    """On the internal day the answer should be with the approver, to its drafter if it is not."""
    for inquiry in session.exec(select(Inquiry).where(col(Inquiry.state).in_(_DRAFTING), col(Inquiry.drafter_id).is_not(None),
                                                      col(Inquiry.deadline) >= today)).all():
        if deadlines.working_days_before(inquiry.deadline, deadlines.DRAFT_READY_WORKING_DAYS) != today:
            continue
        drafter = session.get(User, inquiry.drafter_id)
        if drafter is not None and drafter.is_active:
            notify.send(session, "draft.due", f"{inquiry.id}:{inquiry.deadline.isoformat()}", drafter,
                        f"Svaret skal til godkendelse i dag: {inquiry.title}",
                        [f"Svaret på “{inquiry.title}” skal sendes til godkendelse i dag; fristen er {_date(inquiry.deadline)}."],
                        notify.url(f"/henvendelser/{inquiry.id}"), organisation_id=inquiry.organisation_id)


def _approval_waiting(session: Session, today: date) -> None:
    """A letter submitted a working day ago or more, and not yet decided: once, to the approvers of its organisation."""
    submitted = (select(col(AuditEntry.letter_id), func.max(col(AuditEntry.at)))
                 .where(col(AuditEntry.action) == "letter.submit").group_by(col(AuditEntry.letter_id)).subquery())
    rows = session.exec(select(Letter, Inquiry, submitted.c[1]).join(submitted, submitted.c[0] == col(Letter.id))
                        .join(Inquiry, col(Inquiry.id) == col(Letter.inquiry_id))
                        .where(col(Letter.status) == LetterStatus.submitted)).all()
    for letter, inquiry, at in rows:
        if deadlines.working_days_between(at.astimezone(_DK).date(), today) < 1:
            continue
        for approver in structure.members(session, frozenset({inquiry.organisation_id}), policy.roles_for(Action.approve)):
            if not approver.is_active:
                continue
            notify.send(session, "approval.waiting", f"{letter.id}:{letter.version}", approver,
                        f"Venter på din godkendelse: {letter.title}",
                        [f"Brevet “{letter.title}” har ventet på godkendelse siden {_date(at.astimezone(_DK).date())}. "
                         f"Fristen er {_date(inquiry.deadline)}."],
                        notify.url(f"/godkendelse/{letter.id}"), organisation_id=inquiry.organisation_id)


def _digest(session: Session, today: date) -> None:
    """Each user's own queue at 06:30: due today, overdue, waiting for them; nothing when there is nothing."""
    # The sweep comes every few minutes all day: those who have today's digest are not looked at again.
    done = {key.rsplit(":", 1)[1] for key in session.exec(
        select(col(OutboxMessage.key)).where(col(OutboxMessage.key).startswith(f"digest:{today.isoformat()}:")))}
    for user in session.exec(select(User).where(col(User.is_active), col(User.email).is_not(None))).all():
        if str(user.id) in done:
            continue
        who = policy.access(session, user)
        mine = session.exec(select(Inquiry).where(col(Inquiry.drafter_id) == user.id,
                                                  col(Inquiry.state).in_(sorted(states.OPEN)),
                                                  col(Inquiry.deadline) <= today).order_by(col(Inquiry.deadline))).all()
        asked = session.exec(select(Contribution).where(
            col(Contribution.status) == ContributionStatus.requested,
            or_(col(Contribution.unit_id).in_(sorted(who.units)), col(Contribution.person_id) == user.id))).all()
        approving = policy.where(who, Action.approve) or frozenset()
        to_approve = session.exec(select(Letter).join(Inquiry, col(Inquiry.id) == col(Letter.inquiry_id)).where(
            col(Letter.status) == LetterStatus.submitted,
            col(Inquiry.organisation_id).in_(sorted(approving)))).all() if approving else []
        lines = [*(f"{'Frist i dag' if i.deadline == today else 'Overskredet siden ' + _date(i.deadline)}: {i.title}"
                   for i in mine),
                 *(f"Bidrag ønskes senest {_date(c.due)}{' (overskredet)' if c.due < today else ''}: "
                   f"{stored(session, Inquiry, c.inquiry_id).title}" for c in asked),
                 *(f"Til godkendelse hos dig: {letter.title}" for letter in to_approve)]
        if not lines:
            continue
        # Filed under the user's first organisation, for its admins to see.
        notify.send(session, "digest", today.isoformat(), user, f"Besvar i dag, {_date(today)}: {len(lines)} at se til",
                    ["Det venter på dig i dag:", *lines], notify.url("/indbakke"),
                    organisation_id=next(iter(sorted(who.roles)), None))


def sweep(engine: Engine, now: datetime) -> None:
    """Add today's reminders and, from 06:30 on a working day, the digest; nothing on weekends and holidays."""
    local = now.astimezone(_DK)
    today = local.date()
    if not deadlines.is_working_day(today):
        return
    with Session(engine) as session:
        _contribution_reminders(session, today)
        _draft_due(session, today)
        _approval_waiting(session, today)
        if local.time() >= DIGEST_AT:
            _digest(session, today)
        session.commit()
