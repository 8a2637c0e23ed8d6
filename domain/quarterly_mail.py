"""The kwartaaloverzicht by e-mail (docs/quarterly-mail.md): which quarter's mail is due at an instant, which
libraries report on it, who gets it, and the POI's table of its libraries with small cells hidden (pure; "now"
is passed in, the calendar is domain/calendar.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID

from domain.accounts import Role
from domain.calendar import at_local, local_day, quarter_of
from domain.report import Cell, Period, Ratio, Section, suppress_section, with_ratios

SEND_FROM = time(7, 0)  # Dutch time on the first day of the next quarter: nobody gets it at night
SEND_FOR = timedelta(
    days=14
)  # after that a quarter's mail is old news: nobody new gets it (claimed ones retry)
ORDINALS = {1: "eerste", 2: "tweede", 3: "derde", 4: "vierde"}
RECIPIENT_ROLES = frozenset({Role.COORDINATOR, Role.POI_ADVISER})  # who gets it, and so who sees the choice


class Scope(StrEnum):
    LIBRARY = "library"  # the coordinator's mail about one library
    POI = "poi"  # the POI adviser's mail about the POI's libraries


def previous_quarter(day: date) -> Period:
    """The quarter before the one `day` lies in."""
    quarter = quarter_of(day)
    return Period(day.year - 1, 4) if quarter == 1 else Period(day.year, quarter - 1)


def due_at(period: Period) -> datetime:
    """When the quarter's mail falls due: SEND_FROM on the first day of the next quarter, on Dutch clocks."""
    return at_local(period.last + timedelta(days=1), SEND_FROM)


def due_quarter(now: datetime) -> Period | None:
    """The quarter whose mail goes out at `now`: the one that ended last, from its due moment for SEND_FOR;
    None before (the night of the first day) and after."""
    period = previous_quarter(local_day(now))
    start = due_at(period)
    return period if start <= now < start + SEND_FOR else None


def quarter_text(period: Period) -> str:
    """'het tweede kwartaal van 2026'."""
    return f"het {ORDINALS[period.quarter or 1]} kwartaal van {period.year}"


@dataclass(frozen=True)
class Ido:
    """One IDO location as the rule reads it: when it opened, and when it closed for good (None: it did not)."""

    opened_on: date | None
    closed_on: date | None = None

    def open_in(self, period: Period) -> bool:
        """Opened on or before the quarter's last day and not closed for good before its first."""
        if self.opened_on is None or self.opened_on > period.last:
            return False
        return self.closed_on is None or self.closed_on >= period.first


@dataclass(frozen=True)
class Library:
    tenant_id: UUID
    poi_id: UUID
    questions: int  # registered in the quarter
    idos: tuple[Ido, ...] = ()

    def reports_on(self, period: Period) -> bool:
        """A library that registered a question in the quarter gets the mail, and so does one that had an open
        IDO in it (then it reads 0 vragen); one still preparing its IDO gets none."""
        return self.questions > 0 or any(i.open_in(period) for i in self.idos)


@dataclass(frozen=True)
class Recipient:
    """A coordinator of a library or an adviser of a POI (`scope_id`), with their choice on the account page."""

    user_id: UUID
    scope: Scope
    scope_id: UUID
    subscribed: bool = True
    since: datetime | None = None  # when they last turned the mail on (None: never turned it off)

    def wants(self, period: Period) -> bool:
        """Subscribed when the quarter's mail fell due: turning it on again sends no quarter that passed."""
        return self.subscribed and (self.since is None or self.since <= due_at(period))


@dataclass(frozen=True)
class Due:
    """One mail: to one user, about one library or POI, for one quarter (the key it is sent once under)."""

    user_id: UUID
    scope: Scope
    scope_id: UUID
    period: Period


def due_mails(now: datetime, libraries: Iterable[Library], recipients: Iterable[Recipient]) -> list[Due]:
    """The mails due at `now`: to each coordinator of a library that reports on the quarter, and to each
    adviser of a POI with at least one such library, who wants it. None outside the quarter's window."""
    period = due_quarter(now)
    if period is None:
        return []
    reporting = [lib for lib in libraries if lib.reports_on(period)]
    scopes = {(Scope.LIBRARY, lib.tenant_id) for lib in reporting} | {
        (Scope.POI, lib.poi_id) for lib in reporting
    }
    return [
        Due(r.user_id, r.scope, r.scope_id, period)
        for r in recipients
        if (r.scope, r.scope_id) in scopes and r.wants(period)
    ]


@dataclass(frozen=True)
class Figures:
    """One library's quarter as the mails show it (from the dashboard's read models)."""

    name: str
    questions: int
    visitors: int
    timed: int  # questions with a duration
    hours: float  # help time of those
    referrals: int


POI_COLUMNS = (
    "Bibliotheek",
    "Vragen",
    "Bezoekers",
    "Vragen per bezoeker",
    "Vragen met een duur",
    "Hulptijd (uren)",
    "Doorverwijzingen",
)


def poi_section(libraries: Iterable[Figures]) -> Section:
    """The POI's libraries, one row each, with small cells hidden as on the POI board (domain/report.py: "<5",
    and the next smallest where one alone would follow from the total); a ratio or the hours hide with their
    counts."""
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (f.name, f.questions, f.visitors, None, f.timed, f.hours, f.referrals) for f in libraries
    )
    total: tuple[Cell, ...] = (
        "Totaal",
        *(sum(r[i] for r in rows) for i in (1, 2)),  # type: ignore[misc]
        None,
        sum(r[4] for r in rows),  # type: ignore[misc]
        sum(r[5] for r in rows),  # type: ignore[misc]
        sum(r[6] for r in rows),  # type: ignore[misc]
    )
    section = Section(
        "kwartaal",
        "Per bibliotheek",
        POI_COLUMNS,
        rows,
        count_columns=(1, 2, 4, 6),
        total=total,
        measures=((5, 4),),
        ratios=(Ratio(3, 1, 2),),
    )
    return suppress_section(with_ratios(section))
