"""The one load → decide → append path: an aggregate's events folded into its state, a decision on that state,
its events appended at the loaded version (a concurrent writer raises WrongExpectedVersion), the new state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

import msgspec

from domain import courses, ido, survey
from domain import questions as q
from domain.errors import NotFound
from domain.ports import NewEvent, Transaction

S = TypeVar("S")
Decide = Callable[[Any], list[msgspec.Struct]]


@dataclass(frozen=True)
class Kind(Generic[S]):
    """How an aggregate is kept: its stream name, the fold of its events and the step of one event."""

    stream: Callable[[UUID], str]
    fold: Callable[[UUID, list[msgspec.Struct]], S]
    evolve: Callable[[S, msgspec.Struct], S]
    missing: str  # the Dutch message when it does not exist


QUESTION: Kind[q.Question] = Kind(q.stream_id, q.fold, q.evolve, "Deze vraag bestaat niet.")
IDO: Kind[ido.Ido] = Kind(ido.stream_id, ido.fold, ido.evolve, "Deze IDO-locatie bestaat niet.")
COURSE: Kind[courses.Course] = Kind(
    courses.stream_id, courses.fold, courses.evolve, "Deze cursus bestaat niet."
)
SURVEY: Kind[survey.Survey] = Kind(survey.stream_id, survey.fold, survey.evolve, survey.MISSING)


async def load(tx: Transaction, kind: Kind[S], aggregate_id: UUID) -> S:
    return kind.fold(aggregate_id, [r.event for r in await tx.read_stream(kind.stream(aggregate_id))])


async def existing(tx: Transaction, kind: Kind[S], aggregate_id: UUID) -> S:
    """Raises: NotFound when the aggregate has no events (in this library)."""
    state = await load(tx, kind, aggregate_id)
    if getattr(state, "version", 0) == 0:
        raise NotFound(kind.missing)
    return state


async def change(
    tx: Transaction,
    kind: Kind[S],
    state: S,
    aggregate_id: UUID,
    events: list[msgspec.Struct],
    meta: dict[str, Any],
    event_ids: list[UUID] | None = None,
) -> S:
    """Append `events` (decided on `state`) at the state's version and answer the state after them. With
    `event_ids` (derived from the command) a retried command appends nothing twice."""
    if events:
        ids = event_ids or [uuid4() for _ in events]
        new = [NewEvent(i, e, meta) for i, e in zip(ids, events, strict=False)]
        await tx.append(kind.stream(aggregate_id), new, getattr(state, "version", 0))
    for e in events:
        state = kind.evolve(state, e)
    return state


async def execute(
    tx: Transaction,
    kind: Kind[S],
    aggregate_id: UUID,
    decide: Callable[[S], list[msgspec.Struct]],
    meta: dict,
) -> S:
    """Load an existing aggregate, decide, append. Raises: NotFound, DomainError from `decide`,
    WrongExpectedVersion."""
    state = await existing(tx, kind, aggregate_id)
    return await change(tx, kind, state, aggregate_id, decide(state), meta)
