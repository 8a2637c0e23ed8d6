"""The Dutch calendar: local days across midnight in winter and summer time, weeks, quarters and years."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from domain.calendar import (
    as_local,
    at_local,
    day_bounds,
    local,
    local_day,
    month_bounds,
    quarter_bounds,
    quarter_of,
    week_bounds,
    year_bounds,
)


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2026, 12, 31, 22, 59, tzinfo=UTC), date(2026, 12, 31)),  # 23:59 in Amsterdam
        (datetime(2026, 12, 31, 23, 0, tzinfo=UTC), date(2027, 1, 1)),  # midnight in Amsterdam (CET)
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2026, 6, 30, 21, 59, tzinfo=UTC), date(2026, 6, 30)),  # 23:59 in summer time (CEST)
        (datetime(2026, 6, 30, 22, 0, tzinfo=UTC), date(2026, 7, 1)),
    ],
)
def test_the_local_day_of_an_instant_is_the_date_in_amsterdam(instant, day):
    assert local_day(instant) == day


def test_a_naive_datetime_is_no_instant():
    with pytest.raises(ValueError):
        local(datetime(2026, 1, 1, 12, 0))


def test_wall_clock_times_are_read_as_dutch_time():
    assert at_local(date(2027, 1, 1), time(0, 30)) == datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert as_local(datetime(2026, 7, 1, 1, 30)) == datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    aware = datetime(2026, 7, 1, 1, 30, tzinfo=UTC)
    assert as_local(aware) is aware


def test_the_days_the_clocks_change_last_23_and_25_hours():
    start, end = day_bounds(date(2026, 3, 29))  # summer time begins
    assert (end - start).total_seconds() == 23 * 3600
    start, end = day_bounds(date(2026, 10, 25))  # summer time ends
    assert (end - start).total_seconds() == 25 * 3600
    assert start == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)


def test_weeks_run_monday_to_sunday_across_the_year_end():
    assert week_bounds(date(2027, 1, 1)) == (date(2026, 12, 28), date(2027, 1, 3))
    assert week_bounds(date(2026, 12, 28)) == (date(2026, 12, 28), date(2027, 1, 3))


@pytest.mark.parametrize(
    ("quarter", "first", "last"),
    [
        (1, date(2028, 1, 1), date(2028, 3, 31)),
        (2, date(2028, 4, 1), date(2028, 6, 30)),
        (3, date(2028, 7, 1), date(2028, 9, 30)),
        (4, date(2028, 10, 1), date(2028, 12, 31)),
    ],
)
def test_quarter_bounds(quarter, first, last):
    assert quarter_bounds(2028, quarter) == (first, last)
    assert quarter_of(first) == quarter_of(last) == quarter


def test_a_quarter_outside_1_to_4_is_refused():
    with pytest.raises(ValueError):
        quarter_bounds(2026, 5)


def test_year_and_month_bounds():
    assert year_bounds(2026) == (date(2026, 1, 1), date(2026, 12, 31))
    assert month_bounds(date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert month_bounds(date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))
