"""The survey's figures from the read model survey.v1: one library's (its dashboard and verantwoording, under RLS),
and the sums over a POI's libraries or all libraries (the boards, with the cross-tenant reader)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.survey_results import NO_COURSE, SurveyRow
from infra.store.db import Database

_SOURCE = f"CASE WHEN course_id = '{NO_COURSE}' THEN 'balie' ELSE 'cursus' END"
_LIBRARY = """
SELECT {source} AS source, question_set, question, answer, sum(count)::int AS n
FROM rm_survey_v1 WHERE tenant_id = :t AND day BETWEEN :first AND :last {location}
GROUP BY 1, 2, 3, 4
"""
_LIBRARIES = """
SELECT {source} AS source, question_set, question, answer, sum(count)::int AS n
FROM rm_survey_v1 r JOIN tenants t ON t.tenant_id = r.tenant_id
WHERE t.active AND r.day BETWEEN :first AND :last {pois}
GROUP BY 1, 2, 3, 4
"""
_ANSWERING = """
SELECT count(DISTINCT r.tenant_id)::int FROM rm_survey_v1 r JOIN tenants t ON t.tenant_id = r.tenant_id
WHERE t.active AND r.day BETWEEN :first AND :last AND r.question = '' {pois}
"""


async def library_rows(
    conn: AsyncConnection, tenant_id: UUID, first: date, last: date, location_id: UUID | None = None
) -> list[SurveyRow]:
    """One library's rows over first..last (of one location, or all), on the caller's connection: a tenant
    transaction (RLS) or the reader's."""
    where = "AND location_id = :loc" if location_id is not None else ""
    sql = text(_LIBRARY.format(source=_SOURCE, location=where))
    params = {"t": tenant_id, "first": first, "last": last, "loc": location_id}
    return [
        SurveyRow(r.source, r.question_set, r.question, r.answer, r.n)
        for r in (await conn.execute(sql, params))
    ]


async def for_dashboard(
    db: Database, tenant_id: UUID, first: date, last: date, location_id: UUID | None
) -> list[SurveyRow]:
    async with db.tenant(tenant_id) as conn:
        return await library_rows(conn, tenant_id, first, last, location_id)


@dataclass(frozen=True)
class BoardFigures:
    """The survey summed over libraries: their rows, and how many libraries had answers."""

    rows: list[SurveyRow]
    libraries: int


async def for_board(reader: Database, first: date, last: date, poi_ids: list[UUID] | None) -> BoardFigures:
    """The sums over the active libraries of the given POIs (None: all), read across libraries."""
    where = "AND t.poi_id = ANY(:pois)" if poi_ids is not None else ""
    params = {"first": first, "last": last, "pois": poi_ids or []}
    async with reader.platform() as conn:
        rows = (await conn.execute(text(_LIBRARIES.format(source=_SOURCE, pois=where)), params)).all()
        libraries = (await conn.execute(text(_ANSWERING.format(pois=where)), params)).scalar_one()
    return BoardFigures(
        [SurveyRow(r.source, r.question_set, r.question, r.answer, r.n) for r in rows], libraries
    )
