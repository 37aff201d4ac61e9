"""The work queues of the start page and of GET /api/v1/inquiries?queue=: what each one holds, and their counts."""

from datetime import date
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, false, func, or_, true
from sqlalchemy import select as core_select
from sqlmodel import Session

from app import policy
from app.inquiries import deadlines, states
from app.models import Inquiry, InquiryState, User
from app.policy import Access, Action
from app.sql import table_of, tuples_of

_I = table_of(Inquiry).c

# "Frist inden for 3 arbejdsdage": open inquiries due within this many working days from today.
DUE_SOON_WORKING_DAYS = 3


class Queue(StrEnum):
    mine = "mine"
    team = "team"
    unassigned = "unassigned"
    awaiting_contributions = "awaiting_contributions"
    to_approve = "to_approve"
    overdue = "overdue"
    due_soon = "due_soon"


LABELS: dict[Queue, str] = {
    Queue.mine: "Mine", Queue.team: "Mit team", Queue.unassigned: "Ufordelte",
    Queue.awaiting_contributions: "Afventer bidrag", Queue.to_approve: "Til godkendelse hos mig",
    Queue.overdue: "Overskredet", Queue.due_soon: f"Frist inden for {DUE_SOON_WORKING_DAYS} arbejdsdage",
}


def _in(ids: frozenset[int] | None, column) -> ColumnElement[bool]:
    return true() if ids is None else column.in_(sorted(ids)) if ids else false()


def condition(queue: Queue, who: Access, today: date) -> ColumnElement[bool]:
    """What puts an inquiry in `queue` for `who` (within what they may read, which the caller adds)."""
    is_open = _I.state.in_(sorted(states.OPEN))
    if queue == Queue.mine:
        return and_(is_open, _I.drafter_id == who.user_id) if who.user_id is not None else false()
    if queue == Queue.team:
        return and_(is_open, _in(None if who.everything else who.units, _I.unit_id))
    if queue == Queue.unassigned:
        # Those the user may allocate: the secretariat's organisations, and the teams they lead.
        allocatable = policy.where(who, Action.allocate)
        scope = true() if allocatable is None else or_(_in(allocatable, _I.organisation_id), _in(who.leads, _I.unit_id))
        return and_(is_open, _I.drafter_id.is_(None), scope)
    if queue == Queue.awaiting_contributions:
        return _I.state == InquiryState.awaiting_contributions
    if queue == Queue.to_approve:
        return and_(_I.state == InquiryState.awaiting_approval, _in(policy.where(who, Action.approve), _I.organisation_id))
    if queue == Queue.overdue:
        return and_(is_open, _I.deadline < today)
    soon = deadlines.add_working_days(today, DUE_SOON_WORKING_DAYS)
    return and_(is_open, _I.deadline >= today, _I.deadline <= soon)


def counts(session: Session, *, user: User | None, today: date | None = None) -> dict[Queue, int]:
    """How many inquiries each queue holds for the user, in one query."""
    today = today or deadlines.today()
    who = policy.access(session, user)
    readable = policy.readable(who)
    query = core_select(*(func.coalesce(func.sum(case((condition(q, who, today), 1), else_=0)), 0) for q in Queue))
    query = query.select_from(table_of(Inquiry))
    if readable is not None:
        query = query.where(_I.organisation_id.in_(sorted(readable)) if readable else false())
    row = next(iter(tuples_of(session.execute(query))))
    return {q: int(n) for q, n in zip(Queue, row, strict=True)}
