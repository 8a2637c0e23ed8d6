"""Figures of a period, the previous period and a year earlier (domain/periods.py), each figure set in one read
for the three together: every sum has a column per period (`FILTER`, so periods that overlap count in both).
For the dashboard one library's questions per NPD party, visitors and time spent, on the caller's tenant
connection; for the boards questions and visitors per library, read across libraries (docs/comparison.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.catalogue import CATALOGUE
from domain.comparison import Counts
from domain.errors import DomainError
from domain.help_time import HelpTime
from domain.periods import Comparison
from infra.store.db import Database

COUNTS, VISITORS, HELP_TIME = "rm_question_counts_v1", "rm_visitors_v1", "rm_help_time_v1"
Three = tuple[int, int, int]


def _periods(c: Comparison) -> tuple[str, dict[str, Any]]:
    """The condition "in any of the three periods" on `day`, and its parameters."""
    params: dict[str, Any] = {}
    for i, span in enumerate(c.spans):
        params[f"f{i}"], params[f"l{i}"] = span.first, span.last
    return "(" + " OR ".join(f"day BETWEEN :f{i} AND :l{i}" for i in range(3)) + ")", params


def _sums(expr: str) -> str:
    """The sum of `expr` in each period: columns n0 (the period), n1 (previous), n2 (a year earlier)."""
    return ", ".join(
        f"coalesce(sum({expr}) FILTER (WHERE day BETWEEN :f{i} AND :l{i}), 0)::bigint AS n{i}"
        for i in range(3)
    )


def _three(row: Any) -> Three:
    return (int(row.n0), int(row.n1), int(row.n2)) if row is not None else (0, 0, 0)


def party_name(code: str) -> str:
    """A party the catalogue no longer knows still shows, as its code."""
    try:
        return CATALOGUE.party(code).name
    except DomainError:
        return code


@dataclass(frozen=True)
class LibraryFigures:
    """One library's (or one of its IDOs') figures in the three periods, the parties by name; `since`: its
    first question's day."""

    parties: dict[str, Three]
    visitors: Three
    time: tuple[HelpTime, HelpTime, HelpTime]
    since: date | None

    @property
    def questions(self) -> Three:
        return tuple(sum(p[i] for p in self.parties.values()) for i in range(3))  # type: ignore[return-value]


async def library_figures(
    conn: AsyncConnection, tenant_id: UUID, c: Comparison, location_id: UUID | None = None
) -> LibraryFigures:
    """Three reads on the caller's connection (a tenant transaction: RLS applies)."""
    within, params = _periods(c)
    where = f"tenant_id = :t AND {within}"
    scope = "tenant_id = :t"
    params["t"] = tenant_id
    if location_id is not None:
        where += " AND location_id = :loc"
        scope += " AND location_id = :loc"
        params["loc"] = location_id
    parties_sql = f"SELECT npd_party, {_sums('count')} FROM {COUNTS} WHERE {where} GROUP BY npd_party"
    visitors_sql = (
        f"SELECT {_sums('visitors')}, (SELECT min(day) FROM {COUNTS} WHERE {scope}) AS since "
        f"FROM {VISITORS} WHERE {where}"
    )
    time_sql = f"SELECT duration, {_sums('count')} FROM {HELP_TIME} WHERE {where} GROUP BY duration"
    parties = {
        party_name(r.npd_party): _three(r) for r in (await conn.execute(text(parties_sql), params)).all()
    }
    visitors = (await conn.execute(text(visitors_sql), params)).one()
    time = [HelpTime(), HelpTime(), HelpTime()]
    for r in (await conn.execute(text(time_sql), params)).all():
        for i, n in enumerate(_three(r)):
            time[i] = time[i].add(r.duration, n)
    return LibraryFigures(
        {k: v for k, v in parties.items() if any(v)}, _three(visitors), tuple(time), visitors.since
    )  # type: ignore[arg-type]


_PER_LIBRARY = """
SELECT t.tenant_id, q.n0 AS q0, q.n1 AS q1, q.n2 AS q2, v.n0 AS v0, v.n1 AS v1, v.n2 AS v2,
       (SELECT min(c.day) FROM {counts} c WHERE c.tenant_id = t.tenant_id) AS since
FROM unnest(CAST(:tenants AS uuid[])) AS t(tenant_id)
LEFT JOIN (SELECT tenant_id, {questions} FROM {counts} WHERE tenant_id = ANY(:tenants) AND {within}
           GROUP BY tenant_id) q ON q.tenant_id = t.tenant_id
LEFT JOIN (SELECT tenant_id, {visitors} FROM {visitors_table} WHERE tenant_id = ANY(:tenants) AND {within}
           GROUP BY tenant_id) v ON v.tenant_id = t.tenant_id
"""


async def per_library(reader: Database, c: Comparison, tenant_ids: list[UUID]) -> dict[UUID, Counts]:
    """Questions and visitors of each library in the three periods, in one read across libraries (the reader
    role; the caller names the libraries in scope)."""
    if not tenant_ids:
        return {}
    within, params = _periods(c)
    sql = _PER_LIBRARY.format(
        counts=COUNTS,
        visitors_table=VISITORS,
        questions=_sums("count"),
        visitors=_sums("visitors"),
        within=within,
    )
    async with reader.platform() as conn:
        rows = (await conn.execute(text(sql), {**params, "tenants": tenant_ids})).all()
    return {
        r.tenant_id: Counts(
            (int(r.q0 or 0), int(r.q1 or 0), int(r.q2 or 0)),
            (int(r.v0 or 0), int(r.v1 or 0), int(r.v2 or 0)),
            r.since,
        )
        for r in rows
    }
