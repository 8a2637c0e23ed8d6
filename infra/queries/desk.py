"""What the desk page reads: the locations, today's list — answered from the event table itself, never from a
worker's read model, so a registration shows at once — and the active partners."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain import ido
from domain import questions as q
from domain.calendar import day_bounds, local_day
from infra.platform.partners import Partner, Partners
from infra.queries.locations import list_locations
from infra.store.db import Conn, fetch
from infra.store.event_store import PostgresEventStore
from infra.store.unit_of_work import PostgresTransaction

TODAY_ROWS = 25
_TODAY_TYPES = ["QuestionRegistered", "QuestionCorrected", "QuestionRetracted", "QuestionsTallied"]


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


class DeskQueries:
    """What the desk page reads; its commands are in application/questions.py."""

    def __init__(self, store: PostgresEventStore, partners: Partners, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.db = store.db
        self.partners = partners
        self.clock = clock

    async def page(self, tenant_id: UUID, wanted: UUID | None) -> DeskPage:
        """What the desk page shows, read in one transaction: the locations, the one asked for (else the
        first), today's list there and the active partners."""
        async with self.db.raw_tenant(tenant_id) as conn:
            locations = await list_locations(self.db, self.store.codec, tenant_id, conn=conn)
            partners = await self.partners.list(tenant_id, active_only=True, conn=conn)
            return await self._page(tenant_id, wanted, locations, partners, conn)

    def page_after(self, wanted: UUID | None) -> Callable[[PostgresTransaction], Awaitable[DeskPage]]:
        """The desk page as a read in a command's transaction (`Bus.handle_then`): it sees the command's write,
        and takes the locations and partners the decision already read in it."""

        async def read(tx: PostgresTransaction) -> DeskPage:
            locations, partners = await tx.location_list(), await tx.active_partner_list()
            return await self._page(tx.tenant_id, wanted, locations, partners, tx.conn)

        return read

    async def _page(
        self,
        tenant_id: UUID,
        wanted: UUID | None,
        locations: list[ido.Ido],
        partners: list[Partner],
        conn: Conn,
    ) -> DeskPage:
        location = next(
            (x for x in locations if x.location_id == wanted), locations[0] if locations else None
        )
        today = await self.today(tenant_id, location.location_id if location else None, conn=conn)
        return DeskPage(locations, location, today, partners)

    async def today(
        self,
        tenant_id: UUID,
        location_id: UUID | None,
        shown: int = TODAY_ROWS,
        *,
        conn: Conn | None = None,
    ) -> Today:
        """What this desk registered today (local time), folded from today's events of the location; retracted
        ones left out. The count covers the day, the rows only the newest `shown`."""
        start, end = day_bounds(local_day(self.clock()))
        where_location = (
            "AND COALESCE(data->'what'->>'location_id', data->'previous'->>'location_id') = $5"
            if location_id is not None
            else ""
        )
        args = (tenant_id, _TODAY_TYPES, start, end) + (
            (str(location_id),) if location_id is not None else ()
        )
        async with self.db.within_raw(tenant_id, conn) as c:
            rows = await fetch(
                c,
                "SELECT event_type, schema_version, data::text AS data FROM events WHERE tenant_id = $1 "
                f"AND event_type = ANY($2) AND recorded_at >= $3 AND recorded_at < $4 {where_location} "
                "ORDER BY global_position",
                *args,
            )
        found: dict[UUID, TodayRow] = {}
        for r in rows:
            e = self.store.codec.decode_json(r["event_type"], r["schema_version"], r["data"])
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
