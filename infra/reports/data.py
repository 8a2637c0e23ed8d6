"""Rows for the verantwoording, read from the read models only (never the events table). Every query names
its tenant: the caller's connection is either a tenant transaction (RLS) or the cross-tenant reader."""

from __future__ import annotations

import hashlib
from datetime import date
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.catalogue import CATALOGUE
from domain.completeness import LocationRow, MonthCount
from domain.report import Period
from domain.verantwoording import (
    CourseRow,
    LibraryData,
    QuestionRow,
    ReferralRow,
    TimeWhatRow,
    TimeWhenRow,
    VisitRow,
)
from infra.queries.survey import library_rows as survey_rows

REPORT_VERSION = "verantwoording.7"  # bump when the report's content changes: old bundles are rebuilt
PROJECTIONS = (
    "question_stats.v1",
    "referrals.v3",
    "visitors.v1",
    "help_time.v1",
    "opening_status.v2",
    "courses.v1",
    "survey.v1",
)

_TENANT = text("""
SELECT t.tenant_id, t.slug, t.name, coalesce(t.province, 'onbekend') AS province, p.name AS poi, p.slug AS poi_slug,
       t.poi_id
FROM tenants t JOIN pois p USING (poi_id) WHERE t.tenant_id = :t
""")
# run on the driver connection (asyncpg) inside the caller's transaction: tens of thousands of rows come back,
# and SQLAlchemy's result processing would cost more than the query. A period lies within one year, so the
# month number is enough (date_part is about twice as fast as date_trunc, which goes through timestamptz).
_QUESTIONS = """
SELECT date_part('month', day)::int AS month, location_id, npd_party, topic, kind, help, sum(count)::int AS n
FROM rm_question_counts_v1 WHERE tenant_id = $1 AND day BETWEEN $2 AND $3
GROUP BY 1, 2, 3, 4, 5, 6
"""
_VISITS = """
SELECT date_part('month', day)::int AS month, location_id, sum(visitors)::int AS visitors,
       sum(questions)::int AS questions
FROM rm_visitors_v1 WHERE tenant_id = $1 AND day BETWEEN $2 AND $3
GROUP BY 1, 2
"""
# one scan for both groupings: per party, topic and duration class, and per ISO week (its Monday), location and
# duration class (`what` tells which grouping a row belongs to)
_TIME = """
SELECT GROUPING(npd_party) = 0 AS what, npd_party, topic, duration,
       day - (extract(isodow FROM day)::int - 1) AS week, location_id, sum(count)::int AS n
FROM rm_help_time_v1 WHERE tenant_id = $1 AND day BETWEEN $2 AND $3
GROUP BY GROUPING SETS ((npd_party, topic, duration), (day - (extract(isodow FROM day)::int - 1), location_id, duration))
HAVING sum(count) <> 0
"""
# per direction, partner, kind of question and warmth: the report sums the kinds its "Hoe geholpen" counts (a
# partner not listed has the nil id, and no row in partners)
_REFERRALS = text("""
SELECT r.partner_id, coalesce(p.name, 'Onbekende partner') AS name, coalesce(p.kind, '') AS kind,
       sum(r.count)::int AS n, r.kind AS question_kind, r.direction, r.warmth
FROM rm_referrals_v3 r LEFT JOIN partners p ON p.tenant_id = r.tenant_id AND p.partner_id = r.partner_id
WHERE r.tenant_id = :t AND r.day BETWEEN :first AND :last
GROUP BY 1, 2, 3, 5, 6, 7 HAVING sum(r.count) <> 0
""")
_COURSES = text("""
SELECT programme, title, location_id, start_date, status, enrolled, cursisten, completed, via_desk,
       cursisten_via_desk
FROM rm_courses_v1 WHERE tenant_id = :t AND start_date BETWEEN :first AND :last
""")
_LOCATION_COLUMNS = (
    "location_id, name, variant, status, planned, opened_on, closed_from, closed_until, hours_per_week, "
    "inside_library, gemeente, gemeente_name, gemeente_province"
)
_LOCATIONS = text(f"SELECT {_LOCATION_COLUMNS} FROM rm_opening_status_v2 WHERE tenant_id = :t")


async def tenant_row(conn: AsyncConnection, tenant_id: UUID):
    return (await conn.execute(_TENANT, {"t": tenant_id})).one()


