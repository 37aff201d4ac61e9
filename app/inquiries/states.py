"""The inquiry's states and the moves between them: the one place that decides which states exist, which
move leads where, and who may make it (asked of the policy). Every move is one audit entry.

    ny ──allocate──▶ fordelt ──draft──▶ under_udarbejdelse ──submit──▶ til_godkendelse ──approve──▶ besvaret
     ▲                 │ hand_back         │ ▲ ask / contributions_in      │ return               │ reopen
     └─────────────────┘                   ▼ │                             ▼                      ▼
                                        afventer_bidrag            under_udarbejdelse    under_udarbejdelse
    any open state ──transfer──▶ overdraget (in the receiving organisation's Ufordelte) ──allocate──▶ fordelt
    any open state ──decline──▶ afvist

A move is a conditional UPDATE on the state it starts from, so two people making moves at once make one,
and the other gets 409, as letters' transitions do. The coarse `status` of API v1 follows the state.
"""

from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from app import policy
from app.audit import service as audit
from app.errors import Conflict, Forbidden
from app.models import Inquiry, InquiryState, InquiryStatus, User
from app.policy import Action

S = InquiryState


class Move(StrEnum):
    allocate = "allocate"  # to a unit and/or a person, or to another of them
    hand_back = "hand_back"  # the assignee: not mine ("ikke mit område")
    draft = "draft"  # an answer is started
    ask = "ask"  # contributions are asked of other units
    contributions_in = "contributions_in"  # the last open contribution is answered or cancelled
    submit = "submit"  # the answer goes to the approver
    return_ = "return"  # the approver sends it back
    approve = "approve"  # the answer is approved
    reopen = "reopen"  # an approved answer is corrected
    transfer = "transfer"  # to another organisation of the municipality
    decline = "decline"  # answered that it will not be answered


OPEN: frozenset[InquiryState] = frozenset(S) - {S.answered, S.declined}
_WORKING = (S.drafting, S.awaiting_contributions)
_LATER = (S.awaiting_approval, S.answered, S.declined)


def _stay(*states: InquiryState) -> dict[InquiryState, InquiryState]:
    return {s: s for s in states}


# Which state each move leads to from each state it may start from; a move from any other state is refused (409).
TRANSITIONS: dict[Move, dict[InquiryState, InquiryState]] = {
    Move.allocate: {S.new: S.allocated, S.transferred: S.allocated, S.allocated: S.allocated,
                    **_stay(*_WORKING, S.awaiting_approval)},
    Move.hand_back: {S.allocated: S.new, **_stay(*_WORKING)},
    # A second letter (answers split in two, or the short letter of a decline) leaves a later state as it is.
    Move.draft: {S.new: S.drafting, S.allocated: S.drafting, S.transferred: S.drafting, **_stay(*_WORKING, *_LATER)},
    Move.ask: {**dict.fromkeys((S.new, S.allocated, *_WORKING), S.awaiting_contributions), **_stay(S.awaiting_approval)},
    Move.contributions_in: {S.awaiting_contributions: S.drafting, **_stay(*(OPEN - {S.awaiting_contributions}))},
    Move.submit: {**dict.fromkeys(_WORKING, S.awaiting_approval), **_stay(*_LATER)},
    Move.return_: {S.awaiting_approval: S.drafting, **_stay(*_WORKING, S.answered, S.declined)},
    Move.approve: {S.awaiting_approval: S.answered, **_stay(S.answered, S.declined)},
    Move.reopen: {S.answered: S.drafting, **_stay(S.declined)},
    Move.transfer: dict.fromkeys(OPEN, S.transferred),
    Move.decline: dict.fromkeys(OPEN, S.declined),
}

# What the policy must allow in the inquiry's organisation to make each move. Allocation is also the unit
# lead's (policy.may_allocate), and handing back is the assignee's alone.
WHO: dict[Move, Action] = {
    Move.allocate: Action.allocate, Move.hand_back: Action.read, Move.draft: Action.draft, Move.ask: Action.draft,
    Move.contributions_in: Action.read, Move.submit: Action.draft, Move.return_: Action.approve,
    Move.approve: Action.approve, Move.reopen: Action.draft, Move.transfer: Action.allocate,
    Move.decline: Action.allocate,
}

