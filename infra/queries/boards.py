"""Read-side queries for planning: the POI's and the KB's status tables and inboxes, the figures per gemeente, the
admin's troubled deliveries, and who was told of a location's reschedules. Cross-tenant reads use the reader
role and always name their scope (a POI's libraries, or notices meant for the KB); writes go through the app
role. A location's province is its gemeente's; a location without a gemeente counts under its library's
province ('onbekend' when that is not set either)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text

from domain import ido
from domain.planning_notices import FACT_LABELS
from domain.ports import Checkpoint
from infra.projections.notices import Notices
from infra.projections.runner import checkpoints
from infra.store.codec import from_jsonb
from infra.store.db import Database

DELAYED = "(s.status = 'gepland' AND (s.delay_days > 0 OR s.planned < :today))"
STATUS_FILTERS = {
    "gepland": "s.status = 'gepland'",
    "vertraagd": DELAYED,
    "open": "s.status = 'open'",
    "tijdelijk_gesloten": "s.status = 'tijdelijk_gesloten'",
    "gesloten": "s.status = 'gesloten'",
}
NOTICE_KINDS = {fact.value: label for fact, label in FACT_LABELS.items()}
FIRST_QUESTION = """(SELECT min(c.day) FROM rm_question_counts_v1 c
                    WHERE c.tenant_id = s.tenant_id AND c.location_id = s.location_id)"""
PROVINCE = "coalesce(s.gemeente_province, t.province, 'onbekend')"
NO_GEMEENTE = "geen"  # the filter's value for the locations without a gemeente

_LOCATIONS = f"""
SELECT s.tenant_id, t.slug, t.name AS library, {PROVINCE} AS province, p.poi_id,
       p.name AS poi, s.location_id, s.name, s.branch, s.status, s.first_planned, s.planned, s.opened_on,
       s.inside_library, s.gemeente, s.gemeente_name,
       s.closed_from, s.closed_until, s.delay_days, s.subsidy_year, s.subsidy_year_slipped, s.steps,
       s.hours_per_week, {DELAYED} AS delayed, (s.status = 'gepland' AND s.planned < :today) AS overdue,
       {FIRST_QUESTION} AS first_question_on
