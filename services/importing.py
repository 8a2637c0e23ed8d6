"""Import of legacy Excel registration sheets: each row's questions are checked by the domain, then registered
through the bus with the desk's own command and handler, one `question-<id>` stream each. Ids come from the
file's content, so importing the same file twice adds nothing; reading the file is infra.imports.legacy_sheet."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import structlog

from application.bus import Bus
from domain import legacy_import as li
from domain import questions as q
from domain.calendar import TZ
from domain.errors import DomainError
from domain.ido import Ido
from domain.legacy_cells import normalize
from domain.ports import Clock
from infra.imports.legacy_sheet import Sheet
from infra.platform.partners import Partners
from infra.queries.locations import list_locations
from infra.queries.questions_query import first_events
from infra.store.event_store import PostgresEventStore

log = structlog.get_logger()

CONCURRENCY = 2  # batches at once
BATCH = 250  # questions per transaction
CONFLICT = (
    "Deze rij is eerder uit hetzelfde bestand geïmporteerd met andere gegevens (een andere locatie of "
    "kolomindeling); ze is niet nog eens opgeslagen."
)


@dataclass
class Summary:
    sheet: str
    location: str
    dry_run: bool
    read: int = 0
    empty: int = 0
    imported_rows: int = 0
    imported_questions: int = 0
    duplicate_rows: int = 0
    errors: list[li.RowError] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return len(self.errors)


Planned = list[tuple[int, list[tuple[q.RegisterQuestion, q.QuestionRegistered]]]]


class LegacyImporter:
    """`now` for the check ("not in the future") comes from the clock passed in; the bus's handler checks again
    with its own transaction's clock when it stores."""

    def __init__(
        self, bus: Bus, store: PostgresEventStore, clock: Clock, concurrency: int = CONCURRENCY
    ) -> None:
        self.bus = bus
        self.store = store
        self.clock = clock
        self.concurrency = concurrency

    async def locations(self, tenant_id: UUID) -> list[Ido]:
        return await list_locations(self.store.db, self.store.codec, tenant_id)

    @staticmethod
    def choose_location(locations: list[Ido], location_id: UUID | None) -> Ido:
        """The chosen IDO, or the only one. Raises: DomainError."""
        if not locations:
            raise DomainError("Deze bibliotheek heeft nog geen IDO-locatie om vragen bij te registreren.")
        if location_id is None:
            if len(locations) == 1:
                return locations[0]
            names = ", ".join(f"{x.name} ({x.location_id})" for x in locations)
            raise DomainError(f"Kies de IDO-locatie van deze registraties: {names}.", field="location_id")
        for x in locations:
            if x.location_id == location_id:
                return x
        raise DomainError("Deze IDO-locatie hoort niet bij de bibliotheek.", field="location_id")

    def plan(
        self,
        sheet: Sheet,
        mapping: dict[str, int],
        tenant_id: UUID,
        location: Ido,
        ctx: q.DeskContext,
        partners: dict[str, UUID] | None = None,
    ) -> tuple[Planned, Summary]:
        summary = Summary(sheet.name, location.name, dry_run=False)
        planned: Planned = []
        for row, values in sheet.rows:
            if li.is_empty(values):
                summary.empty += 1
                continue
            summary.read += 1
            try:
                events = li.decide_row(
                    row,
                    values,
                    mapping,
                    tenant_id=tenant_id,
                    file_hash=sheet.file_hash,
                    location_id=location.location_id,
                    ctx=ctx,
                    tz=TZ,
                    partners=partners or {},
                )
            except DomainError as err:
                summary.errors.append(li.RowError(row, err.message))
            else:
                planned.append((row, events))
        return planned, summary

    async def run(
        self,
        tenant_id: UUID,
        sheet: Sheet,
        mapping: dict[str, int],
        location_id: UUID | None,
        *,
        dry_run: bool = False,
        meta: dict[str, Any] | None = None,
    ) -> Summary:
        """Raises: DomainError for a bad location or mapping; row problems go into the summary."""
        li.check_mapping(mapping, len(sheet.headers))
        locations = await self.locations(tenant_id)
        location = self.choose_location(locations, location_id)
        # "Doorverwezen door" names the library's active partners as the sheet writes them
        active = await Partners(self.store.db).list(tenant_id, active_only=True)
        partners = {normalize(p.name): p.partner_id for p in active}
        ctx = q.DeskContext(
            now=self.clock(),
            locations={x.location_id: x.registers_from for x in locations},
            partners=frozenset(partners.values()),
        )
        planned, summary = await asyncio.to_thread(
            self.plan, sheet, mapping, tenant_id, location, ctx, partners
        )
        summary.dry_run = dry_run
        meta = {**(meta or {}), "import": sheet.file_hash[:16]}
        await self._store(tenant_id, planned, meta, summary)
        summary.errors.sort(key=lambda e: e.row)
        log.info(
            "legacy import",
            tenant_id=str(tenant_id),
            dry_run=dry_run,
            read=summary.read,
            imported=summary.imported_questions,
            duplicates=summary.duplicate_rows,
            refused=summary.refused,
        )
        return summary

    async def _store(self, tenant_id: UUID, planned: Planned, meta: dict[str, Any], s: Summary) -> None:
        """Register the new questions through the bus, BATCH at a time (one transaction each). Questions
        already stored with the same content are duplicates; one query finds them first, so a repeated import
        sends nothing (the handler answers a repeat as `repeated` too, for a concurrent import)."""
        ids = [cmd.question_id for _, pairs in planned for cmd, _ in pairs]
        stored = await first_events(self.store.db, self.store.codec, tenant_id, ids)
        outcome: dict[UUID, str] = {}
        new: list[q.RegisterQuestion] = []
        for _, pairs in planned:
            for cmd, event in pairs:
                if cmd.question_id in stored:
                    outcome[cmd.question_id] = "repeated" if stored[cmd.question_id] == event else "conflict"
                else:
                    new.append(cmd)
                    outcome[cmd.question_id] = "new"
        if not s.dry_run:
            gate = asyncio.Semaphore(self.concurrency)

            async def batch(cmds: list[q.RegisterQuestion]) -> None:
                async with gate:
                    answer = await self.bus.handle(tenant_id, q.RegisterQuestions(questions=cmds), meta)
                outcome.update(zip((c.question_id for c in cmds), answer.body["outcomes"], strict=True))

            await asyncio.gather(*(batch(new[k : k + BATCH]) for k in range(0, len(new), BATCH)))
        for number, pairs in planned:
            results = [outcome[cmd.question_id] for cmd, _ in pairs]
            refused = [r for r in results if r not in ("new", "repeated", "conflict")]
            if refused:
                s.errors.append(li.RowError(number, refused[0]))
            elif "conflict" in results:
                s.errors.append(li.RowError(number, CONFLICT))
            elif "new" in results:
                s.imported_rows += 1
                s.imported_questions += results.count("new")
            else:
                s.duplicate_rows += 1
