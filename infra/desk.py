"""The desk's commands against the event store: each request runs once per idempotency key, and today's
list is answered from the event table itself, never from a worker's read model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import ido
from domain import questions as q
from domain.calendar import day_bounds, local_day
from domain.ports import NewEvent
from infra.codec import from_jsonb
from infra.event_store import PostgresEventStore
from infra.idempotency import Outcome, run_once
from infra.locations import list_locations
from infra.partners import Partner, Partners
from infra.wakeup import NoWaker

TODAY_ROWS = 25
_TODAY_TYPES = ["QuestionRegistered", "QuestionCorrected", "QuestionRetracted", "QuestionsTallied"]


def id_for_key(tenant_id: UUID, key: str, purpose: str = "question") -> UUID:
    return uuid5(NAMESPACE_URL, f"ido:{tenant_id}:{purpose}:{key}")


@dataclass(frozen=True)
class TodayRow:
    question_id: UUID
    what: q.Classification
    note: str
    tally: bool


@dataclass(frozen=True)
class Today:
    """Today's count, and the newest rows of today's list (the page shows a bounded list)."""

    rows: list[TodayRow]
    count: int
    earlier: int = 0  # registrations of today not in `rows`


@dataclass(frozen=True)
class DeskPage:
    locations: list[ido.Ido]
    location: ido.Ido | None
    today: Today
    partners: list[Partner]


class Desk:
    def __init__(
        self, store: PostgresEventStore, partners: Partners, clock: Callable[[], datetime], waker: Any = None
    ) -> None:
        self.store = store
        self.db = store.db
        self.partners = partners
        self.clock = clock
        self.waker = waker or NoWaker()

    async def context(self, tenant_id: UUID, *, conn: AsyncConnection | None = None) -> q.DeskContext:
        async with self.db.within(tenant_id, conn) as conn:  # one transaction for both reads
            locations = await list_locations(self.db, self.store.codec, tenant_id, conn=conn)
            partners = await self.partners.active_ids(tenant_id, conn=conn)
        return q.DeskContext(
            now=self.clock(),
            locations={x.location_id: x.registers_from for x in locations},
            partners=partners,
        )

    async def page(self, tenant_id: UUID, wanted: UUID | None) -> DeskPage:
        """What the desk page shows, read in one transaction: the locations, the one asked for (else the
        first), today's list there and the active partners."""
        async with self.db.tenant(tenant_id) as conn:
            locations = await list_locations(self.db, self.store.codec, tenant_id, conn=conn)
            location = next(
                (x for x in locations if x.location_id == wanted), locations[0] if locations else None
            )
            today = await self.today(tenant_id, location.location_id if location else None, conn=conn)
            partners = await self.partners.list(tenant_id, active_only=True, conn=conn)
        return DeskPage(locations, location, today, partners)

    async def run_once(
        self,
        tenant_id: UUID,
        key: str,
        payload: Any,
        stream_id: str,
        decide: Callable[[q.DeskContext], list[msgspec.Struct]],
        meta: dict[str, Any],
        body: dict[str, Any],
        status: int = 201,
    ) -> Outcome:
        """Decide and append under an idempotency key: the same key with the same payload answers what the
        first request answered; the same key with another payload raises IdempotencyConflict. The decision's
        context (locations, active partners) is read in the same transaction, and only for a new key."""

        async def append(conn: AsyncConnection) -> tuple[int, dict[str, Any]]:
            events = decide(await self.context(tenant_id, conn=conn))
            new = [NewEvent(id_for_key(tenant_id, key, f"event-{i}"), e, meta) for i, e in enumerate(events)]
            await self.store.append(tenant_id, stream_id, new, expected_version=0, conn=conn)
            return status, body

        outcome = await run_once(self.db, tenant_id, key, payload, append)
        if not outcome.replayed:
            await self.waker.wake(tenant_id)
        return outcome

    async def register(
        self, tenant_id: UUID, cmd: q.RegisterQuestion, key: str, meta: dict[str, Any]
    ) -> Outcome:
        return await self.run_once(
            tenant_id,
            key,
            ("register", cmd),
            q.stream_id(cmd.question_id),
            lambda ctx: q.register(cmd, ctx),
            meta,
            {"question_id": str(cmd.question_id), "visit_id": str(cmd.visit_id)},
        )

    async def tally(self, tenant_id: UUID, cmd: q.TallyQuestions, key: str, meta: dict[str, Any]) -> Outcome:
        return await self.run_once(
            tenant_id,
            key,
            ("tally", cmd),
            q.stream_id(cmd.question_id),
            lambda ctx: q.tally(cmd, ctx),
            meta,
            {"question_id": str(cmd.question_id), "count": cmd.count},
        )

    async def load(self, tenant_id: UUID, question_id: UUID) -> q.Question:
        return q.fold(
            question_id, [e.event for e in await self.store.read_stream(tenant_id, q.stream_id(question_id))]
        )

    async def correct(self, tenant_id: UUID, cmd: q.CorrectQuestion, meta: dict[str, Any]) -> q.Question:
        state = await self.load(tenant_id, cmd.question_id)
        events = q.correct(state, cmd, await self.context(tenant_id))
        return await self._append(tenant_id, state, [NewEvent(uuid4(), e, meta) for e in events])

    async def retract(self, tenant_id: UUID, question_id: UUID, meta: dict[str, Any]) -> q.Question:
        """A repeated undo of the same version (double click) is the same event, stored once."""
        state = await self.load(tenant_id, question_id)
        events = q.retract(state)
        ids = [uuid5(NAMESPACE_URL, f"ido:retract:{question_id}:{state.version}")]
        return await self._append(
            tenant_id, state, [NewEvent(i, e, meta) for i, e in zip(ids, events, strict=True)]
        )

    async def _append(self, tenant_id: UUID, state: q.Question, new: list[NewEvent]) -> q.Question:
        if new:
            await self.store.append(tenant_id, q.stream_id(state.question_id), new, state.version)
            await self.waker.wake(tenant_id)
        events = [n.event for n in new]
        for e in events:
            state = q.evolve(state, e)
        return state

    async def today(
        self,
        tenant_id: UUID,
        location_id: UUID | None,
        shown: int = TODAY_ROWS,
        *,
        conn: AsyncConnection | None = None,
    ) -> Today:
        """What this desk registered today (local time), folded from today's events of the location; retracted
        ones left out. The count covers the day, the rows only the newest `shown`."""
        start, end = day_bounds(local_day(self.clock()))
        where_location = (
            "AND COALESCE(data->'what'->>'location_id', data->'previous'->>'location_id') = :loc"
            if location_id is not None
            else ""
        )
        async with self.db.within(tenant_id, conn) as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT event_type, schema_version, data FROM events WHERE tenant_id = :t "
                        "AND event_type = ANY(:types) AND recorded_at >= :start AND recorded_at < :end "
                        f"{where_location} ORDER BY global_position"
                    ),
                    {
                        "t": tenant_id,
                        "types": _TODAY_TYPES,
                        "start": start,
                        "end": end,
                        "loc": str(location_id),
                    },
                )
            ).all()
        found: dict[UUID, TodayRow] = {}
        for r in rows:
            e = self.store.codec.decode(r.event_type, r.schema_version, from_jsonb(r.data))
            if isinstance(e, q.QuestionRetracted):
                found.pop(e.question_id, None)
            elif isinstance(e, q.QuestionCorrected) and e.question_id not in found:
                continue
            else:
                found[e.question_id] = TodayRow(
                    e.question_id, e.what, getattr(e, "note", ""), isinstance(e, q.QuestionsTallied)
                )
        newest = sorted(found.values(), key=lambda r: r.what.asked_at, reverse=True)
        return Today(newest[:shown], sum(r.what.count for r in newest), max(0, len(newest) - shown))
