"""Operations on projections: lag per projection, tenants waiting to be swept, and rebuild with swap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from infra.projections.runner import BATCH, Runner, advance_page, lock
from infra.store.db import Database

_BEHIND = text("""
SELECT e.tenant_id, count(*) AS events, min(e.recorded_at) AS oldest
FROM events e
LEFT JOIN projection_checkpoints c ON c.tenant_id = e.tenant_id AND c.projection = :p
WHERE (e.tx_id, e.global_position) > (COALESCE(c.last_tx_id, '0'::xid8), COALESCE(c.last_position, 0))
GROUP BY e.tenant_id
""")


# For the sweep: one index probe per tenant from its checkpoint (events_tenant_feed), not a count of every event
_TENANTS_BEHIND = text("""
SELECT t.tenant_id FROM tenants t
LEFT JOIN projection_checkpoints c ON c.tenant_id = t.tenant_id AND c.projection = :p
WHERE EXISTS (
  SELECT 1 FROM events e WHERE e.tenant_id = t.tenant_id
    AND (e.tx_id, e.global_position) > (COALESCE(c.last_tx_id, '0'::xid8), COALESCE(c.last_position, 0)))
""")


@dataclass(frozen=True)
class Lag:
    projection: str
    tenants_behind: int
    events_behind: int
    oldest_unprocessed: datetime | None

    def age_seconds(self, now: datetime) -> float:
        return (now - self.oldest_unprocessed).total_seconds() if self.oldest_unprocessed else 0.0


async def behind(reader: Database, projection: str) -> dict[UUID, tuple[int, datetime]]:
    """Tenants with events the projection has not applied (read across tenants by the reader role)."""
    async with reader.platform() as conn:
        rows = (await conn.execute(_BEHIND, {"p": projection})).all()
    return {r.tenant_id: (r.events, r.oldest) for r in rows}


async def tenants_behind(reader: Database, projection: str) -> set[UUID]:
    """The tenants with events the projection has not applied, without counting them."""
    async with reader.platform() as conn:
        return set((await conn.execute(_TENANTS_BEHIND, {"p": projection})).scalars())


async def status(reader: Database, names: list[str]) -> list[Lag]:
    out = []
    for name in names:
        b = await behind(reader, name)
        oldest = min((o for _, o in b.values()), default=None)
        out.append(Lag(name, len(b), sum(n for n, _ in b.values()), oldest))
    return out


async def rebuild(runner: Runner, name: str, tenant_id: UUID) -> int:
    """Replay the tenant's whole feed into the shadow tables (the path the workers take, with the checkpoint
    under "NAME#rebuild"), then swap them in one transaction: readers see the old rows until the commit.
    Answer the number of events replayed."""
    projection = runner.projections[name]
    shadow_name = f"{name}#rebuild"
    shadow = {shadow_name: projection}

    async def page(conn: AsyncConnection) -> int:
        return await advance_page(conn, runner.store, tenant_id, shadow, suffix="_rebuild", wait=True)

    async with runner.db.tenant(tenant_id) as conn:
        await lock(conn, tenant_id, [shadow_name], wait=True)  # not while another rebuild replays
        for table in projection.tables:
            await conn.execute(text(f"DELETE FROM {table}_rebuild WHERE tenant_id = :t"), {"t": tenant_id})
        await conn.execute(
            text("DELETE FROM projection_checkpoints WHERE tenant_id = :t AND projection = :p"),
            {"t": tenant_id, "p": shadow_name},
        )
    replayed = 0
    while True:
        async with runner.db.tenant(tenant_id) as conn:
            n = await page(conn)
        replayed += n
        if n < BATCH:
            break
    async with runner.db.tenant(tenant_id) as conn:
        await lock(conn, tenant_id, [name], wait=True)  # no worker advances the live tables now
        while (n := await page(conn)) == BATCH:
            replayed += n
        replayed += n
        for table in projection.tables:
            await conn.execute(text(f"DELETE FROM {table} WHERE tenant_id = :t"), {"t": tenant_id})
            await conn.execute(
                text(f"INSERT INTO {table} SELECT * FROM {table}_rebuild WHERE tenant_id = :t"),
                {"t": tenant_id},
            )
            await conn.execute(text(f"DELETE FROM {table}_rebuild WHERE tenant_id = :t"), {"t": tenant_id})
        await conn.execute(
            text("""
            INSERT INTO projection_checkpoints (tenant_id, projection, last_tx_id, last_position)
            SELECT tenant_id, :p, last_tx_id, last_position FROM projection_checkpoints
            WHERE tenant_id = :t AND projection = :s
            ON CONFLICT (tenant_id, projection) DO UPDATE
            SET last_tx_id = EXCLUDED.last_tx_id, last_position = EXCLUDED.last_position, updated_at = now()"""),
            {"t": tenant_id, "p": name, "s": shadow_name},
        )
        await conn.execute(
            text("DELETE FROM projection_checkpoints WHERE tenant_id = :t AND projection = :s"),
            {"t": tenant_id, "s": shadow_name},
        )
    return replayed
