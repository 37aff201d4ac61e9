"""Timeliness (issue 23): for a period, per organisation, unit, asker or month — received, answered, on time by the
deadline in force when answered and by the original one, working days to answer, interim replies, and the open work.

One query reads the inquiries of the period (only those of the organisations the caller may read) with their first
approved answer and interim reply; a second the deadline changes of those that had any. The figures are counted in
Python from those rows: working days need the Danish calendar, and medians are not SQL both databases share.
"""

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from app.inquiries import deadlines, states
from app.models import Asker, DeadlineChange, Inquiry, InquiryState, Letter, LetterKind, LetterStatus, Organisation, Unit
from app.sql import in_list, table_of, tuples_of

GROUPS = ("organisation", "unit", "asker", "month")
DENMARK = ZoneInfo("Europe/Copenhagen")
ANSWERS = (LetterKind.brev.value, LetterKind.notat.value)
NO_UNIT = "Ikke fordelt"


@dataclass
class Row:
    """One group's figures; shares and working days are None where nothing was answered."""

    group: str
    received: int = 0
    answered: int = 0
    on_time: int = 0  # by the deadline in force when the answer was approved
    on_time_original: int = 0  # by the deadline first set
    interim_replies: int = 0
    interim_on_time: int = 0
    open: int = 0
    overdue: int = 0
    awaiting_contributions: int = 0
    working_days: list[int] = field(default_factory=list, repr=False)

    @property
    def on_time_share(self) -> float | None:
        return round(self.on_time / self.answered, 4) if self.answered else None

    @property
    def on_time_original_share(self) -> float | None:
        return round(self.on_time_original / self.answered, 4) if self.answered else None

    @property
    def median_working_days(self) -> float | None:
        return float(statistics.median(self.working_days)) if self.working_days else None

    @property
    def p90_working_days(self) -> float | None:
        return float(percentile(self.working_days, 90)) if self.working_days else None

    def as_dict(self) -> dict:
        """The row as the API gives it."""
        return {"group": self.group, "received": self.received, "answered": self.answered, "on_time": self.on_time,
                "on_time_share": self.on_time_share, "on_time_original": self.on_time_original,
                "on_time_original_share": self.on_time_original_share, "median_working_days": self.median_working_days,
                "p90_working_days": self.p90_working_days, "interim_replies": self.interim_replies,
                "interim_on_time": self.interim_on_time, "open": self.open, "overdue": self.overdue,
                "awaiting_contributions": self.awaiting_contributions}


@dataclass(frozen=True)
class Report:
    """The period, the rows of every grouping in order, the chosen grouping, and the whole period as one row."""

    start: date
    end: date
    group_by: str
    by: dict[str, list[Row]]
    total: Row
    today: date

    @property
    def rows(self) -> list[Row]:
        return self.by[self.group_by]


@dataclass(frozen=True)
class _Counted:
    """What one inquiry adds to each row it belongs to."""

    answered: bool
    on_time: bool
    on_time_original: bool
    working_days: int | None
    interim: bool
    interim_on_time: bool
    open: bool
    overdue: bool
    awaiting: bool

    def add_to(self, row: Row) -> None:
        row.received += 1
        row.answered += self.answered
        row.on_time += self.on_time
        row.on_time_original += self.on_time_original
        if self.working_days is not None:
            row.working_days.append(self.working_days)
        row.interim_replies += self.interim
        row.interim_on_time += self.interim_on_time
        row.open += self.open
        row.overdue += self.overdue
        row.awaiting_contributions += self.awaiting


def percentile(values: list[int], p: int) -> int:
    """The nearest-rank percentile: the smallest value with at least p % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]


_ANSWERED = (core_select(col(Letter.inquiry_id), func.min(col(Letter.approved_at)).label("at"))
             .where(col(Letter.status) == LetterStatus.approved, col(Letter.kind).in_(ANSWERS))
             .group_by(col(Letter.inquiry_id)).subquery())
_INTERIM = (core_select(col(Letter.inquiry_id), func.min(col(Letter.approved_at)).label("at"))
            .where(col(Letter.status) == LetterStatus.approved, col(Letter.kind) == LetterKind.interim.value)
            .group_by(col(Letter.inquiry_id)).subquery())
_CHANGED = (core_select(col(DeadlineChange.inquiry_id)).group_by(col(DeadlineChange.inquiry_id)).subquery())


def _query(organisations: frozenset[int] | None, start: date, end: date):
    query = (core_select(col(Inquiry.id), col(Inquiry.received_on), col(Inquiry.deadline), col(Inquiry.state),
                         col(Organisation.name), col(Unit.name), col(Asker.name), _ANSWERED.c.at, _INTERIM.c.at,
                         _CHANGED.c.inquiry_id)
             .join(Organisation, col(Organisation.id) == col(Inquiry.organisation_id))
             .join(Asker, col(Asker.id) == col(Inquiry.asker_id))
             .outerjoin(Unit, col(Unit.id) == col(Inquiry.unit_id))
             .outerjoin(_ANSWERED, _ANSWERED.c.inquiry_id == col(Inquiry.id))
             .outerjoin(_INTERIM, _INTERIM.c.inquiry_id == col(Inquiry.id))
             .outerjoin(_CHANGED, _CHANGED.c.inquiry_id == col(Inquiry.id))
             .where(and_(col(Inquiry.received_on) >= start, col(Inquiry.received_on) <= end),
                    col(Inquiry.state).notin_([InquiryState.transferred.value])))
    return query if organisations is None else query.where(col(Inquiry.organisation_id).in_(organisations))


def _changes(session: Session, ids: list[int]) -> dict[int, list[tuple[datetime, date, date]]]:
    """Each changed inquiry's deadline changes, in order: (when, from, to)."""
    out: dict[int, list[tuple[datetime, date, date]]] = defaultdict(list)
    for start in range(0, len(ids), 10_000):  # bounded statements, whatever the period holds
        query = (core_select(col(DeadlineChange.inquiry_id), col(DeadlineChange.at), col(DeadlineChange.from_date),
                             col(DeadlineChange.to_date))
                 .where(in_list(table_of(DeadlineChange).c.inquiry_id, "ids")).order_by(col(DeadlineChange.id)))
        for inquiry_id, at, from_date, to_date in tuples_of(session.execute(query, {"ids": ids[start:start + 10_000]})):
            out[inquiry_id].append((at if at.tzinfo else at.replace(tzinfo=UTC), from_date, to_date))
    return out


