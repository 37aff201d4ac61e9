"""Who holds an inquiry and by when: allocate, hand back, transfer, extend. Each is one workflow step.
(Declining is an answer, so it is the letters stage's: app.letters.service.decline.)

The moves themselves (states, who may make them) are app.inquiries.states'; this module finds the unit,
person or organisation a move names and refuses what does not fit.
"""

from sqlalchemy import update
from sqlmodel import Session, col, select

from app import policy
from app.audit import service as audit
from app.coordination.schemas import AllocateIn, ExtendIn, ReasonIn, TransferIn
from app.db import stored
from app.errors import Conflict, Invalid
from app.inquiries import deadlines, states
from app.inquiries import service as inquiry_service
from app.inquiries.schemas import InquiryOut
from app.inquiries.states import Move
from app.mail import notify
from app.models import DeadlineChange, Inquiry, InquiryState, Membership, Organisation, Unit, User
from app.policy import Action


def _view(session: Session, inquiry_id: int) -> InquiryOut:
    return inquiry_service.views(session, [inquiry_id])[0]


def _unit(session: Session, key: str, inquiry: Inquiry) -> Unit:
    unit = session.exec(select(Unit).where(col(Unit.key) == key)).first()
    # Another organisation's unit is as unknown as one that does not exist.
    if unit is None or unit.organisation_id != inquiry.organisation_id:
        raise Invalid(f"no unit {key!r} in the inquiry's organisation", field="unit")
    return unit


def _drafting_units(session: Session, username: str, inquiry: Inquiry) -> tuple[User, list[int]]:
    """The active user named and the units of the inquiry's organisation where they draft; 422 if none."""
    rows = session.exec(
        select(User, col(Unit.id)).join(Membership, col(Membership.user_id) == col(User.id))
        .join(Unit, col(Unit.id) == col(Membership.unit_id))
        .where(col(User.username) == username, col(User.is_active), col(Unit.organisation_id) == inquiry.organisation_id,
               col(Membership.role).in_(sorted(policy.roles_for(Action.draft)))).order_by(col(Unit.id))).all()
    if not rows:
        raise Invalid(f"no one named {username!r} drafts in the inquiry's organisation", field="assignee")
    return rows[0][0], [unit_id for _user, unit_id in rows]


def _drafts_in(session: Session, user_id: int, unit_id: int) -> bool:
    return session.exec(select(col(Membership.id)).where(
        col(Membership.user_id) == user_id, col(Membership.unit_id) == unit_id,
        col(Membership.role).in_(sorted(policy.roles_for(Action.draft))))).first() is not None


def allocate(session: Session, *, inquiry_id: int, data: AllocateIn, user: User | None) -> InquiryOut:
    """Allocate to a unit and/or a person in it; a change of an allocation needs a reason."""
    inquiry = inquiry_service.load(session, inquiry_id, user=user)
    states.require(session, user, Move.allocate, inquiry)
    if data.unit is None and data.assignee is None:
        raise Invalid("name a unit, an assignee or both", field="unit")
    unit = _unit(session, data.unit, inquiry) if data.unit else None
    assignee: User | None = None
    if data.assignee is not None:
        assignee, units = _drafting_units(session, data.assignee, inquiry)
        if unit is not None and unit.id not in units:
            raise Invalid(f"{data.assignee!r} does not draft in unit {unit.key!r}", field="assignee")
        unit = unit or stored(session, Unit, units[0])
    assert unit is not None
    # A unit without a named person: whoever holds it keeps it if they draft in that unit, else no one does.
    drafter_id = assignee.id if assignee else (
        inquiry.drafter_id if inquiry.drafter_id is not None and _drafts_in(session, inquiry.drafter_id, unit.id) else None)
    if (unit.id, drafter_id) == (inquiry.unit_id, inquiry.drafter_id):
        return _view(session, inquiry_id)  # as it is already: nothing to record
    if (inquiry.unit_id is not None or inquiry.drafter_id is not None) and not data.reason:
        raise Invalid("say why the allocation changes (reason)", field="reason")
    before = _names(session, inquiry.unit_id, inquiry.drafter_id)
    states.make(session, inquiry, Move.allocate, user=user, values={"unit_id": unit.id, "drafter_id": drafter_id},
                detail={"before": before, "after": _names(session, unit.id, drafter_id), "reason": data.reason})
    if drafter_id is None or user is None or drafter_id != user.id:  # no mail to oneself
        notify.allocated(session, inquiry)
    session.commit()
    return _view(session, inquiry_id)


