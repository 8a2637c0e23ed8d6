"""Advance the projections of tenant T: one short transaction per batch, fenced by advisory locks, reading one page
of the feed after the checkpoints by the gap-free rule and storing the new checkpoints with the read-model writes.
The workers advance the live tables this way and the rebuild its shadow tables (operations.rebuild)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.ports import Checkpoint, RecordedEvent
from infra.store.db import Database
from infra.store.event_store import PostgresEventStore

BATCH = 2000


class Projection(Protocol):
    name: str  # with its version, e.g. "question_stats.v1"
    tables: tuple[str, ...]

    async def apply(
        self, conn: AsyncConnection, tenant_id: UUID, events: list[RecordedEvent], suffix: str
    ) -> None:
        """Write the batch into the read-model tables (`suffix` "_rebuild" for the shadow tables)."""
        ...


_WAIT_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:p), hashtext(CAST(CAST(:t AS uuid) AS text)))")
_LOCKS = text(
    "SELECT p, pg_try_advisory_xact_lock(hashtext(p), hashtext(CAST(CAST(:t AS uuid) AS text))) AS ok "
    "FROM unnest(CAST(:ps AS text[])) AS p"
)
_GET_ALL = text(
    "SELECT projection, last_tx_id::text AS tx, last_position FROM projection_checkpoints "
    "WHERE tenant_id = :t AND projection = ANY(CAST(:ps AS text[]))"
)
_PUT_ALL = text("""
INSERT INTO projection_checkpoints (tenant_id, projection, last_tx_id, last_position, updated_at)
SELECT :t, u.p, CAST(u.tx AS xid8), u.pos, now()
FROM unnest(CAST(:ps AS text[]), CAST(:txs AS text[]), CAST(:poss AS bigint[])) AS u(p, tx, pos)
ON CONFLICT (tenant_id, projection) DO UPDATE
SET last_tx_id = EXCLUDED.last_tx_id, last_position = EXCLUDED.last_position, updated_at = now()
""")


async def lock(conn: AsyncConnection, tenant_id: UUID, names: list[str], *, wait: bool) -> list[str]:
    """Take the advisory locks of the projections `names` (checkpoint names) for `conn`'s transaction: `wait` for
    each in turn, or take only those no other transaction holds. Answer the names locked."""
    if wait:
        for name in names:
            await conn.execute(_WAIT_LOCK, {"p": name, "t": tenant_id})
        return names
    rows = (await conn.execute(_LOCKS, {"ps": names, "t": tenant_id})).all()
    return [r.p for r in rows if r.ok]


async def checkpoints(conn: AsyncConnection, tenant_id: UUID, names: list[str]) -> dict[str, Checkpoint]:
    """The checkpoints of the projections `names`; the start of the feed for those without one."""
    rows = (await conn.execute(_GET_ALL, {"ps": names, "t": tenant_id})).all()
    got = {r.projection: Checkpoint(int(r.tx), r.last_position) for r in rows}
    return {name: got.get(name, Checkpoint()) for name in names}


async def advance_page(
    conn: AsyncConnection,
    store: PostgresEventStore,
    tenant_id: UUID,
    projections: Mapping[str, Projection],
    *,
    suffix: str = "",
    batch: int = BATCH,
    wait: bool = False,
) -> int:
    """One batch inside `conn`'s transaction. `projections` by checkpoint name: lock them (`wait` for the locks,
    or leave those another worker holds to it), read their checkpoints, one page of the feed from the lowest,
    give each projection the events of its types after its own checkpoint (into its tables + `suffix`), store
    the checkpoints. Answer the rows of the feed read: fewer than `batch` means caught up."""
    mine = await lock(conn, tenant_id, list(projections), wait=wait)
    if not mine:
        return 0
    cps = await checkpoints(conn, tenant_id, mine)
    start = min(cps.values(), key=lambda c: (c.tx_id, c.position))
    kinds = [getattr(projections[n], "event_types", None) for n in mine]
    types = None if any(k is None for k in kinds) else frozenset().union(*kinds)
    events, last, n = await store.read_page(tenant_id, start, batch, types, conn=conn)
    if last is None:
        return 0
    moved = []
    for name, kind in zip(mine, kinds, strict=True):
        if not cps[name] < last:
            continue
        mine_events = [
            e for e in events if cps[name] < e.checkpoint and (kind is None or e.event_type in kind)
        ]
        if mine_events:
            await projections[name].apply(conn, tenant_id, mine_events, suffix)
        moved.append(name)
    if moved:
        await conn.execute(
            _PUT_ALL,
            {
                "t": tenant_id,
                "ps": moved,
                "txs": [str(last.tx_id)] * len(moved),
                "poss": [last.position] * len(moved),
            },
        )
    return n


class Runner:
    def __init__(self, db: Database, store: PostgresEventStore, projections: list[Projection]) -> None:
        self.db = db
        self.store = store
        self.projections = {p.name: p for p in projections}

    async def advance_all(self, tenant_id: UUID, *, max_batches: int = 50, batch: int = BATCH) -> bool:
        """Advance every projection of the tenant together: per batch one transaction (advance_page).
        Projections locked by another worker are left to it. Answer whether all are caught up."""
        for _ in range(max_batches):
            async with self.db.tenant(tenant_id) as conn:
                n = await advance_page(conn, self.store, tenant_id, self.projections, batch=batch)
            if n < batch:
                return True
        return False
