"""Jinja2 filters for Dutch dates and numbers."""

from __future__ import annotations

from datetime import date, datetime

from litestar.plugins.jinja import JinjaTemplateEngine

from domain.calendar import local
from domain.opening_hours import WEEKDAYS as DAYS
from domain.report import MONTH_NAMES as MONTHS


def local_time(value: datetime) -> str:
    return local(value).strftime("%H:%M")


def local_datetime(value: datetime) -> str:
    v = local(value)
    return f"{v.day} {MONTHS[v.month - 1]} {v.year}, {v:%H:%M}"


def long_date(value: date) -> str:
    return f"{DAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value.year}"


def number(value: int | float) -> str:
    return f"{value:,}".replace(",", ".")


def configure_environment(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.autoescape = True
    env.filters.update(
        local_time=local_time, local_datetime=local_datetime, long_date=long_date, number=number
    )
