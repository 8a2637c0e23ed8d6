"""In-memory event store for pure unit tests of handlers; it passes the same contract suite as PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec

from domain.errors import IdempotencyConflict, WrongExpectedVersion
from domain.ports import AppendResult, Checkpoint, Clock, NewEvent, RecordedEvent
from infra.codec import Codec, json_dumps


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
