"""The unit of work on PostgreSQL: one tenant transaction (row-level security) holding the handler's reads, its
appends and the request's idempotency record; the workers are woken once it has committed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.ports import AppendResult, NewEvent, Outcome, RecordedEvent
from infra.notify.wakeup import NoWaker
from infra.platform.partners import Partners
from infra.queries.locations import list_locations
from infra.store import idempotency
from infra.store.event_store import PostgresEventStore


class PostgresTransaction:
    def __init__(
        self, uow: PostgresUnitOfWork, tenant_id: UUID, conn: AsyncConnection, now: datetime
    ) -> None:
        self.uow, self.tenant_id, self.conn, self._now = uow, tenant_id, conn, now
        self.appended = False

    def now(self) -> datetime:
        return self._now

    async def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        return await self.uow.store.read_stream(self.tenant_id, stream_id, conn=self.conn)

    async def append(
        self, stream_id: str, events: Sequence[NewEvent], expected_version: int | None
    ) -> AppendResult:
        result = await self.uow.store.append(
            self.tenant_id, stream_id, events, expected_version, conn=self.conn
        )
        self.appended = self.appended or not result.duplicate
        return result

    async def locations(self) -> dict[UUID, date | None]:
        found = await list_locations(self.uow.store.db, self.uow.store.codec, self.tenant_id, conn=self.conn)
        return {x.location_id: x.registers_from for x in found}

    async def active_partners(self) -> set[UUID]:
        return set(await self.uow.partners.active_ids(self.tenant_id, conn=self.conn))

    async def claim(self, key: str, payload: Any) -> Outcome | None:
        return await idempotency.claim(self.conn, self.tenant_id, key, payload)

    async def answer(self, key: str, outcome: Outcome) -> None:
        await idempotency.answer(self.conn, self.tenant_id, key, outcome)


class PostgresUnitOfWork:
    def __init__(
        self,
        store: PostgresEventStore,
        partners: Partners,
        clock: Callable[[], datetime],
        waker: Any = None,
    ) -> None:
        self.store, self.partners, self.clock = store, partners, clock
        self.waker = waker if waker is not None else NoWaker()

    @asynccontextmanager
    async def __call__(self, tenant_id: UUID) -> AsyncIterator[PostgresTransaction]:
        async with self.store.db.tenant(tenant_id) as conn:
            tx = PostgresTransaction(self, tenant_id, conn, self.clock())
            yield tx
        if tx.appended:
            await self.waker.wake(tenant_id)
