"""Ports the application's handlers depend on; infra/ implements them (PostgreSQL, and in memory for unit tests)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable
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


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a command answered: the HTTP status and body the caller shows, and whether it is the stored answer
    of an earlier request with the same idempotency key."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


class Transaction(Protocol):
    """One library's transaction as a handler sees it: the streams it decides on, the reads the decision needs
    and the request's idempotency record, committed together or not at all."""

    tenant_id: UUID

    def now(self) -> datetime: ...

    async def read_stream(self, stream_id: str) -> list[RecordedEvent]: ...

    async def append(
        self, stream_id: str, events: Sequence[NewEvent], expected_version: int | None
    ) -> AppendResult:
        """All events or none. expected_version 0 = a new stream, None = any.

        Raises:
            WrongExpectedVersion: the stream is not at expected_version.
            IdempotencyConflict: an event id is already stored with other content.
        """
        ...

    async def locations(self) -> dict[UUID, date | None]:
        """The library's IDO locations, each with the first day questions may be registered for it."""
        ...

    async def active_partners(self) -> set[UUID]: ...

    async def claim(self, key: str, payload: Any) -> Outcome | None:
        """Claim an idempotency key for this request; answer the stored outcome when the key was used before
        with the same payload (waiting for a request still running with it).

        Raises: IdempotencyConflict for the same key with another payload."""
        ...

    async def answer(self, key: str, outcome: Outcome) -> None: ...


class UnitOfWork(Protocol):
    """`async with uow(tenant_id) as tx`: one transaction; commits when the block ends without an error, then
    wakes the workers if events were appended; rolls everything back otherwise."""

    def __call__(self, tenant_id: UUID) -> AbstractAsyncContextManager[Transaction]: ...


@runtime_checkable  # the web app checks what it injects against the annotation
class Clock(Protocol):
    def __call__(self) -> datetime: ...


@runtime_checkable
class TaskQueue(Protocol):
    """Work for the background workers, sent by name: the web process and the CLI send, the workers run."""

    def send(self, task: str, args: Sequence[str]) -> None:
        """Publish one task, without retrying. It blocks on the broker (seconds at worst): from async code, run
        it in a thread.

        Raises: whatever the broker's client raises when the broker cannot be reached; the caller decides what
        a task that was not sent costs (a sweep of the workers sends every lost one again)."""
        ...

    async def send_once(self, pending: str, seconds: int, task: str, args: Sequence[str]) -> bool:
        """Publish one task unless the flag `pending` is set, and set it for `seconds` (the worker clears it when
        it takes the task): one task covers every request until then. Answers whether it was published. It does
        not block the event loop.

        Raises: as `send`."""
        ...

    async def outcomes(self) -> dict[tuple[str, str], int]:
        """How often each task ended in each outcome (success, failure, retry), as the workers counted them;
        empty when the count cannot be read."""
        ...
