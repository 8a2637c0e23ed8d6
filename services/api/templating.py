"""Jinja2 filters for Dutch dates and numbers."""

from __future__ import annotations

from datetime import date, datetime

from litestar.plugins.jinja import JinjaTemplateEngine

from domain.calendar import MONTHS, day_text, local, moment_text
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


def configure_environment(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.autoescape = True
    env.filters.update(
        local_time=local_time,
        local_datetime=local_datetime,
        nl_date=nl_date,
        long_date=long_date,
        number=number,
    )
