"""In memory, for pure unit tests of handlers: the event store (it passes the same contract suite as PostgreSQL)
and the unit of work over it (it passes the unit-of-work contract suite)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from domain.errors import IdempotencyConflict, WrongExpectedVersion
from domain.ports import AppendResult, Checkpoint, Clock, NewEvent, Outcome, RecordedEvent
from infra.store.codec import Codec, json_dumps
from infra.store.idempotency import request_hash


class InMemoryEventStore:
    def __init__(self, codec: Codec, clock: Clock) -> None:
        self.codec = codec
        self.clock = clock
        self._rows: list[dict[str, Any]] = []  # in commit order: every append is committed at once
        self._by_id: dict[tuple[UUID, UUID], dict[str, Any]] = {}
        self._versions: dict[tuple[UUID, str], int] = {}
        self._tx = 0
        self._lock = asyncio.Lock()

    async def append(
        self, tenant_id: UUID, stream_id: str, events: Sequence[NewEvent], expected_version: int | None
    ) -> AppendResult:
        if not events:
            raise ValueError("nothing to append")
        if len({e.event_id for e in events}) != len(events):
            raise ValueError("one append holds the same event id twice")
        encoded = [self.codec.encode(e.event) for e in events]
        async with self._lock:
            stored = [self._by_id.get((tenant_id, e.event_id)) for e in events]
            if any(stored):
                return self._retry(stream_id, events, encoded, stored)
            current = self._versions.get((tenant_id, stream_id), 0)
            if expected_version is not None and expected_version != current:
                raise WrongExpectedVersion(stream_id, expected_version, current)
            self._tx += 1
            rows = []
            for i, (e, (etype, version, data)) in enumerate(zip(events, encoded, strict=True), start=1):
                row = {
                    "tenant_id": tenant_id,
                    "stream_id": stream_id,
                    "stream_version": current + i,
                    "event_id": e.event_id,
                    "event_type": etype,
                    "schema_version": version,
                    "data": msgspec.json.decode(json_dumps(data)),
                    "metadata": msgspec.json.decode(json_dumps(e.metadata)),
                    "global_position": len(self._rows) + 1,
                    "tx_id": self._tx,
                    "recorded_at": self.clock(),
                }
                self._rows.append(row)
                self._by_id[(tenant_id, e.event_id)] = row
                rows.append(row)
            self._versions[(tenant_id, stream_id)] = current + len(events)
        return AppendResult(rows[-1]["stream_version"], tuple(r["global_position"] for r in rows))

    def _retry(self, stream_id, events, encoded, stored) -> AppendResult:
        for e, (etype, _, data), row in zip(events, encoded, stored, strict=True):
            if (
                row is None
                or row["stream_id"] != stream_id
                or row["event_type"] != etype
                or row["data"] != msgspec.json.decode(json_dumps(data))
            ):
                raise IdempotencyConflict(e.event_id)
        return AppendResult(
            stored[-1]["stream_version"], tuple(r["global_position"] for r in stored), duplicate=True
        )

    async def read_stream(
        self, tenant_id: UUID, stream_id: str, *, after_version: int = 0
    ) -> list[RecordedEvent]:
        return [
            self._record(r)
            for r in self._rows
            if r["tenant_id"] == tenant_id
            and r["stream_id"] == stream_id
            and r["stream_version"] > after_version
        ]

    async def read_feed(self, tenant_id: UUID, after: Checkpoint, limit: int = 1000) -> list[RecordedEvent]:
        key = (after.tx_id, after.position)
        rows = [
            r for r in self._rows if r["tenant_id"] == tenant_id and (r["tx_id"], r["global_position"]) > key
        ]
        return [self._record(r) for r in rows[:limit]]

    def _record(self, r: dict[str, Any]) -> RecordedEvent:
        return RecordedEvent(
            tenant_id=r["tenant_id"],
            stream_id=r["stream_id"],
            stream_version=r["stream_version"],
            event_id=r["event_id"],
            event_type=r["event_type"],
            schema_version=r["schema_version"],
            event=self.codec.decode(r["event_type"], r["schema_version"], r["data"]),
            metadata=dict(r["metadata"]),
            global_position=r["global_position"],
            tx_id=r["tx_id"],
            recorded_at=r["recorded_at"],
        )

    def _snapshot(self) -> tuple[int, dict, dict, int]:
        return len(self._rows), dict(self._by_id), dict(self._versions), self._tx

    def _restore(self, snapshot: tuple[int, dict, dict, int]) -> None:
        rows, self._by_id, self._versions, self._tx = snapshot
        del self._rows[rows:]

    def _put_raw(
        self,
        tenant_id: UUID,
        stream_id: str,
        event_type: str,
        schema_version: int,
        data: dict[str, Any],
        event_id: UUID,
    ) -> None:
        """Store a row as an older release wrote it (used by the contract suite's upcasting test)."""
        version = self._versions.get((tenant_id, stream_id), 0) + 1
        self._tx += 1
        row = {
            "tenant_id": tenant_id,
            "stream_id": stream_id,
            "stream_version": version,
            "event_id": event_id,
            "event_type": event_type,
            "schema_version": schema_version,
            "data": data,
            "metadata": {},
            "global_position": len(self._rows) + 1,
            "tx_id": self._tx,
            "recorded_at": self.clock(),
        }
        self._rows.append(row)
        self._by_id[(tenant_id, event_id)] = row
        self._versions[(tenant_id, stream_id)] = version


class InMemoryTransaction:
    def __init__(self, uow: InMemoryUnitOfWork, tenant_id: UUID, now: datetime) -> None:
        self.uow, self.tenant_id, self._now = uow, tenant_id, now
        self.appended = False

    def now(self) -> datetime:
        return self._now

    async def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        return await self.uow.store.read_stream(self.tenant_id, stream_id)

    async def append(
        self, stream_id: str, events: Sequence[NewEvent], expected_version: int | None
    ) -> AppendResult:
        result = await self.uow.store.append(self.tenant_id, stream_id, events, expected_version)
        self.appended = self.appended or not result.duplicate
        return result

    async def locations(self) -> dict[UUID, date | None]:
        return dict(self.uow.locations.get(self.tenant_id, {}))

    async def active_partners(self) -> set[UUID]:
        return set(self.uow.partners.get(self.tenant_id, set()))

    async def claim(self, key: str, payload: Any) -> Outcome | None:
        digest = request_hash(payload)
        stored = self.uow.keys.get((self.tenant_id, key))
        if stored is None:
            self.uow.keys[(self.tenant_id, key)] = (digest, None)
            return None
        if stored[0] != digest:
            raise IdempotencyConflict(key)
        assert stored[1] is not None  # transactions run one at a time here
        return Outcome(stored[1].status, stored[1].body, replayed=True)

    async def answer(self, key: str, outcome: Outcome) -> None:
        digest, _ = self.uow.keys[(self.tenant_id, key)]
        self.uow.keys[(self.tenant_id, key)] = (digest, Outcome(outcome.status, dict(outcome.body)))


class InMemoryUnitOfWork:
    """Transactions run one at a time; one that raises leaves the store, the keys and the wake-ups as they were.
    `locations` and `partners` stand in for the library's IDO locations and active partners."""

    def __init__(self, store: InMemoryEventStore) -> None:
        self.store = store
        self.locations: dict[UUID, dict[UUID, date | None]] = {}
        self.partners: dict[UUID, set[UUID]] = {}
        self.keys: dict[tuple[UUID, str], tuple[bytes, Outcome | None]] = {}
        self.woken: list[UUID] = []
        self._one_at_a_time = asyncio.Lock()

    @asynccontextmanager
    async def __call__(self, tenant_id: UUID) -> AsyncIterator[InMemoryTransaction]:
        async with self._one_at_a_time:
            saved = self.store._snapshot(), dict(self.keys)
            tx = InMemoryTransaction(self, tenant_id, self.store.clock())
            try:
                yield tx
            except BaseException:
                self.store._restore(saved[0])
                self.keys = saved[1]
                raise
        if tx.appended:
            self.woken.append(tenant_id)
