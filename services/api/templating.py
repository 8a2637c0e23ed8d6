"""Jinja2 filters for Dutch dates and numbers."""

from __future__ import annotations

from datetime import date, datetime

from litestar.plugins.jinja import JinjaTemplateEngine

from domain.calendar import MONTHS, day_text, local, moment_text
from domain.help_time import HelpTime, sentence
from domain.help_time import decimal as dutch_decimal
from domain.opening_hours import WEEKDAYS as DAYS


def local_time(value: datetime) -> str:
    return local(value).strftime("%H:%M")


def local_datetime(value: datetime) -> str:
    """ "5 december 2026 om 11:15" (Dutch clocks): one style for every date and time the product shows."""
    return moment_text(value)


def nl_date(value: date) -> str:
    """ "5 december 2026"."""
    return day_text(value)


def long_date(value: date) -> str:
    return f"{DAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value.year}"


def number(value: int | float) -> str:
    return f"{value:,}".replace(",", ".")


def decimal(value: float | None, places: int = 1) -> str:
    """1.234,5; a dash for no value."""
    return "–" if value is None else dutch_decimal(value, places)


def help_time(value: HelpTime) -> str:
    return sentence(value)


def configure_environment(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.autoescape = True
    env.filters.update(
        local_time=local_time,
        local_datetime=local_datetime,
        nl_date=nl_date,
        long_date=long_date,
        number=number,
        decimal=decimal,
        help_time=help_time,
    )
