"""The planning sweep (beat's "overdue", every 10 minutes): for every IDO where time passed a planned opening date
or the end of the subsidy year, the bus runs `NoteTimePassed`, and the notices projection tells whom the table of
domain/planning_notices.py names. Each fact is appended once: the domain notes a fact only when the stream lacks
it, and its event id derives from the IDO and the fact, so a sweep that runs twice, beside another, or again after
a worker was killed mid-way, appends (and so tells) nothing twice."""

from __future__ import annotations

import secrets
from uuid import UUID

import structlog

from application.bus import Bus
from domain import ido
from domain.calendar import local_day
from domain.errors import DomainError
from domain.ports import Clock
from infra.notify.overdue import due
from infra.store.db import Database

log = structlog.get_logger()


async def sweep(bus: Bus, reader: Database, clock: Clock) -> int:
    """Answer how many facts were noted."""
    meta = {"actor": "planning-sweep", "request_id": secrets.token_hex(8), "via": "beat"}
    noted = 0
    for tenant_id, location_id in await due(reader, local_day(clock())):
        noted += await note(bus, tenant_id, location_id, meta)
    return noted


async def note(bus: Bus, tenant_id: UUID, location_id: UUID, meta: dict) -> int:
    try:
        outcome = await bus.handle(tenant_id, ido.NoteTimePassed(location_id=location_id), meta)
    except DomainError as err:  # another writer was first (the next run looks again), or the IDO is gone
        log.info("planning sweep skipped an IDO", location_id=str(location_id), error=err.message)
        return 0
    return len(outcome.body["noted"])
