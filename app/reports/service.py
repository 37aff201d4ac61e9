"""Who sees which timeliness (issue 23): the organisations the policy lets the caller oversee, a bounded period."""

from datetime import date

from sqlmodel import Session

from app.errors import Forbidden, Invalid
from app.inquiries import deadlines
from app.models import User
from app.policy import Action, access, may, where
from app.reports import timeliness

MAX_DAYS = 366 * 10  # a period of up to ten years: the rows read grow with it


def report_for(session: Session, user: User | None, *, start: date | None, end: date | None, group_by: str,
               today: date | None = None) -> timeliness.Report:
    """The report for the caller's organisations; 403 for a role that does not oversee, 422 for a bad period."""
    who = access(session, user)
    if not may(who, Action.oversee):
        raise Forbidden("requires role approver, admin or viewer in one of your units")
    today = today or deadlines.today()
    start = start or date(today.year, 1, 1)
    end = end or today
    if end < start:
        raise Invalid("'to' is before 'from'", field="to")
    if (end - start).days > MAX_DAYS:
        raise Invalid(f"a period is at most {MAX_DAYS} days", field="from")
    return timeliness.build(session, organisations=where(who, Action.oversee), start=start, end=end, group_by=group_by,
                            today=today)
