"""Periods compared over time (pure): for a period of local days, the previous period of the same kind and the
same period a year earlier, cut to the part that has passed when the period is still running (docs/comparison.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from domain.calendar import add_months, add_years, day_text, month_bounds, quarter_bounds, quarter_of


class Kind(StrEnum):
    MONTHS = "maanden"  # whole calendar months: a month, a quarter, a half year, a year
    WEEKS = "weken"  # whole ISO weeks, Monday to Sunday
    DAYS = "dagen"  # any other range of days


@dataclass(frozen=True, slots=True)
class Span:
    """Local days first..last, both included. Raises ValueError when first lies after last."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError(f"{self.first} lies after {self.last}")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def text(self) -> str:
        """ "1 april 2026 tot en met 30 juni 2026"; one day as "5 december 2026"."""
        if self.first == self.last:
            return day_text(self.first)
        return f"{day_text(self.first)} tot en met {day_text(self.last)}"

    def until(self, last: date) -> Span:
        """The span cut off after `last` (at least its first day)."""
        return replace(self, last=max(self.first, min(self.last, last)))


def kind(span: Span) -> Kind:
    if span.first.day == 1 and span.last == month_bounds(span.last)[1]:
        return Kind.MONTHS
    if span.first.weekday() == 0 and span.last.weekday() == 6:
        return Kind.WEEKS
    return Kind.DAYS


def _months(span: Span) -> int:
    return (span.last.year - span.first.year) * 12 + span.last.month - span.first.month + 1


def iso_weeks(iso_year: int) -> int:
    """52 or 53: the ISO weeks of an ISO year (28 December always lies in its last week)."""
    return date(iso_year, 12, 28).isocalendar().week


def previous(span: Span) -> Span:
    """The period of the same kind just before: the previous month, quarter or year (as many whole months), as
    many whole weeks, or as many days."""
    if kind(span) == Kind.MONTHS:
        return Span(add_months(span.first, -_months(span)), span.first - timedelta(days=1))
    return Span(span.first - timedelta(days=span.days), span.first - timedelta(days=1))


def year_earlier(span: Span) -> Span:
    """The same period a year before: the same months (February to its 28th when the year before has no 29th);
    weeks from week N of the previous ISO year (week 53 → week 52 when that year has none), as many weeks; any
    other range the same dates (29 February → 28 February)."""
    match kind(span):
        case Kind.MONTHS:
            last = month_bounds(date(span.last.year - 1, span.last.month, 1))[1]
            return Span(span.first.replace(year=span.first.year - 1), last)
        case Kind.WEEKS:
            iso_year, week, _ = span.first.isocalendar()
            monday = date.fromisocalendar(iso_year - 1, min(week, iso_weeks(iso_year - 1)), 1)
            return Span(monday, monday + timedelta(days=span.days - 1))
    return Span(add_years(span.first, -1), add_years(span.last, -1))


@dataclass(frozen=True, slots=True)
class Comparison:
    """A period and the two it is compared with. `running`: the period had not ended yet, so all three are cut
    to the part of the period that has passed (the same number of days; a year earlier: up to the same date,
    or the same weekday for weeks)."""

    current: Span
    previous: Span
    year_earlier: Span
    running: bool = False

    @property
    def spans(self) -> tuple[Span, Span, Span]:
        return (self.current, self.previous, self.year_earlier)


def compare(first: date, last: date) -> Comparison:
    span = Span(first, last)
    return Comparison(span, previous(span), year_earlier(span))


def up_to(c: Comparison, today: date) -> Comparison:
    """The comparison of a period that is still running cut to the days up to today; any other unchanged."""
    current = c.current
    if not current.first <= today < current.last:
        return c
    passed = today - current.first
    if kind(current) == Kind.WEEKS:
        earlier = c.year_earlier.until(c.year_earlier.first + passed)
    else:
        earlier = c.year_earlier.until(add_years(today, -1))
    return Comparison(current.until(today), c.previous.until(c.previous.first + passed), earlier, True)


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    year: int
    quarter: int

    @property
    def span(self) -> Span:
        return Span(*quarter_bounds(self.year, self.quarter))

    @property
    def code(self) -> str:
        """As a query parameter: "2026-2"."""
        return f"{self.year}-{self.quarter}"

    @property
    def label(self) -> str:
        return f"kwartaal {self.quarter} {self.year}"


def finished_quarters(today: date, count: int) -> list[Quarter]:
    """The last `count` quarters that have ended by today, the most recent first."""
    year, quarter = today.year, quarter_of(today) - 1
    out = []
    for _ in range(count):
        if quarter == 0:
            year, quarter = year - 1, 4
        out.append(Quarter(year, quarter))
        quarter -= 1
    return out