def _in_force(deadline: date, changes: list[tuple[datetime, date, date]], when: datetime) -> tuple[date, date]:
    """The deadline first set, and the one in force at `when` (the last change made by then)."""
    if not changes:
        return deadline, deadline
    original = changes[0][1]
    current = original
    for at, _from, to in changes:
        if at <= when:
            current = to
    return original, current


def _danish(at: datetime) -> date:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(DENMARK).date()


def build(session: Session, *, organisations: frozenset[int] | None, start: date, end: date, group_by: str,
          today: date | None = None) -> Report:
    """The timeliness of the inquiries received in [start, end] in these organisations (None: all), every grouping
    counted in one pass over one read of the rows."""
    today = today or deadlines.today()
    rows = list(tuples_of(session.execute(_query(organisations, start, end))))
    changes = _changes(session, [r[0] for r in rows if r[9] is not None])
    groups: dict[str, dict[str, Row]] = {g: {} for g in GROUPS}
    total = Row(group="I alt")
    days: dict[tuple[date, date], int] = {}  # most answers share a (received, answered) pair with others
    for (inquiry_id, received_on, deadline, state, org_name, unit_name, asker_name, answered_at, interim_at,
         _changed) in rows:
        counted = _count(received_on, deadline, state, answered_at, interim_at, changes.get(inquiry_id, []), today, days)
        counted.add_to(total)
        for grouping, key in (("organisation", org_name), ("unit", unit_name or NO_UNIT), ("asker", asker_name),
                              ("month", received_on.strftime("%Y-%m"))):
            row = groups[grouping].get(key)
            if row is None:
                row = groups[grouping][key] = Row(group=key)
            counted.add_to(row)
    by = {g: sorted(found.values(), key=lambda r: r.group) for g, found in groups.items()}
    return Report(start=start, end=end, group_by=group_by, by=by, total=total, today=today)


def _count(received_on: date, deadline: date, state: str, answered_at: datetime | None, interim_at: datetime | None,
           changes: list[tuple[datetime, date, date]], today: date, days: dict[tuple[date, date], int]) -> _Counted:
    answered = on_time = on_time_original = is_open = overdue = awaiting = interim_on_time = False
    working_days = None
    if answered_at is not None:
        answered_on = _danish(answered_at)
        original, in_force = _in_force(deadline, changes, answered_at)
        answered, on_time, on_time_original = True, answered_on <= in_force, answered_on <= original
        if (pair := (received_on, answered_on)) not in days:
            days[pair] = max(0, deadlines.working_days_between(received_on, answered_on))
        working_days = days[pair]
    elif InquiryState(state) in states.OPEN:
        is_open, overdue, awaiting = True, deadline < today, state == InquiryState.awaiting_contributions
    if interim_at is not None:
        interim_on_time = _danish(interim_at) <= _in_force(deadline, changes, interim_at)[1]
    return _Counted(answered, on_time, on_time_original, working_days, interim_at is not None, interim_on_time,
                    is_open, overdue, awaiting)


DISTRIBUTION = ((0, 5), (6, 10), (11, 15), (16, 20), (21, 30), (31, None))  # working days, as the chart bins them


def distribution(row: Row) -> list[tuple[str, int]]:
    """How many answers took how many working days, in the bins of DISTRIBUTION."""
    out = []
    for low, high in DISTRIBUTION:
        label = f"{low}–{high}" if high is not None else f"{low}+"
        out.append((label, sum(1 for d in row.working_days if d >= low and (high is None or d <= high))))
    return out


def table(report: Report) -> Iterable[Row]:
    """The rows and then the total, as the page, CSV and XLSX list them."""
    yield from report.rows
    yield report.total