FROM rm_opening_status_v2 s JOIN tenants t USING (tenant_id) JOIN pois p ON p.poi_id = t.poi_id
WHERE {{scope}} {{filters}}
ORDER BY {DELAYED} DESC, s.delay_days DESC, s.planned, t.name, s.name
LIMIT 1000
"""
SCOPE = "tenant_id IN (SELECT tenant_id FROM tenants WHERE poi_id = ANY(:pois))"  # a POI's libraries
POI_SCOPE = f"s.{SCOPE}"


@dataclass(frozen=True)
class Scope:
    """Whose notices: a POI adviser's (their POIs) or the KB's (notices with to_kb)."""

    user_id: UUID
    pois: tuple[UUID, ...] = ()
    kb: bool = False

    def where(self) -> str:
        return "n.to_kb" if self.kb else "n.poi_id = ANY(:pois)"

    def params(self) -> dict[str, Any]:
        return {"u": self.user_id, "pois": list(self.pois)}


async def libraries(reader: Database, pois: list[UUID] | None = None) -> list:
    """The libraries of the given POIs (None: all), for filters and scope checks."""
    where = "WHERE t.poi_id = ANY(:pois)" if pois is not None else ""
    sql = f"""SELECT t.tenant_id, t.slug, t.name, t.active, coalesce(t.province, 'onbekend') AS province,
              p.poi_id, p.slug AS poi_slug, p.name AS poi FROM tenants t JOIN pois p USING (poi_id) {where}
              ORDER BY t.name"""
    async with reader.platform() as conn:
        return (await conn.execute(text(sql), {"pois": pois or []})).all()


def _where(today: date, pois: list[UUID] | None, filters: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """The scope (a POI's libraries, or nationwide for None), the filters' clauses and their parameters."""
    scope = POI_SCOPE if pois is not None else "true"
    clauses, params = [], {"today": today, "pois": pois or []}
    if filters.get("status") in STATUS_FILTERS:
        clauses.append(STATUS_FILTERS[filters["status"]])
    if filters.get("only_delayed"):
        clauses.append(DELAYED)
    for key, column in (("tenant_id", "s.tenant_id"), ("poi_id", "t.poi_id")):
        if filters.get(key):
            clauses.append(f"{column} = :{key}")
            params[key] = filters[key]
    if filters.get("province"):
        clauses.append(f"{PROVINCE} = :province")
        params["province"] = filters["province"]
    if filters.get("gemeente") == NO_GEMEENTE:
        clauses.append("s.gemeente IS NULL")
    elif filters.get("gemeente"):
        clauses.append("s.gemeente = :gemeente")
        params["gemeente"] = filters["gemeente"]
    return scope, "".join(f" AND {c}" for c in clauses), params


async def locations(
    reader: Database, today: date, *, pois: list[UUID] | None, filters: dict[str, Any]
) -> list:
    """Locations from the opening-status read model, delayed first. `pois` None means nationwide (KB)."""
    scope, where, params = _where(today, pois, filters)
    sql = _LOCATIONS.format(scope=scope, filters=where)
    async with reader.platform() as conn:
        return (await conn.execute(text(sql), params)).all()


_PER_GEMEENTE = """
SELECT s.gemeente, s.gemeente_name, s.gemeente_province, count(*)::int AS idos,
       (count(*) FILTER (WHERE s.status = 'open'))::int AS open,
       coalesce(sum(v.visitors), 0)::int AS visitors, coalesce(sum(v.questions), 0)::int AS questions
FROM rm_opening_status_v2 s
LEFT JOIN (SELECT tenant_id, location_id, sum(visitors) AS visitors, sum(questions) AS questions
           FROM rm_visitors_v1 WHERE day BETWEEN :first AND :last AND {visits} GROUP BY 1, 2) v
       ON v.tenant_id = s.tenant_id AND v.location_id = s.location_id
WHERE {scope}
GROUP BY 1, 2, 3
"""


@dataclass(frozen=True)
class GemeenteFigures:
    """The IDOs of one gemeente (None: the locations without one) and their visitors and questions."""

    gemeente: str | None
    name: str | None
    province: str | None
    idos: int
    open: int
    visitors: int
    questions: int


async def per_gemeente(
    reader: Database, first: date, last: date, *, pois: list[UUID] | None
) -> list[GemeenteFigures]:
    """Per gemeente, every location of the scope (the POIs' libraries; None: nationwide): how many, how many
    open, and their visitors and questions from `first` to `last` (unsuppressed: the caller hides small cells)."""
    mine = pois is not None
    sql = _PER_GEMEENTE.format(scope=POI_SCOPE if mine else "true", visits=SCOPE if mine else "true")
    async with reader.platform() as conn:
        rows = (await conn.execute(text(sql), {"pois": pois or [], "first": first, "last": last})).all()
    return [GemeenteFigures(*r) for r in rows]


_GEMEENTEN = f"""
SELECT DISTINCT s.gemeente, s.gemeente_name, {PROVINCE} AS province
FROM rm_opening_status_v2 s JOIN tenants t USING (tenant_id)
WHERE {{scope}}
"""


async def places(reader: Database, pois: list[UUID] | None) -> list:
    """The gemeenten (code, name; None for the locations without one) and provinces the scope's locations lie
    in, for the filters."""
    scope = POI_SCOPE if pois is not None else "true"
    async with reader.platform() as conn:
        return (await conn.execute(text(_GEMEENTEN.format(scope=scope)), {"pois": pois or []})).all()


@dataclass(frozen=True)
class Counts:
    label: str
    open: int
    planned: int
    delayed: int
    temporarily_closed: int
    closed: int

    @property
    def share_open(self) -> float | None:
        """Of the IDOs that are meant to open (open, planned, delayed): the part that is open."""
        meant = self.open + self.planned + self.delayed
        return self.open / meant if meant else None

    @property
    def share_text(self) -> str:
        share = self.share_open
        return "—" if share is None else f"{round(share * 100)}%"


_COUNTS = f"""
SELECT {{group}} AS label,
       count(*) FILTER (WHERE s.status = 'open') AS open,
       count(*) FILTER (WHERE s.status = 'gepland' AND NOT {DELAYED}) AS planned,
       count(*) FILTER (WHERE {DELAYED}) AS delayed,
       count(*) FILTER (WHERE s.status = 'tijdelijk_gesloten') AS temporarily_closed,
       count(*) FILTER (WHERE s.status = 'gesloten') AS closed
FROM rm_opening_status_v2 s JOIN tenants t USING (tenant_id) JOIN pois p ON p.poi_id = t.poi_id
GROUP BY 1 ORDER BY 1
"""


async def national_counts(reader: Database, today: date) -> dict[str, list[Counts]]:
    """Counts per province (of the gemeente, else of the library, else 'onbekend'), per POI, and the national
    total."""
    out: dict[str, list[Counts]] = {}
    async with reader.platform() as conn:
        for key, group in (
            ("province", PROVINCE),
            ("poi", "p.name"),
            ("total", "''"),
        ):
            rows = (await conn.execute(text(_COUNTS.format(group=group)), {"today": today})).all()
            out[key] = [Counts(*r) for r in rows]
    if not out["total"]:
        out["total"] = [Counts("", 0, 0, 0, 0, 0)]
    return out


_INBOX = """
SELECT n.tenant_id, n.notice_id, n.kind, n.subject, n.body, n.to_kb, n.created_at, n.location_id,
       t.slug, t.name AS library, r.read_at
FROM notices n JOIN tenants t USING (tenant_id)
LEFT JOIN notice_reads r ON r.tenant_id = n.tenant_id AND r.notice_id = n.notice_id AND r.user_id = :u
WHERE {scope} {filters}
ORDER BY n.created_at DESC, n.notice_id
LIMIT 200
"""


@dataclass(frozen=True)
class Notice:
    tenant_id: UUID
    notice_id: UUID
    kind: str
    subject: str
    body: dict[str, Any]
    to_kb: bool
    created_at: datetime
    location_id: UUID
    slug: str
    library: str
    read_at: datetime | None

    @property
    def kind_label(self) -> str:
        return NOTICE_KINDS.get(self.kind, self.kind)

    def date(self, key: str) -> date | None:
        value = self.body.get(key)
        return date.fromisoformat(value) if value else None


async def inbox(
    reader: Database,
    scope: Scope,
    *,
    kind: str = "",
    unread_only: bool = False,
    tenant_id: UUID | None = None,
) -> list[Notice]:
    clauses = []
    if kind in NOTICE_KINDS:
        clauses.append("n.kind = :kind")
    if unread_only:
        clauses.append("r.read_at IS NULL")
    if tenant_id is not None:
        clauses.append("n.tenant_id = :tenant")
    sql = _INBOX.format(scope=scope.where(), filters="".join(f" AND {c}" for c in clauses))
    async with reader.platform() as conn:
        rows = (await conn.execute(text(sql), {**scope.params(), "kind": kind, "tenant": tenant_id})).all()
    return [Notice(**{**r._mapping, "body": from_jsonb(r.body)}) for r in rows]


async def unread_count(reader: Database, scope: Scope) -> int:
    sql = f"""SELECT count(*) FROM notices n LEFT JOIN notice_reads r ON r.tenant_id = n.tenant_id
              AND r.notice_id = n.notice_id AND r.user_id = :u WHERE {scope.where()} AND r.read_at IS NULL"""
    async with reader.platform() as conn:
        return (await conn.execute(text(sql), scope.params())).scalar_one()


async def notice(reader: Database, scope: Scope, notice_id: UUID) -> Notice | None:
    """One notice within the scope, or None (then it does not exist for this user)."""
    sql = _INBOX.format(scope=scope.where(), filters=" AND n.notice_id = :id")
    async with reader.platform() as conn:
        r = (await conn.execute(text(sql), {**scope.params(), "id": notice_id})).first()
    return Notice(**{**r._mapping, "body": from_jsonb(r.body)}) if r else None


_READ = text("""
INSERT INTO notice_reads (tenant_id, notice_id, user_id) VALUES (:t, :id, :u) ON CONFLICT DO NOTHING
""")


async def mark_read(db: Database, user_id: UUID, notices: list[tuple[UUID, UUID]]) -> None:
    """Record (tenant id, notice id) pairs as read by the user, each in its library's own transaction."""
    by_tenant: dict[UUID, list[UUID]] = defaultdict(list)
    for tenant_id, notice_id in notices:
        by_tenant[tenant_id].append(notice_id)
    for tenant_id, ids in by_tenant.items():
        async with db.tenant(tenant_id) as conn:
            await conn.execute(_READ, [{"t": tenant_id, "id": i, "u": user_id} for i in ids])


_TROUBLED = text("""
SELECT t.name AS library, n.subject, d.channel, d.recipient, d.status, d.attempts, d.last_error,
       d.next_attempt_at, d.created_at
FROM notice_deliveries d JOIN notices n USING (tenant_id, notice_id) JOIN tenants t USING (tenant_id)
WHERE d.status = 'failed' OR (d.status IN ('pending', 'sending') AND d.attempts > 0)
ORDER BY d.status = 'failed' DESC, d.created_at DESC
LIMIT 200
""")


async def troubled_deliveries(reader: Database) -> list:
    """Deliveries that failed for good, and those still being retried after an error."""
    async with reader.platform() as conn:
        return (await conn.execute(_TROUBLED)).all()


_TOLD = text("""
SELECT n.dedupe_key, n.to_kb, d.channel, d.status, d.attempts, d.delivered_at, d.last_error
FROM notices n LEFT JOIN notice_deliveries d USING (tenant_id, notice_id)
WHERE n.tenant_id = :t AND n.location_id = :loc
ORDER BY n.created_at, d.channel
""")


@dataclass(frozen=True)
class Delivery:
    channel: str
    status: str
    attempts: int
    delivered_at: Any
    last_error: str | None


@dataclass(frozen=True)
class Told:
    """The notice written for one planning fact, and its deliveries."""

    to_kb: bool
    deliveries: tuple[Delivery, ...]


async def told(db: Database, tenant_id: UUID, location_id: UUID) -> dict[str, Told]:
    """Per notice of the location, by its dedupe key (domain.planning_notices.notice_key: one per fact): who
    was told."""
    async with db.tenant(tenant_id) as conn:
        rows = (await conn.execute(_TOLD, {"t": tenant_id, "loc": location_id})).all()
    found: dict[str, Told] = {}
    for r in rows:
        previous = found.get(r.dedupe_key, Told(r.to_kb, ()))
        extra = (
            (Delivery(r.channel, r.status, r.attempts, r.delivered_at, r.last_error),) if r.channel else ()
        )
        found[r.dedupe_key] = Told(r.to_kb, previous.deliveries + extra)
    return found


async def notices_until(db: Database, tenant_id: UUID) -> Checkpoint:
    """How far the notices projection has come in the library's feed: a planning fact at or before this point
    without a notice was recorded before every fact was told."""
    async with db.tenant(tenant_id) as conn:
        return (await checkpoints(conn, tenant_id, [Notices.name]))[Notices.name]


async def first_question(db: Database, tenant_id: UUID, location_id: UUID) -> date | None:
    """The day of the location's first question that the figures count (None: no question), for the checklist."""
    sql = text(
        "SELECT min(day) FROM rm_question_counts_v1 WHERE tenant_id = :t AND location_id = :loc"
    )  # the same as FIRST_QUESTION, for one location
    async with db.tenant(tenant_id) as conn:
        return (await conn.execute(sql, {"t": tenant_id, "loc": location_id})).scalar()


@dataclass(frozen=True)
class YearCounts:
    """IDOs of one subsidy year: opened in (or before) the year, opened after it, not opened yet (of which
    already late: the year is over or the plan lies after it), and closed without having opened."""

    subsidy_year: int
    in_time: int = 0
    late: int = 0
    not_yet: int = 0
    not_yet_late: int = 0
    closed_unopened: int = 0

    @property
    def total(self) -> int:
        return self.in_time + self.late + self.not_yet + self.closed_unopened


@dataclass(frozen=True)
class LateOpening:
    library: str
    province: str
    poi: str
    name: str
    branch: str
    subsidy_year: int
    status: str
    planned: date
    opened_on: date | None


_BY_YEAR = text("""
SELECT t.name AS library, coalesce(s.gemeente_province, t.province, 'onbekend') AS province, p.name AS poi,
       s.name, s.branch,
       s.subsidy_year, s.status, s.planned, s.opened_on
FROM rm_opening_status_v2 s JOIN tenants t USING (tenant_id) JOIN pois p ON p.poi_id = t.poi_id
ORDER BY s.subsidy_year, s.opened_on NULLS LAST, s.planned, t.name, s.name
""")


async def by_subsidy_year(reader: Database, today: date) -> tuple[list[YearCounts], list[LateOpening]]:
    """Nationwide, per subsidy year: how many IDOs opened in time, late, or not yet (domain.ido.timeliness), and
    the late ones (domain.ido.opens_late), oldest subsidy year first."""
    async with reader.platform() as conn:
        rows = (await conn.execute(_BY_YEAR)).all()
    counts: dict[int, dict[str, int]] = {}
    late: list[LateOpening] = []
    for r in rows:
        c = counts.setdefault(r.subsidy_year, defaultdict(int))
        status = ido.Status(r.status)
        when = ido.timeliness(r.subsidy_year, r.opened_on)
        if when == ido.Timeliness.IN_TIME:
            c["in_time"] += 1
        elif when == ido.Timeliness.LATE:
            c["late"] += 1
        elif status == ido.Status.CLOSED:
            c["closed_unopened"] += 1
        else:
            c["not_yet"] += 1
            c["not_yet_late"] += ido.opens_late(r.subsidy_year, status, r.planned, None, today)
        if ido.opens_late(r.subsidy_year, status, r.planned, r.opened_on, today):
            late.append(LateOpening(**r._mapping))
    return [YearCounts(year, **c) for year, c in sorted(counts.items())], late
