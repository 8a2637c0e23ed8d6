"""A library's IDO locations, folded from its `ido-…` streams (few rows per library)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from sqlalchemy import text

from domain.ido import IdoRegistered, OpeningHoursSet, Slot
from infra.codec import Codec, from_jsonb
from infra.db import Database

_TYPES = ["IdoRegistered", "OpeningHoursSet"]


@dataclass(frozen=True)
class Location:
    location_id: UUID
    name: str
    branch: str
    variant: str
    subsidy_year: int
    planned_opening: date
    slots: tuple[Slot, ...] = ()
    holidays: tuple[date, ...] = ()

    @property
    def registers_from(self) -> date:
        """Questions may be backdated to the start of the subsidy year, not before."""
        return date(self.subsidy_year, 1, 1)

    def is_open(self, weekday: int, hour: int) -> bool:
        """Whether any opening slot covers part of that hour."""
        return any(
            s.weekday == weekday and s.minutes()[0] < (hour + 1) * 60 and s.minutes()[1] > hour * 60
            for s in self.slots
        )


async def list_locations(db: Database, codec: Codec, tenant_id: UUID) -> list[Location]:
    async with db.tenant(tenant_id) as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT event_type, schema_version, data FROM events WHERE tenant_id = :t "
                    "AND event_type = ANY(:types) ORDER BY global_position"
                ),
                {"t": tenant_id, "types": _TYPES},
            )
        ).all()
    found: dict[UUID, Location] = {}
    for r in rows:
        e = codec.decode(r.event_type, r.schema_version, from_jsonb(r.data))
        if isinstance(e, IdoRegistered):
            found[e.location_id] = Location(
                e.location_id, e.name, e.branch, e.variant.value, e.subsidy_year, e.planned_opening
            )
        elif isinstance(e, OpeningHoursSet) and e.location_id in found:
            found[e.location_id] = replace(found[e.location_id], slots=e.slots, holidays=e.holidays)
    return list(found.values())
