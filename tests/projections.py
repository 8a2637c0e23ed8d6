"""Projections in tests: advance them the way the workers do (Runner.advance_all) until they hold every event
committed so far."""

from __future__ import annotations

import asyncio
from uuid import UUID

from sqlalchemy import text

from domain.ports import Checkpoint
from infra.projections.runner import Runner, checkpoints

_LAST = text(
    "SELECT tx_id::text AS tx, global_position FROM events WHERE tenant_id = :t "
    "ORDER BY tx_id DESC, global_position DESC LIMIT 1"
)


async def caught_up(runner: Runner, tenant_id: UUID, timeout: float = 30.0) -> None:
    """Advance until every projection of the runner has applied every event of the tenant committed before this
    call. The feed holds back events while any older transaction in the cluster is open (and another runner may
    hold a projection's lock), so this may wait. Raises TimeoutError."""
    async with runner.db.tenant(tenant_id) as conn:
        last = (await conn.execute(_LAST, {"t": tenant_id})).first()
    target = Checkpoint(int(last.tx), last.global_position) if last else Checkpoint()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await runner.advance_all(tenant_id)
        behind = [name for name, cp in (await checkpoints_of(runner, tenant_id)).items() if cp < target]
        if not behind:
            return
        if loop.time() > deadline:
            raise TimeoutError(f"{', '.join(behind)} did not catch up for tenant {tenant_id} in {timeout} s")
        await asyncio.sleep(0.02)


async def checkpoints_of(runner: Runner, tenant_id: UUID) -> dict[str, Checkpoint]:
    """The checkpoints of the runner's projections for the tenant."""
    async with runner.db.tenant(tenant_id) as conn:
        return await checkpoints(conn, tenant_id, list(runner.projections))


async def advances_nothing(runner: Runner, tenant_id: UUID) -> bool:
    """Advance once as a worker does; answer whether it found nothing to apply (caught up, no checkpoint moved)."""
    before = await checkpoints_of(runner, tenant_id)
    return await runner.advance_all(tenant_id) and await checkpoints_of(runner, tenant_id) == before
