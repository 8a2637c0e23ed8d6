"""Visitors and questions per local day and location, from the visitors.v1 read model (the dashboard and the
API's statistics read them; a visitor counts in the cell of its visit's first question, so days add up)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from infra.store.db import Database

TABLE = "rm_visitors_v1"


@dataclass(frozen=True)
class DayFigures:
    day: date
    location_id: UUID
    questions: int
    visitors: int


def ratio(questions: int, visitors: int) -> float | None:
    """Questions per visitor; None without visitors."""
    return questions / visitors if visitors else None


async def per_day(
    conn: AsyncConnection, tenant_id: UUID, first: date, last: date, location_id: UUID | None = None
) -> list[DayFigures]:
    """Days first..last (inclusive) with questions or visitors, per location, by day and location."""
    where = "tenant_id = :t AND day BETWEEN :first AND :last"
    params: dict = {"t": tenant_id, "first": first, "last": last}
    if location_id is not None:
        where += " AND location_id = :loc"
        params["loc"] = location_id
    sql = (
        f"SELECT day, location_id, sum(questions)::int AS questions, sum(visitors)::int AS visitors FROM {TABLE} "
        f"WHERE {where} GROUP BY 1, 2 HAVING sum(questions) <> 0 OR sum(visitors) <> 0 ORDER BY 1, 2"
    )
    return [DayFigures(*r) for r in (await conn.execute(text(sql), params)).all()]


async def statistics(
    db: Database, tenant_id: UUID, first: date, last: date, location_id: UUID | None = None
) -> list[DayFigures]:
    """per_day in a transaction of the library (row-level security applies)."""
    async with db.tenant(tenant_id) as conn:
        return await per_day(conn, tenant_id, first, last, location_id)
