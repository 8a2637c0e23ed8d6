"""What the desk page reads: the locations, today's list — answered from the event table itself, never from a
worker's read model, so a registration shows at once — and the active partners."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any
from uuid import UUID

from domain import ido
from domain import questions as q
from domain.calendar import day_bounds, local_day
from infra.platform.partners import Partner
from infra.queries.locations import locations_and_active_partners
from infra.store.db import Conn, fetch
from infra.store.event_store import WRITTEN_HERE, PostgresEventStore
from infra.store.unit_of_work import PostgresTransaction

TODAY_ROWS = 25
# "Vandaag" of a location, folded per process from the committed events read so far (see DeskQueries.today); the
# folds start again when this many locations have one (each holds one day's rows)
FOLDS_KEPT = 4096
_TODAY_TYPES = ["QuestionRegistered", "QuestionCorrected", "QuestionRetracted", "QuestionsTallied"]
_PLACE = itemgetter(0)


@dataclass(frozen=True)
class TodayRow:
    question_id: UUID
    what: q.Classification
    note: str
    tally: bool
    imported: bool = False  # brought in by an import: the coordinator's (domain.questions.may_change)
    entered_today: bool = True  # registered today (False: only corrected today)
    # the event the row shows (its registration or last correction)
    event_id: UUID = field(kw_only=True)


# by question: its row, the local day it was asked, whether a correction moved it to another location (the query
# finds a question by the location its event names, after or before a correction), and its place in the lists:
# the instant asked and the position of its first event, negated (reversed: latest asked first, and of those asked
# at the same instant the one entered first)
Found = dict[UUID, tuple[TodayRow, date, bool, tuple[datetime, int]]]


@dataclass
class _Fold:
    """A location's day as folded from its committed events: the questions (`Found`), the events folded, and the
    transaction id from which events may still come that the fold has not seen: the oldest transaction that was
    running when it last read (the snapshot's xmin; an event carries the id of the transaction that wrote it)."""

    day: date
    found: Found = field(default_factory=dict)
    seen: set[UUID] = field(default_factory=set)
    after: int = 0


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

    def __init__(self, store: PostgresEventStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.db = store.db
        self.clock = clock
        self._folds: dict[tuple[UUID, UUID | None], _Fold] = {}  # by library and location

    async def page(self, tenant_id: UUID, wanted: UUID | None) -> DeskPage:
        """What the desk page shows, read in one transaction: the locations, the one asked for (else the
        first), today's list there and the active partners."""
        async with self.db.raw_tenant(tenant_id) as conn:
            locations, partners = await locations_and_active_partners(
                self.db, self.store.codec, tenant_id, conn=conn
            )
            return await self._page(tenant_id, wanted, locations, partners, conn)

    def page_after(self, wanted: UUID | None) -> Callable[[PostgresTransaction], Awaitable[DeskPage]]:
        """The desk page as a read in a command's transaction (`Bus.handle_then`): it sees the command's write,
        and takes the locations and partners the decision already read in it."""

        async def read(tx: PostgresTransaction) -> DeskPage:
            locations, partners = await tx.location_list(), await tx.active_partner_list()
            return await self._page(tx.tenant_id, wanted, locations, partners, await tx.connection())

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
        Entered today for another day (backdated at the desk): `other_days`, newest first.

        Every registration answers with this list, so the process keeps each location's day folded and reads
        only the events it may not have seen: those of transactions from the oldest one that was still running
        when it last read. Events of the same question come in order (a change waits for the one before it), so
        folding them as they come gives the fold of the whole day. Events of the reading transaction itself
        (the page after a command) are shown and not kept: that transaction may yet roll back."""
        day = local_day(self.clock())
        start, end = day_bounds(day)
        fold = self._folds.get((tenant_id, location_id))
        if fold is None or fold.day != day:
            fold = _Fold(day)
        where_location = (
            "AND COALESCE(data->'what'->>'location_id', data->'previous'->>'location_id') = $6"
            if location_id is not None
            else ""
        )
        args = (tenant_id, _TODAY_TYPES, start, end, str(fold.after)) + (
            (str(location_id),) if location_id is not None else ()
        )
        async with self.db.within_raw(tenant_id, conn) as c:
            rows = await fetch(
                c,
                "WITH s AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin) "
                "SELECT s.xmin, e.* FROM s LEFT JOIN LATERAL ("
                "SELECT event_id, event_type, schema_version, data::text AS data, metadata->>'via' AS via, "
                f"{WRITTEN_HERE} AS own, global_position FROM events "
                "WHERE tenant_id = $1 AND event_type = ANY($2) AND recorded_at >= $3 AND recorded_at < $4 "
                f"AND tx_id >= $5::text::xid8 {where_location}) e ON true ORDER BY e.global_position",
                *args,
            )
        own = []
        for r in rows:
            if r["event_id"] is None or r["event_id"] in fold.seen:
                continue  # no events since (the snapshot's row alone), or folded already
            if r["own"]:
                own.append(r)
            else:
                self._apply(fold.found, r, location_id)
                fold.seen.add(r["event_id"])
        # no await since the read: the fold holds everything this snapshot showed before it moves on
        fold.after = max(fold.after, int(rows[0]["xmin"]))
        if len(self._folds) >= FOLDS_KEPT and (tenant_id, location_id) not in self._folds:
            self._folds.clear()
        self._folds[(tenant_id, location_id)] = fold
        found = fold.found
        if own:
            found = dict(found)
            for r in own:
                self._apply(found, r, location_id)
        newest: list[tuple[tuple[datetime, int], TodayRow]] = []
        other_days: list[tuple[tuple[datetime, int], TodayRow]] = []
        count = 0
        for x, on, moved, place in found.values():
            if moved:
                continue
            if on == day:
                newest.append((place, x))
                count += x.what.count
            elif x.entered_today and not x.imported:
                other_days.append((place, x))
        newest.sort(key=_PLACE, reverse=True)
        other_days.sort(key=_PLACE, reverse=True)
        return Today(
            [x for _, x in newest[:shown]],
            count,
            max(0, len(newest) - shown),
            [x for _, x in other_days[:shown]],
        )

    def _apply(self, found: Found, r: Any, location_id: UUID | None) -> None:
        """Fold the event of row `r` into `found`."""
        e = self.store.codec.decode_json(r["event_type"], r["schema_version"], r["data"])
        if isinstance(e, q.QuestionRetracted):
            found.pop(e.question_id, None)
            return
        asked_on = local_day(e.what.asked_at)
        if isinstance(e, q.QuestionCorrected):
            # how it was brought in and whether it was entered today are its registration's
            before = found.get(e.question_id)
            row = TodayRow(
                e.question_id,
                e.what,
                e.note,
                False,
                before is not None and before[0].imported,
                before is not None,
                event_id=r["event_id"],
            )
            moved = location_id is not None and e.what.location_id != location_id
            entered = -before[3][1] if before is not None else r["global_position"]
        else:  # registered or tallied, at this location
            row = TodayRow(
                e.question_id,
                e.what,
                getattr(e, "note", ""),
                isinstance(e, q.QuestionsTallied),
                r["via"] == "import",
                event_id=r["event_id"],
            )
            moved, entered = False, r["global_position"]
        found[e.question_id] = (row, asked_on, moved, (e.what.asked_at, -entered))
