"""The Dutch calendar of the product: the Europe/Amsterdam zone, the local day of an instant, and the bounds of a
day, week, quarter and year. Every "today" and "this year" is computed here, from an instant passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Amsterdam")
MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def local(instant: datetime) -> datetime:
    """The instant on the clocks of the Netherlands. Raises ValueError for a naive datetime (no instant)."""
    if instant.tzinfo is None:
        raise ValueError("a naive datetime is no instant; give it a zone")
    return instant.astimezone(TZ)


def day_text(day: date) -> str:
    """A day as the product writes it: "5 december 2026"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def moment_text(instant: datetime) -> str:
    """An instant as the product writes it, on Dutch clocks: "5 december 2026 om 11:15"."""
    at = local(instant)
    return f"{day_text(at.date())} om {at:%H:%M}"


def local_day(instant: datetime) -> date:
    """The date on a Dutch calendar at that instant (23:30 UTC on 31 December is already 1 January)."""
    return local(instant).date()


def at_local(day: date, clock_time: time = time(0)) -> datetime:
    """The instant of a Dutch wall-clock time on a day (what a datetime-local field or a spreadsheet means)."""
    return datetime.combine(day, clock_time, TZ)


def as_local(wall: datetime) -> datetime:
    """A naive wall-clock datetime read as Dutch time; an aware one is returned as the same instant."""
    return wall.replace(tzinfo=TZ) if wall.tzinfo is None else wall


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a local day as instants in UTC (so that arithmetic on them is exact: Python subtracts two
    datetimes of one zone as wall-clock times); 23 or 25 hours long on the days the clocks change."""
    return at_local(day).astimezone(UTC), at_local(day + timedelta(days=1)).astimezone(UTC)


def week_start(day: date) -> date:
    """The Monday of the ISO week the day lies in."""
    return day - timedelta(days=day.weekday())


def week_bounds(day: date) -> tuple[date, date]:
    """The Monday and Sunday of the ISO week the day lies in."""
    first = week_start(day)
    return first, first + timedelta(days=6)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of a quarter (1-4)."""
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter {quarter} is not 1-4")
    first = date(year, 3 * quarter - 2, 1)
    following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, following - timedelta(days=1)


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def month_bounds(first: date) -> tuple[date, date]:
    """The first and last day of the month that `first` lies in."""
    start = first.replace(day=1)
    following = date(start.year + 1, 1, 1) if start.month == 12 else date(start.year, start.month + 1, 1)
    return start, following - timedelta(days=1)


def add_years(day: date, years: int) -> date:
    """The same date `years` later (or earlier); 29 February becomes 28 February in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (or earlier), or the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    first = date(index // 12, index % 12 + 1, 1)
    return first.replace(day=min(day.day, month_bounds(first)[1].day))
