"""A library's IDO locations, folded from its `ido-…` streams (few rows per library)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import text

from domain.ido import IdoRegistered
from infra.codec import Codec, from_jsonb
from infra.db import Database


@dataclass(frozen=True)
class Location:
    location_id: UUID
    name: str
    branch: str
    variant: str
    subsidy_year: int
    planned_opening: date

    @property
    def registers_from(self) -> date:
        """Questions may be backdated to the start of the subsidy year, not before."""
        return date(self.subsidy_year, 1, 1)


async def list_locations(db: Database, codec: Codec, tenant_id: UUID) -> list[Location]:
    async with db.tenant(tenant_id) as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT event_type, schema_version, data FROM events WHERE tenant_id = :t "
                    "AND event_type = 'IdoRegistered' ORDER BY global_position"
                ),
                {"t": tenant_id},
            )
        ).all()
    out = []
    for r in rows:
        e = codec.decode(r.event_type, r.schema_version, from_jsonb(r.data))
        assert isinstance(e, IdoRegistered)
        out.append(
            Location(e.location_id, e.name, e.branch, e.variant.value, e.subsidy_year, e.planned_opening)
        )
    return out