STATUS: dict[InquiryState, InquiryStatus] = {
    S.new: InquiryStatus.new, S.allocated: InquiryStatus.new, S.transferred: InquiryStatus.new,
    S.drafting: InquiryStatus.drafting, S.awaiting_contributions: InquiryStatus.drafting,
    S.awaiting_approval: InquiryStatus.drafting, S.answered: InquiryStatus.answered, S.declined: InquiryStatus.closed,
}
# A bank file's status, as the state it starts in.
FROM_STATUS: dict[InquiryStatus, InquiryState] = {
    InquiryStatus.new: S.new, InquiryStatus.drafting: S.drafting, InquiryStatus.answered: S.answered,
    InquiryStatus.closed: S.declined,
}

LABELS: dict[InquiryState, str] = {
    S.new: "Ny", S.allocated: "Fordelt", S.drafting: "Under udarbejdelse", S.awaiting_contributions: "Afventer bidrag",
    S.awaiting_approval: "Til godkendelse", S.answered: "Besvaret", S.transferred: "Overdraget", S.declined: "Afvist",
}


def target(move: Move, state: str) -> InquiryState | None:
    """Where `move` leads from `state`, or None if it may not be made from there."""
    return TRANSITIONS[move].get(InquiryState(state))


def allowed(who: policy.Access, move: Move, inquiry: Inquiry) -> bool:
    """Whether `who` may make `move` on the inquiry now (its state and their role), e.g. to show a button."""
    return target(move, inquiry.state) is not None and _permitted(who, move, inquiry)


def _permitted(who: policy.Access, move: Move, inquiry: Inquiry) -> bool:
    if move == Move.allocate:
        return policy.may_allocate(who, inquiry.organisation_id, inquiry.unit_id)
    if move == Move.hand_back:
        return who.user_id is not None and who.user_id == inquiry.drafter_id and policy.may(who, Action.read, inquiry.organisation_id)
    return policy.may(who, WHO[move], inquiry.organisation_id)


def require(session: Session, user: User | None, move: Move, inquiry: Inquiry) -> None:
    """403 unless the user may make `move` on the inquiry, whatever its state (asked before anything else, so
    that someone without the right learns nothing of the state)."""
    if _permitted(policy.access(session, user), move, inquiry):
        return
    if move == Move.hand_back:
        raise Forbidden("only the inquiry's assignee hands it back")
    if move == Move.allocate:
        raise Forbidden("requires role " + " or ".join(sorted(policy.roles_for(Action.allocate)))
                        + " in the organisation, or leading the inquiry's unit")
    raise Forbidden(f"requires role {' or '.join(sorted(policy.roles_for(WHO[move])))} in the organisation")


def make(session: Session, inquiry: Inquiry, move: Move, *, user: User | None, detail: dict | None = None,
         values: dict | None = None, checked: bool = True) -> InquiryState:
    """Make `move` (not committed): check state and permission, update the row from the state it was in, with
    `values` beside, and record it. `checked=False` when the caller has asked the policy already (a letter's
    own transition did). 403 first (require), then 409 if the move cannot be made from the state, or another
    move came first."""
    if checked:
        require(session, user, move, inquiry)
    before = InquiryState(inquiry.state)
    after = target(move, before)
    if after is None:
        raise Conflict(f"the inquiry is {before.value}; it cannot be {_PAST[move]} now")
    changes = {"state": after, "status": STATUS[after], **(values or {})}
    result = session.exec(update(Inquiry).where(col(Inquiry.id) == inquiry.id, col(Inquiry.state) == before)
                          .values(**changes).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.rollback()
        raise Conflict("the inquiry was changed by someone else meanwhile; reload it")
    for name, value in changes.items():
        set_committed_value(inquiry, name, value)  # as stored: nothing more to flush
    if before != after or move in _ALWAYS_RECORDED:
        audit.record(session, actor=user.username if user else "system", action=f"inquiry.{move.value}",
                     inquiry_id=inquiry.id, detail={"from": before.value, "to": after.value, **(detail or {})})
    return after


# Moves recorded even when the state stays; the others then are a letter's, which its own entry records.
_ALWAYS_RECORDED = frozenset({Move.allocate, Move.hand_back, Move.transfer, Move.decline})

_PAST: dict[Move, str] = {
    Move.allocate: "allocated", Move.hand_back: "handed back", Move.draft: "drafted", Move.ask: "sent for contributions",
    Move.contributions_in: "resumed", Move.submit: "submitted", Move.return_: "returned", Move.approve: "approved",
    Move.reopen: "reopened", Move.transfer: "transferred", Move.decline: "declined",
}
