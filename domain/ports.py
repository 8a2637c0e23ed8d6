"""Ports the domain's handlers depend on; infra/ implements them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import msgspec


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append. `event_id` is the idempotency key; metadata holds ids only (actor, request)."""

    event_id: UUID
    event: msgspec.Struct
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A position in a tenant's feed: the pair (transaction id, global position), compared as a tuple."""

    tx_id: int = 0
    position: int = 0

    def __lt__(self, other: Checkpoint) -> bool:
        return (self.tx_id, self.position) < (other.tx_id, other.position)


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    tenant_id: UUID
    stream_id: str
    stream_version: int
    event_id: UUID
    event_type: str
    schema_version: int
    event: msgspec.Struct
    metadata: dict[str, Any]
    global_position: int
    tx_id: int
    recorded_at: datetime

    @property
    def checkpoint(self) -> Checkpoint:
        return Checkpoint(self.tx_id, self.global_position)


@dataclass(frozen=True, slots=True)
class AppendResult:
    """Where the events landed. `duplicate` is true when this was a retry answered from the first append."""

    stream_version: int
    positions: tuple[int, ...]
    duplicate: bool = False


class EventStore(Protocol):
    async def append(
        self, tenant_id: UUID, stream_id: str, events: Sequence[NewEvent], expected_version: int | None
    ) -> AppendResult:
        """Append all events or none. expected_version 0 = new stream, None = any.

        Raises:
            WrongExpectedVersion: the stream is not at expected_version.
            IdempotencyConflict: an event id is already stored with other content.
        """
        ...

    async def read_stream(self, tenant_id: UUID, stream_id: str) -> list[RecordedEvent]: ...

    async def read_feed(self, tenant_id: UUID, after: Checkpoint, limit: int = 1000) -> list[RecordedEvent]:
        """Events of one tenant after `after`, in commit-safe order; never skips a late commit."""
        ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
