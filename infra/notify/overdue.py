"""The sweep for opening dates that passed (the planning commands are in application/planning.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from domain.calendar import local_day
from infra.projections.notices import write_notice
from infra.settings import Settings
from infra.store.db import Database

_OVERDUE = text("""
SELECT tenant_id, location_id, name, planned FROM rm_opening_status_v1
WHERE status = 'gepland' AND planned < :today
""")
_COORDINATORS = text("""
SELECT u.email FROM memberships m JOIN users u USING (user_id)
WHERE m.tenant_id = :t AND m.role = 'coordinator' AND u.active ORDER BY u.email
""")


async def overdue_sweep(db: Database, reader: Database, settings: Settings, now: datetime) -> int:
    """A planned opening date passed without an opening and without a reschedule: remind the coordinator and
    tell the POI, once per passed date (the dedupe key holds the date). Answer how many notices are new."""
    async with reader.platform() as conn:
        rows = (await conn.execute(_OVERDUE, {"today": local_day(now)})).all()
    created = 0
    for r in rows:
        async with db.tenant(r.tenant_id) as conn:
            coordinators = (await conn.execute(_COORDINATORS, {"t": r.tenant_id})).scalars().all()
            notice = await write_notice(
                conn,
                settings,
                r.tenant_id,
                key=f"overdue:{r.location_id}:{r.planned.isoformat()}",
                kind="opening_overdue",
                location_id=r.location_id,
                to_kb=False,
                subject=f"Geplande opening van {r.name} ({r.planned:%d-%m-%Y}) is verstreken",
                body={"location": r.name, "planned": r.planned.isoformat()},
                at=now,
                coordinators=list(coordinators),
            )
        created += notice is not None
    return created