def _names(session: Session, unit_id: int | None, user_id: int | None) -> dict[str, str | None]:
    """The unit key and username, as the history shows an allocation."""
    unit = session.get(Unit, unit_id) if unit_id else None
    person = session.get(User, user_id) if user_id else None
    return {"unit": unit.key if unit else None, "assignee": person.username if person else None}


def hand_back(session: Session, *, inquiry_id: int, data: ReasonIn, user: User) -> InquiryOut:
    """The assignee says it is not theirs: it goes back to Ufordelte, unit and person cleared, with the reason."""
    inquiry = inquiry_service.load(session, inquiry_id, user=user)
    before = _names(session, inquiry.unit_id, inquiry.drafter_id)
    states.make(session, inquiry, Move.hand_back, user=user, values={"unit_id": None, "drafter_id": None},
                detail={"before": before, "reason": data.reason})
    session.commit()
    return _view(session, inquiry_id)


def transfer(session: Session, *, inquiry_id: int, data: TransferIn, user: User | None) -> InquiryOut:
    """Hand the inquiry to another organisation of the municipality: it arrives there unallocated, its history
    with it; the former organisation no longer reaches it (unless the municipality shares inquiries)."""
    inquiry = inquiry_service.load(session, inquiry_id, user=user)
    states.require(session, user, Move.transfer, inquiry)
    source = stored(session, Organisation, inquiry.organisation_id)
    target = session.exec(select(Organisation).where(col(Organisation.key) == data.organisation)).first()
    if target is None or target.municipality_id != source.municipality_id:
        raise Invalid(f"no organisation {data.organisation!r} in the municipality", field="organisation")
    if target.id == source.id:
        raise Invalid("the inquiry is this organisation's already", field="organisation")
    if inquiry.state == InquiryState.awaiting_approval:
        raise Conflict("a letter of this inquiry awaits approval: return it before transferring the inquiry")
    states.make(session, inquiry, Move.transfer, user=user,
                values={"organisation_id": target.id, "unit_id": None, "drafter_id": None},
                detail={"from_organisation": source.key, "to_organisation": target.key, "reason": data.reason})
    # Drafts go along; submitting one asks for a signatory of the receiving organisation (letters.signatories).
    session.commit()
    return _view(session, inquiry_id)


def extend(session: Session, *, inquiry_id: int, data: ExtendIn, user: User | None) -> InquiryOut:
    """Move the external deadline, with a reason; the history keeps from, to, reason, who and when."""
    inquiry = inquiry_service.load(session, inquiry_id, user=user)
    # Whoever may allocate it may move its deadline.
    states.require(session, user, Move.allocate, inquiry)
    if inquiry.state not in states.OPEN:
        raise Conflict(f"the inquiry is {inquiry.state}; only an open inquiry's deadline is moved")
    today = deadlines.today()
    if data.deadline < today:
        raise Invalid(f"the new deadline {data.deadline} is before today ({today})", field="deadline")
    if data.deadline == inquiry.deadline:
        raise Invalid(f"the deadline is {data.deadline} already", field="deadline")
    if not deadlines.is_working_day(data.deadline):
        raise Invalid(f"{data.deadline} is not a working day (a weekend or a public holiday)", field="deadline")
    before = inquiry.deadline
    result = session.exec(update(Inquiry).where(col(Inquiry.id) == inquiry_id, col(Inquiry.deadline) == before)
                          .values(deadline=data.deadline))
    if result.rowcount != 1:
        session.rollback()
        raise Conflict("the deadline was changed by someone else meanwhile; reload it")
    actor = user.username if user else "system"
    session.add(DeadlineChange(inquiry_id=inquiry_id, from_date=before, to_date=data.deadline, reason=data.reason, actor=actor))
    audit.record(session, actor=actor, action="inquiry.extend", inquiry_id=inquiry_id,
                 detail={"from": before.isoformat(), "to": data.deadline.isoformat(), "reason": data.reason})
    session.commit()
    return _view(session, inquiry_id)



def remind(session: Session, *, inquiry_id: int, user: User | None) -> int:
    """Mail a reminder to whoever holds an open inquiry's work now: its assignee and those asked for contributions."""
    inquiry = inquiry_service.load(session, inquiry_id, user=user)
    states.require(session, user, Move.allocate, inquiry)  # the secretariat's, as allocation is
    if inquiry.state not in states.OPEN:
        raise Conflict(f"the inquiry is {inquiry.state}; only an open inquiry's people are reminded")
    sent = notify.reminded(session, inquiry, by=user)
    if not sent:
        raise Invalid("no one to remind: no assignee and no open contribution with an e-mail address", field="inquiry")
    audit.record(session, actor=user.username if user else "system", action="inquiry.remind", inquiry_id=inquiry.id,
                 detail={"recipients": sent})
    session.commit()
    return sent
