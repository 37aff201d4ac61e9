"""Answer deadlines in Danish working days."""

from bisect import bisect_right
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# Besides the public holidays, municipal offices close on Christmas Eve and New Year's
# Eve (the municipal working-time agreement), so a deadline never falls on them.
_CLOSED_OPTIONAL = {(12, 24), (12, 31)}


@lru_cache(maxsize=64)
def _closed_days(year: int) -> frozenset[date]:
    days = set(holidays.Denmark(years=year))
    days.update(date(year, month, day) for month, day in _CLOSED_OPTIONAL)
    return frozenset(days)


# The internal deadline ahead of the external one: the draft is ready for approval this many working days before.
DRAFT_READY_WORKING_DAYS = 2


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Danish public holiday (Store bededag only until 2023)."""
    return day.weekday() < 5 and day not in _closed_days(day.year)


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (the day received does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_before(end: date, days: int) -> date:
    """The working day `days` working days before `end` (an internal deadline ahead of the external one)."""
    current = end
    remaining = days
    while remaining > 0:
        current -= timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is earlier."""
    if end < start:
        return -working_days_between(end, start)
    # Counted, not walked: the inbox asks this for every row, often across years.
    weeks, rest = divmod((end - start).days, 7)
    weekdays = weeks * 5 + sum(1 for n in range(1, rest + 1) if (start.weekday() + n) % 7 < 5)
    closed = _closed_weekdays(start.year, end.year)
    return weekdays - (bisect_right(closed, end) - bisect_right(closed, start))


@lru_cache(maxsize=64)
def _closed_weekdays(first_year: int, last_year: int) -> tuple[date, ...]:
    """The closed days from Monday to Friday of these years, in order (for bisecting)."""
    return tuple(sorted(day for year in range(first_year, last_year + 1) for day in _closed_days(year) if day.weekday() < 5))


def today() -> date:
    """Today's date in Denmark, whatever the server's time zone."""
    return datetime.now(ZoneInfo("Europe/Copenhagen")).date()
