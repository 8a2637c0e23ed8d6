"""The coordinator's planning commands on the IDO aggregate, and the sweep for opening dates that passed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
from sqlalchemy import text

from domain import ido
from domain.calendar import local_day
from domain.ports import NewEvent
from infra.db import Database
from infra.event_store import PostgresEventStore
from infra.projections.notices import write_notice
from infra.settings import Settings
from infra.wakeup import NoWaker


class Planning:
    def __init__(self, store: PostgresEventStore, clock: Callable[[], datetime], waker: Any = None) -> None:
        self.store = store
        self.clock = clock
        self.waker = waker or NoWaker()

    def today(self) -> date:
        return local_day(self.clock())

    async def load(self, tenant_id: UUID, location_id: UUID) -> ido.Ido:
        events = await self.store.read_stream(tenant_id, ido.stream_id(location_id))
        return ido.fold(location_id, [e.event for e in events])

    async def history(self, tenant_id: UUID, location_id: UUID) -> list:
        return await self.store.read_stream(tenant_id, ido.stream_id(location_id))

    async def execute(
        self,
        tenant_id: UUID,
        location_id: UUID,
        decide: Callable[[ido.Ido], list[msgspec.Struct]],
        meta: dict[str, Any],
    ) -> ido.Ido:
        """Load, decide, append at the loaded version (a concurrent change raises WrongExpectedVersion)."""
        state = await self.load(tenant_id, location_id)
        events = decide(state)
        if events:
            await self.store.append(
                tenant_id,
                ido.stream_id(location_id),
                [NewEvent(uuid4(), e, meta) for e in events],
                state.version,
            )
            await self.waker.wake(tenant_id)
        for e in events:
            state = ido.evolve(state, e)
        return state

    async def register(self, cmd: ido.RegisterIdo, meta: dict[str, Any]) -> ido.Ido:
        events = ido.register(cmd, self.today())
        await self.store.append(
            cmd.tenant_id, ido.stream_id(cmd.location_id), [NewEvent(uuid4(), e, meta) for e in events], 0
        )
        await self.waker.wake(cmd.tenant_id)
        return ido.fold(cmd.location_id, events)


_OVERDUE = text("""
SELECT tenant_id, location_id, name, planned FROM rm_opening_status_v1
WHERE status = 'gepland' AND planned < :today
""")
_COORDINATORS = text("""
SELECT u.email FROM memberships m JOIN users u USING (user_id)
WHERE m.tenant_id = :t AND m.role = 'coordinator' AND u.active ORDER BY u.email
""")


async def overdue_sweep(db: Database, reader: Database, settings: Settings, now: datetime) -> int:
    """A planned opening date passed without an opening and without a reschedule: remind the coordinator and
    tell the POI, once per passed date (the dedupe key holds the date). Answer how many notices are new."""
    async with reader.platform() as conn:
        rows = (await conn.execute(_OVERDUE, {"today": local_day(now)})).all()
    created = 0
    for r in rows:
        async with db.tenant(r.tenant_id) as conn:
            coordinators = (await conn.execute(_COORDINATORS, {"t": r.tenant_id})).scalars().all()
            notice = await write_notice(
                conn,
                settings,
                r.tenant_id,
                key=f"overdue:{r.location_id}:{r.planned.isoformat()}",
                kind="opening_overdue",
                location_id=r.location_id,
                to_kb=False,
                subject=f"Geplande opening van {r.name} ({r.planned:%d-%m-%Y}) is verstreken",
                body={"location": r.name, "planned": r.planned.isoformat()},
                at=now,
                coordinators=list(coordinators),
            )
        created += notice is not None
    return created
