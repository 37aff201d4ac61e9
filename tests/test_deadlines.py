"""Deadlines in Danish working days."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.inquiries.deadlines import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize(
    ("received", "days", "deadline"),
    [
        # Easter 2024: Maundy Thursday 28/3, Good Friday 29/3, Easter Monday 1/4.
        (date(2024, 3, 26), 2, date(2024, 4, 2)),
        (date(2024, 3, 22), 10, date(2024, 4, 10)),
        # Christmas 2024: 24/12 (offices closed), 25/12, 26/12, 31/12, 1/1.
        (date(2024, 12, 20), 1, date(2024, 12, 23)),
        (date(2024, 12, 20), 2, date(2024, 12, 27)),
        (date(2024, 12, 20), 10, date(2025, 1, 10)),
        # Store bededag: a holiday in 2023 (5 May), abolished from 2024 (26 April is a working day).
        (date(2023, 5, 4), 1, date(2023, 5, 8)),
        (date(2024, 4, 25), 1, date(2024, 4, 26)),
        # The Copenhagen seed: received Thursday 11 May 2023, Ascension Day 18 May.
        (date(2023, 5, 11), 10, date(2023, 5, 26)),
        # Received on a Saturday: counting starts Monday.
        (date(2023, 5, 13), 1, date(2023, 5, 15)),
        (date(2023, 5, 11), 0, date(2023, 5, 11)),
    ],
)
def test_add_working_days(received, days, deadline):
    assert add_working_days(received, days) == deadline


def test_holidays_and_weekends():
    assert not is_working_day(date(2024, 3, 29))  # Good Friday
    assert not is_working_day(date(2023, 5, 5))  # Store bededag 2023
    assert is_working_day(date(2024, 4, 26))  # Store bededag's Friday in 2024
    assert not is_working_day(date(2024, 12, 24))
    assert not is_working_day(date(2024, 12, 28))  # Saturday
    assert is_working_day(date(2024, 12, 27))


def test_working_days_between_is_signed():
    assert working_days_between(date(2024, 12, 20), date(2025, 1, 10)) == 10
    assert working_days_between(date(2025, 1, 10), date(2024, 12, 20)) == -10
    assert working_days_between(date(2024, 12, 20), date(2024, 12, 20)) == 0


@settings(max_examples=300, derandomize=True, database=None)
@given(start=st.dates(date(2000, 1, 1), date(2040, 12, 31)), span=st.integers(-1200, 1200))
def test_counting_matches_walking_day_by_day(start, span):
    end = start + timedelta(days=span)
    lo, hi = min(start, end), max(start, end)
    walked = sum(1 for n in range(1, (hi - lo).days + 1) if is_working_day(lo + timedelta(days=n)))
    assert working_days_between(start, end) == (walked if end >= start else -walked)
    if span > 0:
        assert working_days_between(start, add_working_days(start, walked or 1)) == (walked or 1)
