"""Where the passing of time may have made a planning fact: planned IDOs whose planned date passed, or whose
subsidy year ended with the opening still planned in it, and that the sweep has not noted yet (the read model's
flags). The facts themselves are decided by the domain (`ido.note_time_passed`) through the bus, once each."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import text

from infra.store.db import Database

_DUE = text("""
SELECT tenant_id, location_id FROM rm_opening_status_v2
WHERE status = 'gepland'
  AND ((planned < :today AND NOT planned_passed_noted)
       OR (subsidy_year < :year AND extract(year FROM planned) <= subsidy_year AND NOT year_ended))
ORDER BY tenant_id, location_id
""")


async def due(reader: Database, today: date) -> list[tuple[UUID, UUID]]:
    """(tenant id, location id) of every IDO, in every library, where time passed something not yet noted. The
    read model may lag behind the streams: the domain decides again on the stream."""
    async with reader.platform() as conn:
        rows = (await conn.execute(_DUE, {"today": today, "year": today.year})).all()
    return [(r.tenant_id, r.location_id) for r in rows]
