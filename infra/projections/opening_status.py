"""Projection opening_status.v2: per IDO location its status, planned and actual dates, delay against the first
plan, subsidy-year slip, onboarding progress, weekly hours, which passing of time was noted (the sweep's filter)
and its gemeente — re-folded from the location's stream. The gemeente is the CBS code and list version of the
events, with the name and province looked up in that version (domain/gemeenten.py), so that the boards filter
and group by them in SQL. (v1, without the gemeente, went in migration 0015.)"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import ido
from domain.ports import RecordedEvent
from infra.store.codec import json_dumps
from infra.store.event_store import PostgresEventStore

_COLUMNS = (
    "location_id, name, branch, variant, inside_library, subsidy_year, status, first_planned, planned, "
    "opened_on, closed_from, closed_until, delay_days, subsidy_year_slipped, steps, slots, holidays, "
    "hours_per_week, planned_passed_noted, year_ended, gemeente, gemeente_list, gemeente_name, gemeente_province"
)
_IDO_TYPES = {t.__name__ for t in ido.IDO_EVENTS}


def _row(state: ido.Ido) -> dict:
    found = state.gemeente_found
    return {
        "location_id": state.location_id,
        "name": state.name,
        "branch": state.branch,
        "variant": state.variant.value,
        "inside_library": state.inside_library,
        "subsidy_year": state.subsidy_year,
        "status": state.status.value,
        "first_planned": state.first_planned,
        "planned": state.planned,
        "opened_on": state.opened_on,
        "closed_from": state.closed_from,
        "closed_until": state.closed_until,
        "delay_days": state.delay_days,
        "subsidy_year_slipped": state.subsidy_year_slipped,
        "steps": sorted(state.steps),
        "slots": json_dumps(state.slots),
        "holidays": list(state.holidays),
        "hours_per_week": state.hours_per_week,
        "planned_passed_noted": state.planned in state.passed,
        "year_ended": state.year_ended,
        "gemeente": found.code if found else None,
        "gemeente_list": state.gemeente_list if found else None,
        "gemeente_name": found.name if found else None,
        "gemeente_province": found.province if found else None,
    }


class OpeningStatus:
    name = "opening_status.v2"
    tables = ("rm_opening_status_v2",)
    event_types = frozenset(_IDO_TYPES)

    def __init__(self, store: PostgresEventStore) -> None:
        self.store = store

    async def apply(
        self, conn: AsyncConnection, tenant_id: UUID, events: list[RecordedEvent], suffix: str
    ) -> None:
        locations = {r.event.location_id for r in events if r.event_type in _IDO_TYPES}
        for location_id in locations:
            # the whole stream: a later event already committed only makes the row newer, and its own batch
            # writes the same row again
            stream = await self.store.read_stream(tenant_id, ido.stream_id(location_id), conn=conn)
            state = ido.fold(location_id, [r.event for r in stream])
            if state.version == 0:
                continue
            params = {"t": tenant_id, **_row(state)}
            values = ", ".join(
                f"CAST(:{c} AS jsonb)" if c == "slots" else f":{c}" for c in _COLUMNS.split(", ")
            )
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS.split(", ")[1:])
            await conn.execute(
                text(
                    f"INSERT INTO rm_opening_status_v2{suffix} (tenant_id, {_COLUMNS}) VALUES (:t, {values}) "
                    f"ON CONFLICT (tenant_id, location_id) DO UPDATE SET {updates}, updated_at = now()"
                ),
                params,
            )
