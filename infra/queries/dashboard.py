"""The coordinator dashboard's figures over a period, read from the read models only: question_stats.v1,
referrals.v3 for the referrals to and from partners (over every kind of question, as "Hoe geholpen" here), and
visitors.v1 and help_time.v1 for visitors and time spent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.calendar import add_years, week_start
from domain.catalogue import CATALOGUE
from domain.errors import DomainError
from domain.help_time import HelpTime
from domain.periods import Comparison
from domain.question_stats import NO_PARTNER
from domain.report import Section
from domain.verantwoording_referrals import UNLISTED_PARTNER, ReferralRow, both_ways, partner_section
from infra.platform.partners import Partner, Partners
from infra.queries.comparison import LibraryFigures, library_figures
from infra.store.db import Database

MAX_YEARS = 3
TOP_TOPICS = 10
COUNTS, HOURS, REFERRALS = "rm_question_counts_v1", "rm_question_hours_v1", "rm_referrals_v3"
VISITORS, HELP_TIME = "rm_visitors_v1", "rm_help_time_v1"
UNLISTED_CODE = "niet-vermeld"  # the referrals row of the partners not listed


@dataclass(frozen=True)
class Selection:
    """Which rows a figure sums: one tenant, local days first..last inclusive, one location or all."""

    tenant_id: UUID
    first: date
    last: date
    location_id: UUID | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        # RLS already limits the rows to the tenant; the explicit filter keeps a misconfigured role harmless.
        sql = "tenant_id = :t AND day BETWEEN :first AND :last"
        params: dict[str, Any] = {"t": self.tenant_id, "first": self.first, "last": self.last}
        if self.location_id is not None:
            sql += " AND location_id = :loc"
            params["loc"] = self.location_id
        return sql, params


@dataclass(frozen=True)
class Count:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class Week:
    year: int
    week: int
    monday: date
    count: int


@dataclass(frozen=True)
class Heatmap:
    counts: tuple[tuple[int, ...], ...]  # 7 weekdays (0 = Monday) × 24 local hours

    @property
    def max(self) -> int:
        return max(max(row) for row in self.counts)


@dataclass(frozen=True)
class Day:
    """Visitors and questions of one local day (a visitor counts on the day of its visit's first question)."""

    day: date
    visitors: int
    questions: int

    @property
    def per_visitor(self) -> float | None:
        return self.questions / self.visitors if self.visitors else None


@dataclass(frozen=True)
class Spent:
    """Time spent on one party, topic, week or location (minutes per duration class: domain/help_time.py)."""

    code: str
    label: str
    time: HelpTime


@dataclass(frozen=True)
class TimeSpent:
    total: HelpTime
    parties: list[Spent]
    topics: list[Spent]
    weeks: list[Spent]
    locations: list[Spent]


@dataclass(frozen=True)
class Overview:
    total: int
    weeks: list[Week]
    parties: list[Count]
    topics: list[Count]
    help: list[Count]
    kinds: list[Count]
    channels: list[Count]
    referrals: list[Count]
    heatmap: Heatmap
    # to and from each partner (the verantwoording's table, over every kind of question)
    referral_partners: Section = field(default_factory=lambda: partner_section([]))
    visitors: int = 0
    days: list[Day] = field(default_factory=list)  # the days with questions
    time: TimeSpent = field(default_factory=lambda: TimeSpent(HelpTime(), [], [], [], []))
    compared: LibraryFigures | None = None  # the period beside the previous one and a year earlier

    @property
    def per_visitor(self) -> float | None:
        """Questions per visitor over the period; None without visitors."""
        return self.total / self.visitors if self.visitors else None


def period(van: str, tot: str, today: date) -> tuple[date, date]:
    """The period of the filter form; empty fields mean the twelve months up to today.

    Raises: DomainError for a field that is not a date, a start after the end, or more than three years."""
    last = _date(tot, "tot", "einddatum") if tot else today
    first = _date(van, "van", "begindatum") if van else add_years(last, -1) + timedelta(days=1)
    if first > last:
        raise DomainError("De begindatum ligt na de einddatum; kies een eerdere begindatum.", field="van")
    if last >= add_years(first, MAX_YEARS):
        raise DomainError(f"Kies een periode van hoogstens {MAX_YEARS} jaar.", field="van")
    return first, last


def _date(value: str, field: str, what: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise DomainError(f"De {what} is geen geldige datum; schrijf jjjj-mm-dd.", field=field) from None


def _label(lookup: Callable[[str], Any], code: str, attr: str) -> str:
    """A code the catalogue no longer knows still shows, as its code."""
    try:
        return getattr(lookup(code), attr)
    except DomainError:
        return code


def _topic_label(code: str) -> str:
    try:
        return f"{CATALOGUE.party_of_topic(code).name} – {CATALOGUE.topic(code).name}"
    except DomainError:
        return code


async def _grouped(
    conn: AsyncConnection,
    s: Selection,
    column: str,
    table: str = COUNTS,
    *,
    known_only: bool = False,
    limit: int | None = None,
) -> list[tuple[str, int]]:
    where, params = s.where()
    if known_only:  # '' is a tally's topic and help
        where += f" AND {column} <> ''"
    sql = (
        f"SELECT CAST({column} AS text) AS code, sum(count) AS n FROM {table} WHERE {where} "
        f"GROUP BY {column} HAVING sum(count) <> 0 ORDER BY n DESC, code"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [(r.code, int(r.n)) for r in (await conn.execute(text(sql), params)).all()]


async def _total(conn: AsyncConnection, s: Selection) -> int:
    where, params = s.where()
    sql = f"SELECT coalesce(sum(count), 0) FROM {COUNTS} WHERE {where}"
    return int((await conn.execute(text(sql), params)).scalar() or 0)


async def _weeks(conn: AsyncConnection, s: Selection) -> list[Week]:
    where, params = s.where()
    sql = (
        f"SELECT day - (CAST(extract(isodow FROM day) AS integer) - 1) AS monday, sum(count) AS n "
        f"FROM {COUNTS} WHERE {where} GROUP BY 1"
    )
    found = {r.monday: int(r.n) for r in (await conn.execute(text(sql), params)).all()}
    monday, out = week_start(s.first), []
    while monday <= s.last:
        year, week, _ = monday.isocalendar()
        out.append(Week(year, week, monday, found.get(monday, 0)))
        monday += timedelta(days=7)
    return out


async def _heatmap(conn: AsyncConnection, s: Selection) -> Heatmap:
    where, params = s.where()
    sql = (
        f"SELECT CAST(extract(isodow FROM day) AS integer) - 1 AS weekday, hour, sum(count) AS n "
        f"FROM {HOURS} WHERE {where} GROUP BY 1, 2"
    )
    grid = [[0] * 24 for _ in range(7)]
    for r in (await conn.execute(text(sql), params)).all():
        grid[r.weekday][r.hour] = int(r.n)
    return Heatmap(tuple(tuple(row) for row in grid))


async def _parties(conn: AsyncConnection, s: Selection) -> list[Count]:
    return [Count(c, _label(CATALOGUE.party, c, "name"), n) for c, n in await _grouped(conn, s, "npd_party")]


async def _topics(conn: AsyncConnection, s: Selection) -> list[Count]:
    rows = await _grouped(conn, s, "topic", known_only=True, limit=TOP_TOPICS)
    return [Count(c, _topic_label(c), n) for c, n in rows]


async def _help(conn: AsyncConnection, s: Selection) -> list[Count]:
    rows = await _grouped(conn, s, "help", known_only=True)
    return [Count(c, _label(CATALOGUE.help_kind, c, "label"), n) for c, n in rows]


async def _kinds(conn: AsyncConnection, s: Selection) -> list[Count]:
    return [
        Count(c, _label(CATALOGUE.question_kind, c, "label"), n) for c, n in await _grouped(conn, s, "kind")
    ]


async def _channels(conn: AsyncConnection, s: Selection) -> list[Count]:
    return [Count(c, _label(CATALOGUE.channel, c, "label"), n) for c, n in await _grouped(conn, s, "channel")]


async def _referral_rows(
    conn: AsyncConnection, s: Selection, partners: dict[UUID, Partner]
) -> list[ReferralRow]:
    """Referrals to and from partners per partner, direction and warmth, over every kind of question."""
    where, params = s.where()
    sql = (
        f"SELECT partner_id, direction, warmth, sum(count) AS n FROM {REFERRALS} WHERE {where} "
        f"GROUP BY 1, 2, 3 HAVING sum(count) <> 0"
    )
    out = []
    for r in (await conn.execute(text(sql), params)).all():
        p = partners.get(r.partner_id)
        name, kind = (p.name, p.kind) if p else ("Onbekende partner", "")
        out.append(ReferralRow(r.partner_id, name, kind, int(r.n), direction=r.direction, warmth=r.warmth))
    return out


def _referrals(rows: list[ReferralRow]) -> list[Count]:
    """Referrals to each listed partner, most first, then those to a partner not listed: the rows add up to
    the referrals under "Hoe geholpen" (from the same snapshot)."""
    per = both_ways(rows)
    unlisted = per.pop(NO_PARTNER, None)
    names = {r.partner_id: r.name for r in rows}
    out = sorted(
        (Count(str(p), names[p], n) for p, b in per.items() if (n := sum(b.to.values()))),
        key=lambda c: (-c.count, c.code),
    )
    if unlisted is not None and (n := sum(unlisted.to.values())):
        out.append(Count(UNLISTED_CODE, UNLISTED_PARTNER, n))
    return out


async def _visitors(conn: AsyncConnection, s: Selection) -> tuple[int, list[Day]]:
    where, params = s.where()
    sql = (
        f"SELECT day, sum(visitors) AS v, sum(questions) AS q FROM {VISITORS} WHERE {where} "
        f"GROUP BY day HAVING sum(visitors) <> 0 OR sum(questions) <> 0 ORDER BY day"
    )
    days = [Day(r.day, int(r.v), int(r.q)) for r in (await conn.execute(text(sql), params)).all()]
    return sum(d.visitors for d in days), days


async def _spent(conn: AsyncConnection, s: Selection, column: str) -> dict[str, HelpTime]:
    """Questions and their durations per value of `column` (a key of rm_help_time_v1, or 'week')."""
    where, params = s.where()
    group = "day - (CAST(extract(isodow FROM day) AS integer) - 1)" if column == "week" else column
    sql = (
        f"SELECT CAST({group} AS text) AS code, duration, sum(count) AS n FROM {HELP_TIME} WHERE {where} "
        f"GROUP BY 1, 2 HAVING sum(count) <> 0"
    )
    out: dict[str, HelpTime] = {}
    for r in (await conn.execute(text(sql), params)).all():
        out[r.code] = out.get(r.code, HelpTime()).add(r.duration, int(r.n))
    return out


def _by_hours(rows: list[Spent]) -> list[Spent]:
    return sorted(rows, key=lambda x: (-x.time.minutes, -x.time.questions, x.label))


async def _time_spent(conn: AsyncConnection, s: Selection, places: dict[UUID, str]) -> TimeSpent:
    parties = await _spent(conn, s, "npd_party")
    topics = await _spent(conn, s, "topic")
    weeks = await _spent(conn, s, "week")
    locations = await _spent(conn, s, "location_id")
    total = sum(parties.values(), HelpTime())
    names = {str(k): v for k, v in places.items()}

    def week_label(monday: str) -> str:
        year, week, _ = date.fromisoformat(monday).isocalendar()
        return f"Week {week} {year}"

    return TimeSpent(
        total=total,
        parties=_by_hours([Spent(c, _label(CATALOGUE.party, c, "name"), t) for c, t in parties.items()]),
        topics=_by_hours([Spent(c, _topic_label(c), t) for c, t in topics.items() if c]),
        weeks=[Spent(c, week_label(c), weeks[c]) for c in sorted(weeks)],
        locations=_by_hours([Spent(c, names.get(c, "Onbekend IDO"), t) for c, t in locations.items()]),
    )


async def _partners(db: Database, tenant_id: UUID) -> dict[UUID, Partner]:
    return {p.partner_id: p for p in await Partners(db).list(tenant_id)}


async def overview(
    db: Database,
    tenant_id: UUID,
    first: date,
    last: date,
    location_id: UUID | None = None,
    places: dict[UUID, str] | None = None,
    compared: Comparison | None = None,
) -> Overview:
    """Every figure, from one snapshot so that the totals agree with each other. `places`: the names of the
    library's IDO locations (for the time spent per location); `compared`: the periods to compare with
    (infra/queries/comparison.py), whose first is this period (or the part of it that has passed)."""
    s = Selection(tenant_id, first, last, location_id)
    partners = await _partners(db, tenant_id)
    async with db.tenant(tenant_id) as conn:
        await conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        visitors, days = await _visitors(conn, s)
        referrals = await _referral_rows(conn, s, partners)
        return Overview(
            total=await _total(conn, s),
            weeks=await _weeks(conn, s),
            parties=await _parties(conn, s),
            topics=await _topics(conn, s),
            help=await _help(conn, s),
            kinds=await _kinds(conn, s),
            channels=await _channels(conn, s),
            referrals=_referrals(referrals),
            referral_partners=partner_section(referrals),
            heatmap=await _heatmap(conn, s),
            visitors=visitors,
            days=days,
            time=await _time_spent(conn, s, places or {}),
            compared=await library_figures(conn, tenant_id, compared, location_id) if compared else None,
        )
