"""What the desk page reads: the locations, today's list — answered from the event table itself, never from a
worker's read model, so a registration shows at once — and the active partners."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import Any
from uuid import UUID

import msgspec

from domain import ido
from domain import questions as q
from domain.calendar import day_bounds, local_day
from infra.platform.partners import Partner, Partners
from infra.queries.locations import list_locations
from infra.store.db import Conn, fetch
from infra.store.event_store import PostgresEventStore
from infra.store.unit_of_work import PostgresTransaction

TODAY_ROWS = 25
# events decoded for "Vandaag", per process by library and event id (events never change): every registration reads the
# location's day again, and decoding it was half of that read; the cache starts again when full (~20 MiB)
DECODED_KEPT = 32_768
_TODAY_TYPES = ["QuestionRegistered", "QuestionCorrected", "QuestionRetracted", "QuestionsTallied"]
_ASKED_AT = attrgetter("what.asked_at")


@dataclass(frozen=True)
class TodayRow:
    question_id: UUID
    what: q.Classification
    note: str
    tally: bool
    imported: bool = False  # brought in by an import: the coordinator's (domain.questions.may_change)
    entered_today: bool = True  # registered today (False: only corrected today)
    # the event the row shows (its registration or last correction): the row's content, unchanging; None while
    # the transaction that wrote it has not committed (the page after a command), which may yet roll it back
    event_id: UUID | None = field(kw_only=True)


# an event as "Vandaag" keeps it: the event, the local day its question was asked, and its row when it registers
# the question (a registration or a tally)
_Kept = tuple[msgspec.Struct, date, TodayRow | None]


@dataclass(frozen=True)
class Today:
    """The questions asked today at the location, newest first by the time asked (the page shows a bounded
    list), and their count; apart, what was entered today for another day."""

    rows: list[TodayRow]
    count: int
    earlier: int = 0  # questions asked today not in `rows`
    other_days: list[TodayRow] = field(default_factory=list)


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
        self._decoded: dict[UUID, dict[UUID, _Kept]] = {}  # by library, then by event id
        self._kept = 0  # events kept, of all libraries

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
        """What was asked today (local time) at the location, folded from the events recorded today (a
        question asked today is recorded today: never ahead of the clock, and a correction carries the whole
        classification); retracted ones left out. The count covers the day, the rows only the newest `shown`.
        Entered today for another day (backdated at the desk): `other_days`, newest first."""
        day = local_day(self.clock())
        start, end = day_bounds(day)
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
                "SELECT event_id, event_type, schema_version, data::text AS data, metadata->>'via' AS via, "
                # written by this very transaction (the page after a command): not committed yet, so not kept
                "tx_id = pg_current_xact_id_if_assigned() IS TRUE AS own FROM events "
                "WHERE tenant_id = $1 AND event_type = ANY($2) AND recorded_at >= $3 AND recorded_at < $4 "
                f"{where_location} ORDER BY global_position",
                *args,
            )
        kept = self._decoded.setdefault(tenant_id, {})
        # by question: its row, the day it was asked, and whether a correction moved it to another location (the
        # query finds a question by the location its event names, after or before a correction)
        found: dict[UUID, tuple[TodayRow, date, bool]] = {}
        for r in rows:
            e, asked_on, row = kept.get(r["event_id"]) or self._decode(kept, r)
            if row is not None:  # registered or tallied: the event's own row, at this location
                found[row.question_id] = (row, asked_on, False)
            elif isinstance(e, q.QuestionRetracted):
                found.pop(e.question_id, None)
            else:  # corrected: how it was brought in and whether it was entered today are its registration's
                before = found.get(e.question_id)
                found[e.question_id] = (
                    TodayRow(
                        e.question_id,
                        e.what,
                        e.note,
                        False,
                        before is not None and before[0].imported,
                        before is not None,
                        event_id=None if r["own"] else r["event_id"],
                    ),
                    asked_on,
                    location_id is not None and e.what.location_id != location_id,
                )
        newest: list[TodayRow] = []
        other_days: list[TodayRow] = []
        for x, on, moved in found.values():
            if moved:
                continue
            if on == day:
                newest.append(x)
            elif x.entered_today and not x.imported:
                other_days.append(x)
        newest.sort(key=_ASKED_AT, reverse=True)
        other_days.sort(key=_ASKED_AT, reverse=True)
        return Today(
            newest[:shown], sum(r.what.count for r in newest), max(0, len(newest) - shown), other_days[:shown]
        )

    def _decode(self, kept: dict[UUID, _Kept], r: Any) -> _Kept:
        """The event of a row, the local day its question was asked (a retraction has none) and, for a
        registration or a tally, its row; kept in its library's events (`kept`), so that an event id of one
        library never answers another's. An event of the reading transaction itself is not kept: it may yet be
        rolled back, and its id be used again for another. All kept events are let go when DECODED_KEPT are kept."""
        e = self.store.codec.decode_json(r["event_type"], r["schema_version"], r["data"])
        what = getattr(e, "what", None)
        row = None
        if isinstance(e, q.QuestionRegistered | q.QuestionsTallied):
            tally = isinstance(e, q.QuestionsTallied)
            row = TodayRow(
                e.question_id,
                e.what,
                getattr(e, "note", ""),
                tally,
                r["via"] == "import",
                event_id=None if r["own"] else r["event_id"],
            )
        found = (e, local_day(what.asked_at) if what else date.min, row)
        if r["own"]:
            return found
        if self._kept >= DECODED_KEPT:
            for events in self._decoded.values():
                events.clear()
            self._kept = 0
        self._kept += 1
        kept[r["event_id"]] = found
        return found