async def load_library(conn: AsyncConnection, tenant_id: UUID, period: Period) -> LibraryData:
    t = await tenant_row(conn, tenant_id)
    p = {"t": tenant_id, "first": period.first, "last": period.last}
    driver = (await conn.get_raw_connection()).driver_connection
    questions = await driver.fetch(_QUESTIONS, tenant_id, period.first, period.last)
    visits = await driver.fetch(_VISITS, tenant_id, period.first, period.last)
    times = await driver.fetch(_TIME, tenant_id, period.first, period.last)
    referrals = (await conn.execute(_REFERRALS, p)).all()
    courses = (await conn.execute(_COURSES, p)).all()
    locations = (await conn.execute(_LOCATIONS, {"t": tenant_id})).all()
    return LibraryData(
        tenant_id=t.tenant_id,
        slug=t.slug,
        name=t.name,
        poi=t.poi,
        province=t.province,
        questions=tuple(QuestionRow(date(period.year, r[0], 1), *tuple(r.values())[1:]) for r in questions),
        referrals=tuple(ReferralRow(*r) for r in referrals),
        courses=tuple(CourseRow(*r) for r in courses),
        locations=tuple(_location(r) for r in locations),
        visits=tuple(VisitRow(date(period.year, r[0], 1), r[1], r[2], r[3]) for r in visits),
        time_what=tuple(
            TimeWhatRow(r["npd_party"], r["topic"], r["duration"], r["n"]) for r in times if r["what"]
        ),
        time_when=tuple(
            TimeWhenRow(r["week"], r["location_id"], r["duration"], r["n"]) for r in times if not r["what"]
        ),
        survey=tuple(await survey_rows(conn, tenant_id, period.first, period.last)),
    )


def _location(r) -> LocationRow:
    return LocationRow(
        r.location_id,
        r.name,
        r.variant,
        r.status,
        r.planned,
        r.opened_on,
        r.closed_from,
        r.closed_until,
        float(r.hours_per_week),
        r.inside_library,
        r.gemeente,
        r.gemeente_name,
        r.gemeente_province,
    )


_TENANTS = """
SELECT t.tenant_id, t.slug, t.name, coalesce(t.province, 'onbekend') AS province, t.poi_id, p.slug AS poi_slug,
       p.name AS poi
FROM tenants t JOIN pois p USING (poi_id) WHERE t.active {where} ORDER BY t.name, t.slug
"""


async def libraries(reader_conn: AsyncConnection, poi_ids: list[UUID] | None = None) -> list:
    """Active libraries (of the given POIs; None: all), by name."""
    where = "AND t.poi_id = ANY(:pois)" if poi_ids is not None else ""
    return (await reader_conn.execute(text(_TENANTS.format(where=where)), {"pois": poi_ids or []})).all()


_STATUS_COUNTS = text("""
SELECT tenant_id, date_trunc('month', day)::date AS month, location_id,
       coalesce(sum(count) FILTER (WHERE topic <> ''), 0)::int AS detail,
       coalesce(sum(count) FILTER (WHERE topic = ''), 0)::int AS tally
FROM rm_question_counts_v1 WHERE tenant_id = ANY(:ts) AND day BETWEEN :first AND :last
GROUP BY 1, 2, 3
""")
_LAST_DAY = text(
    "SELECT tenant_id, max(day) AS last FROM rm_question_counts_v1 WHERE tenant_id = ANY(:ts) GROUP BY 1"
)
_ALL_LOCATIONS = text(
    f"SELECT tenant_id, {_LOCATION_COLUMNS} FROM rm_opening_status_v2 WHERE tenant_id = ANY(:ts)"
)


async def completeness_rows(
    reader_conn: AsyncConnection, tenant_ids: list[UUID], period: Period
) -> tuple[dict[UUID, list[MonthCount]], dict[UUID, list[LocationRow]], dict[UUID, date]]:
    """For the KB's status page: month counts and locations per library, and each library's last registration
    day (of any year), in three queries for all the given libraries."""
    p = {"ts": tenant_ids, "first": period.first, "last": period.last}
    counts: dict[UUID, list[MonthCount]] = {t: [] for t in tenant_ids}
    for r in (await reader_conn.execute(_STATUS_COUNTS, p)).all():
        counts[r.tenant_id].append(MonthCount(r.month, r.location_id, r.detail, r.tally))
    locations: dict[UUID, list[LocationRow]] = {t: [] for t in tenant_ids}
    for r in (await reader_conn.execute(_ALL_LOCATIONS, p)).all():
        locations[r.tenant_id].append(_location(r))
    last = {r.tenant_id: r.last for r in (await reader_conn.execute(_LAST_DAY, p)).all()}
    return counts, locations, last


_FINGERPRINT = text("""
SELECT 'c' AS k, tenant_id::text AS a, projection AS b, last_tx_id::text || ':' || last_position::text AS c
FROM projection_checkpoints WHERE projection = ANY(:projections)
UNION ALL
SELECT 't', tenant_id::text, slug || '|' || name || '|' || poi_id::text, coalesce(province, '') || active::text
FROM tenants
UNION ALL
SELECT 'p', tenant_id::text, count(*)::text, max(updated_at)::text FROM partners GROUP BY tenant_id
ORDER BY 1, 2, 3
""")


async def fingerprint(reader_conn: AsyncConnection, year: int, today: date) -> str:
    """What the national bundle of `year` depends on: every library's projection checkpoints (the read models
    only change when these move), the libraries themselves, their partners' names, the catalogue and report
    versions, and today's date while the year is still running (warnings about the running period)."""
    h = hashlib.sha256(f"{REPORT_VERSION}|{CATALOGUE.version}|{year}".encode())
    if Period(year).last >= today:
        h.update(today.isoformat().encode())
    for r in (await reader_conn.execute(_FINGERPRINT, {"projections": list(PROJECTIONS)})).all():
        h.update("\x1f".join(str(x) for x in r).encode() + b"\x1e")
    return h.hexdigest()
