"""The tail test: a reader following the feed while 16 writers commit late never misses or repeats an event,
and never sees one of a rolled-back transaction."""

from __future__ import annotations

import asyncio
import random
from uuid import uuid4

from domain.ports import Checkpoint, NewEvent
from tests.contract_events import Noted

WRITERS = 16
COMMITTED_TARGET = 5_000


class Rollback(Exception):
    pass


async def test_feed_reader_sees_every_committed_event_once_under_16_late_committing_writers(
    container, new_tenant
):
    store = container.events.__class__(container.db, container.codec.with_types([Noted]), container.clock)
    tenant = await new_tenant()
    committed: set = set()
    rolled_back: set = set()
    per_writer = COMMITTED_TARGET // WRITERS + 1
    rng = random.Random(20261128)

    async def writer(w: int) -> None:
        done = 0
        i = 0
        while done < per_writer:
            i += 1
            ids = [uuid4() for _ in range(rng.choice((1, 1, 1, 2)))]
            abort = rng.random() < 0.1
            try:
                async with container.db.tenant(tenant) as conn:
                    await store.append(
                        tenant, f"w{w}-{i}", [NewEvent(x, Noted(n=i)) for x in ids], 0, conn=conn
                    )
                    await asyncio.sleep(rng.uniform(0, 0.020))
                    if abort:
                        raise Rollback
            except Rollback:
                rolled_back.update(ids)
                continue
            committed.update(ids)
            done += 1

    seen: list = []
    pages: list = []  # kept to explain a failure
    writers_done = asyncio.Event()

    async def reader() -> None:
        """Follow the feed; once the writers are done, go on until the feed has passed the newest committed
        event (another transaction anywhere in the cluster may hold the horizon back for a while)."""
        cp, target = Checkpoint(), None
        deadline = None
        while True:
            if target is None and writers_done.is_set():
                target = await _newest(container, tenant)
                deadline = asyncio.get_running_loop().time() + 60
            page = await store.read_feed(tenant, cp, limit=500)
            seen.extend(e.event_id for e in page)
            pages.append((cp, [(e.tx_id, e.global_position, e.event_id) for e in page]))
            if page:
                cp = page[-1].checkpoint
            elif target is not None and not cp < target:
                return
            elif deadline is not None and asyncio.get_running_loop().time() > deadline:
                return
            else:
                await asyncio.sleep(0.002)

    read_task = asyncio.create_task(reader())
    await asyncio.gather(*(writer(w) for w in range(WRITERS)))
    writers_done.set()
    await read_task

    assert len(committed) >= COMMITTED_TARGET
    assert len(seen) == len(set(seen)), _explain_repeats(seen, pages)
    missed = committed - set(seen)
    assert not missed, f"{len(missed)} committed events were skipped"
    assert not set(seen) & rolled_back, "an event of a rolled-back transaction was delivered"
    assert rolled_back, "the test must include rolled-back transactions"


async def _newest(container, tenant) -> Checkpoint:
    from sqlalchemy import text

    async with container.db.tenant(tenant) as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT tx_id::text AS tx, global_position FROM events WHERE tenant_id = :t "
                    "ORDER BY tx_id DESC, global_position DESC LIMIT 1"
                ),
                {"t": tenant},
            )
        ).one()
    return Checkpoint(int(row.tx), row.global_position)


def _explain_repeats(seen: list, pages: list) -> str:
    from collections import Counter

    repeated = {k for k, v in Counter(seen).items() if v > 1}
    lines = [
        f"{len(repeated)} events were delivered twice; pages that held them (checkpoint, first, last, row):"
    ]
    for cp, page in pages:
        lines += [f"  {cp} {page[0][:2]} {page[-1][:2]} {row[:2]}" for row in page if row[2] in repeated][:3]
    return "\n".join(lines[:40])
