"""Projection question_stats.v1: questions per day × location × party × topic × kind × help × channel, and
per weekday × hour (corrections and retractions included). Referrals per partner were here too (rm_referrals_v1,
without the kind of question); referrals.v3 (infra/projections/referrals.py) counts them now."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import question_stats as qs
from domain.ports import RecordedEvent


def _upsert(table: str, keys: list[str], types: list[str]) -> str:
    cols = ", ".join(keys)
    params = ", ".join(f"CAST(:{k} AS {t}[])" for k, t in zip(keys, types, strict=True))
    return (
        f"INSERT INTO {table} AS r (tenant_id, {cols}, count) "
        f"SELECT :tenant_id, u.* FROM unnest({params}, CAST(:count AS integer[])) AS u "
        f"ON CONFLICT (tenant_id, {cols}) DO UPDATE SET count = r.count + EXCLUDED.count"
    )


COUNTS = (
    ["day", "location_id", "npd_party", "topic", "kind", "help", "channel"],
    ["date", "uuid", "text", "text", "text", "text", "text"],
)
HOURS = (["day", "location_id", "hour"], ["date", "uuid", "smallint"])


class QuestionStats:
    name = "question_stats.v1"
    tables = ("rm_question_counts_v1", "rm_question_hours_v1")
    event_types = frozenset(
        {"QuestionRegistered", "QuestionCorrected", "QuestionRetracted", "QuestionsTallied"}
    )

    async def apply(
        self, conn: AsyncConnection, tenant_id: UUID, events: list[RecordedEvent], suffix: str
    ) -> None:
        counts, hours = [], []
        for r in events:
            counts += qs.count_deltas(r.event)
            hours += qs.hour_deltas(r.event)
        for table, (keys, types), deltas in zip(self.tables, (COUNTS, HOURS), (counts, hours), strict=True):
            await self._write(conn, tenant_id, table + suffix, keys, types, qs.merge(deltas))

    async def _write(
        self,
        conn: AsyncConnection,
        tenant_id: UUID,
        table: str,
        keys: list[str],
        types: list[str],
        merged: dict,
    ) -> None:
        await write_counts(conn, tenant_id, table, keys, types, merged)


async def write_counts(
    conn: AsyncConnection, tenant_id: UUID, table: str, keys: list[str], types: list[str], merged: dict
) -> None:
    """Add the merged deltas to the `count` of their rows (keys: the key's attributes, also the columns);
    rows that reach zero go."""
    if not merged:
        return
    params: dict = {k: [getattr(key, k) for key in merged] for k in keys}
    await conn.execute(
        text(_upsert(table, keys, types)),
        {"tenant_id": tenant_id, **params, "count": list(merged.values())},
    )
    if any(v < 0 for v in merged.values()):
        await conn.execute(text(f"DELETE FROM {table} WHERE tenant_id = :t AND count = 0"), {"t": tenant_id})
