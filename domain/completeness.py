"""Completeness checks of a library's registration over a period: what a library still has to look at before
its verantwoording goes to the KB (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.report import Period, month_label, month_last


@dataclass(frozen=True, slots=True)
class LocationRow:
    """rm_opening_status_v2: the location's current state (the read model keeps no history of closures)."""

    location_id: UUID
    name: str
    variant: str
    status: str
    planned: date | None
    opened_on: date | None
    closed_from: date | None
    closed_until: date | None
    hours_per_week: float
    inside_library: bool | None = None  # None: not known (a row without it)
    gemeente: str | None = None  # CBS code; None: no gemeente given
    gemeente_name: str | None = None  # looked up in the list version the events name
    gemeente_province: str | None = None


@dataclass(frozen=True, slots=True)
class MonthCount:
    """Questions of one location in one month: with topic and help (detail), and tallied totals only."""

    month: date
    location_id: UUID
    detail: int
    tally: int

    @property
    def total(self) -> int:
        return self.detail + self.tally


def month_counts(rows: Iterable) -> list[MonthCount]:
    """From question rows (month, location_id, topic, count): a tally has no topic."""
    acc: dict[tuple[date, UUID], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        acc[(r.month, r.location_id)][0 if r.topic else 1] += r.count
    return [MonthCount(m, loc, d, t) for (m, loc), (d, t) in acc.items()]


def open_in_month(x: LocationRow, first: date) -> bool:
    """Open on at least one day of the month, by its current state."""
    last = month_last(first)
    if x.opened_on is None or x.opened_on > last or x.status == "gepland":
        return False
    if x.status == "gesloten" and x.closed_from is not None and x.closed_from <= first:
        return False
    if x.status == "tijdelijk_gesloten" and x.closed_from is not None and x.closed_from <= first:
        return x.closed_until is not None and x.closed_until < last
    return True


def warnings(
    locations: Iterable[LocationRow], counts: Iterable[MonthCount], period: Period, today: date
) -> tuple[str, ...]:
    """Dutch sentences, in a stable order: the period is not over yet; a location open in the period without
    any registration; a month in which a location was open but registered nothing; a month with tallies only."""
    per: dict[tuple[UUID, date], MonthCount] = {(c.location_id, c.month): c for c in counts}
    ended = [m for m in period.month_starts() if month_last(m) < today]
    out: list[str] = []
    if period.last >= today:
        out.append(f"De periode {period.label} is nog niet voorbij: de cijfers zijn voorlopig.")
    for x in sorted(locations, key=lambda x: x.name):
        open_months = [m for m in ended if open_in_month(x, m)]
        registered = sum(c.total for (loc, _), c in per.items() if loc == x.location_id)
        if open_months and not registered:
            out.append(f"{x.name}: geen enkele registratie in {period.label}, terwijl het IDO open was.")
            continue
        for m in open_months:
            c = per.get((x.location_id, m))
            if c is None or not c.total:
                out.append(f"{x.name}: open in {month_label(m)}, maar niets geregistreerd.")
    names = {x.location_id: x.name for x in locations}
    for (loc, m), c in sorted(per.items(), key=lambda kv: (names.get(kv[0][0], ""), kv[0][1])):
        if c.tally and not c.detail:
            out.append(
                f"{names.get(loc, 'Onbekende locatie')}: in {month_label(m)} alleen totalen geteld, "
                "geen vragen met onderwerp en hulp."
            )
    return tuple(out)
