"""Periods compared over time: the previous period of the same kind and the same period a year earlier, for
months, quarters, years, ISO weeks and any range of days, across 1 January, leap days and week 53."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.calendar import add_months, add_years
from domain.periods import (
    Comparison,
    Kind,
    Quarter,
    Span,
    compare,
    finished_quarters,
    iso_weeks,
    kind,
    previous,
    up_to,
    year_earlier,
)


def span(first: str, last: str) -> Span:
    return Span(date.fromisoformat(first), date.fromisoformat(last))


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2026-03-01", "2026-03-31", Kind.MONTHS),
        ("2026-04-01", "2026-06-30", Kind.MONTHS),  # a quarter
        ("2026-01-01", "2026-12-31", Kind.MONTHS),  # a year
        ("2024-02-01", "2024-02-29", Kind.MONTHS),  # a leap February
        ("2027-02-01", "2027-02-28", Kind.MONTHS),  # Monday to Sunday as well: a month first
        ("2026-06-08", "2026-06-14", Kind.WEEKS),  # Monday to Sunday
        ("2026-12-28", "2027-01-10", Kind.WEEKS),  # two weeks across 1 January
        ("2026-06-10", "2026-06-10", Kind.DAYS),
        ("2025-06-11", "2026-06-10", Kind.DAYS),  # the dashboard's twelve months up to today
        ("2026-03-01", "2026-03-30", Kind.DAYS),  # not to the month's end
    ],
)
def test_the_kind_of_a_period_follows_its_bounds(first, last, expected):
    assert kind(span(first, last)) == expected


@pytest.mark.parametrize(
    ("first", "last", "before", "a_year_before"),
    [
        # a month, and January before 1 January
        ("2026-03-01", "2026-03-31", ("2026-02-01", "2026-02-28"), ("2025-03-01", "2025-03-31")),
        ("2026-01-01", "2026-01-31", ("2025-12-01", "2025-12-31"), ("2025-01-01", "2025-01-31")),
        # a leap February: the month before is January; a year before ends on the 28th
        ("2024-02-01", "2024-02-29", ("2024-01-01", "2024-01-31"), ("2023-02-01", "2023-02-28")),
        # a March after a leap February
        ("2024-03-01", "2024-03-31", ("2024-02-01", "2024-02-29"), ("2023-03-01", "2023-03-31")),
        # a February after a leap year, compared with the leap February
        ("2025-02-01", "2025-02-28", ("2025-01-01", "2025-01-31"), ("2024-02-01", "2024-02-29")),
        # quarters: the first one's previous quarter lies in the year before
        ("2026-04-01", "2026-06-30", ("2026-01-01", "2026-03-31"), ("2025-04-01", "2025-06-30")),
        ("2026-01-01", "2026-03-31", ("2025-10-01", "2025-12-31"), ("2025-01-01", "2025-03-31")),
        ("2024-01-01", "2024-03-31", ("2023-10-01", "2023-12-31"), ("2023-01-01", "2023-03-31")),
        # a year, a leap year
        ("2026-01-01", "2026-12-31", ("2025-01-01", "2025-12-31"), ("2025-01-01", "2025-12-31")),
        ("2025-01-01", "2025-12-31", ("2024-01-01", "2024-12-31"), ("2024-01-01", "2024-12-31")),
        # six months across 1 January
        ("2025-10-01", "2026-03-31", ("2025-04-01", "2025-09-30"), ("2024-10-01", "2025-03-31")),
        # a month ending on the 31st after a month of 30 days: whole months, not days
        ("2026-05-01", "2026-05-31", ("2026-04-01", "2026-04-30"), ("2025-05-01", "2025-05-31")),
    ],
)
def test_whole_months_compare_with_the_months_before_and_the_same_months_a_year_before(
    first, last, before, a_year_before
):
    s = span(first, last)
    assert previous(s) == span(*before)
    assert year_earlier(s) == span(*a_year_before)


@pytest.mark.parametrize(
    ("first", "last", "before", "a_year_before"),
    [
        # week 24 of 2026; a year before: week 24 of 2025
        ("2026-06-08", "2026-06-14", ("2026-06-01", "2026-06-07"), ("2025-06-09", "2025-06-15")),
        # week 1 of 2026 begins on 29 December 2025; the week before is week 1's predecessor, week 1 of 2025
        # began on 30 December 2024
        ("2025-12-29", "2026-01-04", ("2025-12-22", "2025-12-28"), ("2024-12-30", "2025-01-05")),
        # week 53 of 2026 (2026 has 53 ISO weeks); 2025 has 52: a year before is week 52 of 2025
        ("2026-12-28", "2027-01-03", ("2026-12-21", "2026-12-27"), ("2025-12-22", "2025-12-28")),
        # week 53 of 2020 → week 52 of 2019
        ("2020-12-28", "2021-01-03", ("2020-12-21", "2020-12-27"), ("2019-12-23", "2019-12-29")),
        # week 52 of 2027 → week 52 of 2026 (which has a week 53 after it)
        ("2027-12-27", "2028-01-02", ("2027-12-20", "2027-12-26"), ("2026-12-21", "2026-12-27")),
        # week 1 of 2027 (4 January) → week 1 of 2026, not the week of 4 January 2026
        ("2027-01-04", "2027-01-10", ("2026-12-28", "2027-01-03"), ("2025-12-29", "2026-01-04")),
        # two weeks from week 53: as many weeks from week 52 a year before
        ("2026-12-28", "2027-01-10", ("2026-12-14", "2026-12-27"), ("2025-12-22", "2026-01-04")),
    ],
)
def test_iso_weeks_compare_with_the_weeks_before_and_the_same_week_of_the_previous_iso_year(
    first, last, before, a_year_before
):
    s = span(first, last)
    assert previous(s) == span(*before)
    assert year_earlier(s) == span(*a_year_before)
    assert previous(s).first.weekday() == year_earlier(s).first.weekday() == 0  # Mondays, like the period


@pytest.mark.parametrize(
    ("first", "last", "before", "a_year_before"),
    [
        # ten days: the ten days before; a year before, the same dates
        ("2026-06-01", "2026-06-10", ("2026-05-22", "2026-05-31"), ("2025-06-01", "2025-06-10")),
        # across 1 January
        ("2025-12-25", "2026-01-05", ("2025-12-13", "2025-12-24"), ("2024-12-25", "2025-01-05")),
        # 29 February → 28 February; the days before a leap day include it
        ("2024-02-29", "2024-02-29", ("2024-02-28", "2024-02-28"), ("2023-02-28", "2023-02-28")),
        ("2024-03-01", "2024-03-10", ("2024-02-20", "2024-02-29"), ("2023-03-01", "2023-03-10")),
        ("2024-02-20", "2024-02-29", ("2024-02-10", "2024-02-19"), ("2023-02-20", "2023-02-28")),
        # the dashboard's twelve months up to today: 365 days before, and the same dates a year before
        ("2025-06-11", "2026-06-10", ("2024-06-11", "2025-06-10"), ("2024-06-11", "2025-06-10")),
        # with a leap day in it: 366 days before, which is not the same as a year before
        ("2024-01-02", "2025-01-01", ("2023-01-01", "2024-01-01"), ("2023-01-02", "2024-01-01")),
        # a single 1 January
        ("2026-01-01", "2026-01-01", ("2025-12-31", "2025-12-31"), ("2025-01-01", "2025-01-01")),
    ],
)
def test_any_other_range_compares_with_as_many_days_before_and_the_same_dates_a_year_before(
    first, last, before, a_year_before
):
    s = span(first, last)
    assert previous(s) == span(*before)
    assert previous(s).days == s.days
    assert year_earlier(s) == span(*a_year_before)


def test_iso_years_have_52_or_53_weeks():
    assert [y for y in range(2015, 2033) if iso_weeks(y) == 53] == [2015, 2020, 2026, 2032]


def test_every_previous_period_ends_the_day_before_and_every_year_earlier_lies_a_year_back():
    """Every start day of 2019-2028, with a day, a week and about a quarter."""
    for start in (date(2019, 1, 1) + timedelta(days=n) for n in range(3653)):
        for last in (start, start + timedelta(days=6), add_months(start, 3) - timedelta(days=1)):
            s = Span(start, last)
            p, y = previous(s), year_earlier(s)
            assert (s.first - p.last).days == 1 and p.first <= p.last
            assert 358 <= (s.first - y.first).days <= 371, (s, y)  # ISO weeks shift by up to a week
            if kind(s) != Kind.MONTHS:
                assert p.days == s.days
            if kind(s) == Kind.WEEKS:
                assert y.days == s.days


def test_a_running_period_is_compared_on_the_days_that_have_passed():
    # the second quarter of 2026 on Wednesday 10 June: 1 April to 10 June, 71 days
    c = up_to(compare(date(2026, 4, 1), date(2026, 6, 30)), date(2026, 6, 10))
    assert c == Comparison(
        span("2026-04-01", "2026-06-10"),
        span("2026-01-01", "2026-03-12"),
        span("2025-04-01", "2025-06-10"),
        True,
    )
    assert c.current.days == c.previous.days == c.year_earlier.days == 71


def test_a_running_leap_february_is_cut_at_the_28th_a_year_before():
    c = up_to(compare(date(2024, 2, 1), date(2024, 2, 29)), date(2024, 2, 28))
    assert c.current == span("2024-02-01", "2024-02-28")
    assert c.previous == span("2024-01-01", "2024-01-28")
    assert c.year_earlier == span("2023-02-01", "2023-02-28")


def test_a_running_week_is_cut_on_the_same_weekday_a_year_before():
    # week 53 of 2026, on Thursday 31 December: Monday to Thursday of week 52 of 2025
    c = up_to(compare(date(2026, 12, 28), date(2027, 1, 3)), date(2026, 12, 31))
    assert c.current == span("2026-12-28", "2026-12-31")
    assert c.previous == span("2026-12-21", "2026-12-24")
    assert c.year_earlier == span("2025-12-22", "2025-12-25")


def test_a_period_that_has_ended_or_not_begun_is_not_cut():
    ended = compare(date(2026, 1, 1), date(2026, 3, 31))
    assert up_to(ended, date(2026, 6, 10)) == ended
    assert up_to(ended, date(2026, 3, 31)) == ended  # its last day: whole
    later = compare(date(2026, 7, 1), date(2026, 9, 30))
    assert up_to(later, date(2026, 6, 10)) == later


def test_the_finished_quarters_end_before_today_most_recent_first():
    assert finished_quarters(date(2026, 6, 10), 5) == [
        Quarter(2026, 1),
        Quarter(2025, 4),
        Quarter(2025, 3),
        Quarter(2025, 2),
        Quarter(2025, 1),
    ]
    assert finished_quarters(date(2027, 1, 1), 1) == [Quarter(2026, 4)]  # on 1 January the year is over
    assert finished_quarters(date(2026, 3, 31), 1) == [Quarter(2025, 4)]  # its last day: not yet
    assert Quarter(2026, 1).span == span("2026-01-01", "2026-03-31")
    assert (Quarter(2026, 1).code, Quarter(2026, 1).label) == ("2026-1", "kwartaal 1 2026")


def test_a_span_says_its_days_in_dutch_and_refuses_to_run_backwards():
    assert span("2026-04-01", "2026-06-30").text == "1 april 2026 tot en met 30 juni 2026"
    assert span("2026-12-05", "2026-12-05").text == "5 december 2026"
    with pytest.raises(ValueError):
        span("2026-06-30", "2026-04-01")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 1), -1, date(2025, 12, 1)),
        (date(2026, 3, 1), -12, date(2025, 3, 1)),
        (date(2026, 12, 15), 13, date(2028, 1, 15)),
    ],
)
def test_adding_months_keeps_the_day_or_takes_the_last_day_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


def test_adding_years_makes_29_february_the_28th():
    assert add_years(date(2024, 2, 29), -1) == date(2023, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2025, 1, 1), -1) == date(2024, 1, 1)
