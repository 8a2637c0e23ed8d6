"""Jinja2 filters for Dutch dates and numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup

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


# "Vandaag" on the desk: every registration answers the list again (25 rows); a row is rendered once per process
# for what it shows, and the session's CSRF field put into its slot on every page
TODAY_ROWS_KEPT = 8192  # about 1.5 KiB each; the cache starts again when full
CSRF_SLOT = Markup("\x00csrf\x00")  # no row holds a NUL: PostgreSQL stores none in text
_today_rows: dict[tuple, str] = {}


def today_row(macro: Callable[..., str], csrf: Markup, args: tuple, scope: tuple) -> Markup:
    """The row `macro(*args, CSRF_SLOT)` renders, with `csrf` in the slot. `args` and `scope` (what else the macro
    reads: the links' base and the location) must hold everything the row shows, and nothing of the session."""
    key = (args, scope)
    html = _today_rows.get(key)
    if html is None:
        if len(_today_rows) >= TODAY_ROWS_KEPT:
            _today_rows.clear()
        html = _today_rows[key] = str(macro(*args, CSRF_SLOT))
    return Markup(html.replace(CSRF_SLOT, csrf))


def configure_environment(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.autoescape = True
    env.auto_reload = False  # templates change with a deploy, which restarts the process: no stat per render
    env.globals["today_row"] = today_row
    env.filters.update(
        local_time=local_time,
        local_datetime=local_datetime,
        nl_date=nl_date,
        long_date=long_date,
        number=number,
        decimal=decimal,
        help_time=help_time,
    )
