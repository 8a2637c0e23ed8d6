"""Jinja2 filters for Dutch dates and numbers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from jinja2 import Environment
from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup

from domain.calendar import MONTHS, day_text, local, moment_text
from domain.catalogue import CATALOGUE
from domain.help_time import HelpTime, sentence
from domain.help_time import decimal as dutch_decimal
from domain.opening_hours import WEEKDAYS as DAYS

if TYPE_CHECKING:
    from infra.queries.desk import TodayRow


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
_today_rows: dict[tuple, tuple[Any, str]] = {}


def today_rows(
    macro: Callable[..., str],
    csrf: Markup,
    rows: Iterable[TodayRow],
    short: bool,
    sender: Callable[[Any], str],
    scope: tuple,
) -> Markup:
    """The rows `macro(row, short, sender(row.what), CSRF_SLOT)` renders, each followed by the whitespace of the
    template's loop, with `csrf` in the slots. A row is kept by the event it shows, how it was brought in, the
    time's form and its sender's name, with the classification it showed: an event id that comes again with
    other content (its first transaction rolled back) is rendered afresh. `scope` (what else the macro reads: the
    links' base and the location) must hold everything else the rows show, and nothing of the session."""
    parts = []
    for r in rows:
        by = sender(r.what)
        key = (r.event_id, r.imported, r.tally, short, by, scope)
        kept = _today_rows.get(key)
        if kept is None or (kept[0] is not r.what and kept[0] != r.what):
            if len(_today_rows) >= TODAY_ROWS_KEPT:
                _today_rows.clear()
            kept = _today_rows[key] = (r.what, str(macro(r, short, by, CSRF_SLOT)) + "\n    ")
        parts.append(kept[1])
    return Markup("".join(parts).replace(CSRF_SLOT, csrf))


# the n-th choice of a step has the n-th shortcut key (static/desk-keys.js)
CHOICE_KEYS = "1234567890abcdefghijklmnopqrstuvwxyz"
_fixed: dict[str, Markup] = {}


def fixed(env: Environment, name: str) -> Markup:
    """The template `name`, rendered once per process: for markup that is the same for every request, such as the
    desk's first step (about a tenth of a registration's answer). It sees the catalogue and the environment's
    globals, nothing of the request."""
    html = _fixed.get(name)
    if html is None:
        html = _fixed[name] = Markup(env.get_template(name).render(catalogue=CATALOGUE))
    return html


def configure_environment(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.autoescape = True
    env.auto_reload = False  # templates change with a deploy, which restarts the process: no stat per render
    env.globals["today_rows"] = today_rows
    env.globals["fixed"] = partial(fixed, env)
    env.globals["choice_keys"] = CHOICE_KEYS
    env.filters.update(
        local_time=local_time,
        local_datetime=local_datetime,
        nl_date=nl_date,
        long_date=long_date,
        number=number,
        decimal=decimal,
        help_time=help_time,
    )
