"""The unit of work on PostgreSQL: one tenant transaction (row-level security) holding the handler's reads, its
appends and the request's idempotency record; the workers are woken once it has committed. BEGIN and the library
go with the claim of the key in one round trip, the answer with the COMMIT in another (simple query protocol)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from domain import ido
from domain.ports import AppendResult, NewEvent, Outcome, RecordedEvent
from infra.notify.wakeup import NoWaker
from infra.platform.partners import Partner, Partners
from infra.queries.locations import list_locations, locations_and_active_partners
from infra.store import idempotency
from infra.store.db import begin_tenant
from infra.store.event_store import PostgresEventStore

_LOCATION_EVENTS = tuple(ido.IDO_EVENTS)


class PostgresTransaction:
    def __init__(
        self, uow: PostgresUnitOfWork, tenant_id: UUID, conn: asyncpg.Connection, now: datetime
    ) -> None:
        self.uow, self.tenant_id, self._conn, self._now = uow, tenant_id, conn, now
        self.appended = False
        # BEGIN and the library wait for the first statement: a claim goes with them in one round trip
        self.begun = False
        self.answered = ""  # the idempotency record's answer, sent with the COMMIT
        # what the decision read, kept for a read after it in this transaction (Bus.handle_then: the page the
        # answer is part of); an append of a location's events forgets the locations
        self._locations: list[ido.Ido] | None = None
        self._partners: list[Partner] | None = None

    def now(self) -> datetime:
        return self._now

    async def connection(self) -> asyncpg.Connection:
        """The transaction's connection, the transaction begun (for a read after the command on it)."""
        if not self.begun:
            await self._conn.execute(begin_tenant(self.tenant_id))
            self.begun = True
        return self._conn

    async def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        return await self.uow.store.read_stream(self.tenant_id, stream_id, conn=await self.connection())

    async def append(
        self, stream_id: str, events: Sequence[NewEvent], expected_version: int | None
    ) -> AppendResult:
        result = await self.uow.store.append(
            self.tenant_id, stream_id, events, expected_version, conn=await self.connection()
        )
        self.appended = self.appended or not result.duplicate
        if any(isinstance(e.event, _LOCATION_EVENTS) for e in events):
            self._locations = None
        return result

    async def location_list(self) -> list[ido.Ido]:
        """The library's locations as this transaction sees them (read once)."""
        if self._locations is None:
            await self._read_context()
        assert self._locations is not None
        return self._locations

    async def active_partner_list(self) -> list[Partner]:
        """The library's active partners (read once; partners are rows that no command of the bus writes)."""
        if self._partners is None:
            await self._read_context()
        assert self._partners is not None
        return self._partners

    async def _read_context(self) -> None:
        """What is not read yet of the locations and the active partners; both in one round trip when neither
        is (a desk decision takes both)."""
        conn, store = await self.connection(), self.uow.store
        if self._partners is None and self._locations is None:
            self._locations, self._partners = await locations_and_active_partners(
                store.db, store.codec, self.tenant_id, conn=conn
            )
        elif self._locations is None:
            self._locations = await list_locations(store.db, store.codec, self.tenant_id, conn=conn)
        else:
            self._partners = await self.uow.partners.list(self.tenant_id, active_only=True, conn=conn)

    async def locations(self) -> dict[UUID, date | None]:
        return {x.location_id: x.registers_from for x in await self.location_list()}

    async def active_partners(self) -> set[UUID]:
        return {p.partner_id for p in await self.active_partner_list()}

    async def claim(self, key: str, payload: Any) -> Outcome | None:
        begin = "" if self.begun else begin_tenant(self.tenant_id)
        self.begun = True  # by the claim's round trip: also when it fails (the lease rolls back what is open)
        return await idempotency.claim(self._conn, self.tenant_id, key, payload, begin=begin)

    async def answer(self, key: str, outcome: Outcome) -> None:
        """Stored with the COMMIT, in its round trip (nothing after the handler reads it)."""
        await idempotency.prepared(await self.connection())
        self.answered = idempotency.answer_text(self.tenant_id, key, outcome)


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
        async with self.store.db.raw() as conn:
            tx = PostgresTransaction(self, tenant_id, conn, self.clock())
            yield tx
            if tx.begun:
                await conn.execute(f"{tx.answered}; COMMIT" if tx.answered else "COMMIT")
        if tx.appended:
            await self.waker.wake(tenant_id)
