"""Projection notices.v1: every planning fact (domain/planning_notices.py) becomes a notice for the library's POI,
and for the KB when the fact puts, keeps or takes the opening after the subsidy year. The notice and its
deliveries are written in the projection's transaction (the transactional outbox); a dispatcher sends them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import ido
from domain.calendar import day_text
from domain.planning_notices import FACT_EVENT_TYPES, fact_of, telling
from domain.ports import RecordedEvent
from infra.settings import Settings
from infra.store.codec import json_dumps
from infra.store.event_store import PostgresEventStore

_LIBRARY = text("""
SELECT t.name AS library, t.slug, p.poi_id, p.name AS poi, p.email AS poi_email, p.webhook_url AS poi_webhook
FROM tenants t JOIN pois p USING (poi_id) WHERE t.tenant_id = :t
""")
_NOTICE = text("""
INSERT INTO notices (tenant_id, notice_id, dedupe_key, kind, location_id, poi_id, to_kb, subject, body, created_at)
VALUES (:t, :id, :key, :kind, :location, :poi, :to_kb, :subject, CAST(:body AS jsonb), :at)
ON CONFLICT (tenant_id, dedupe_key) DO NOTHING RETURNING notice_id
""")
_DELIVERY = text("""
INSERT INTO notice_deliveries (tenant_id, notice_id, channel, recipient) VALUES (:t, :id, :channel, :recipient)
ON CONFLICT DO NOTHING
""")


async def write_notice(
    conn: AsyncConnection,
    settings: Settings,
    tenant_id: UUID,
    *,
    key: str,
    kind: str,
    location_id: UUID,
    to_kb: bool,
    subject: str,
    body: dict[str, Any],
    at: datetime,
    coordinators: list[str] = (),
) -> UUID | None:
    """Insert a notice with one delivery per channel that has an address; answer None if it existed already.
    `at` is when the fact happened (the event's recorded_at, or the sweep's clock)."""
    lib = (await conn.execute(_LIBRARY, {"t": tenant_id})).one()
    notice_id = uuid5(NAMESPACE_URL, f"ido-notice:{tenant_id}:{key}")
    body = {**body, "library": lib.library, "library_slug": lib.slug, "poi": lib.poi}
    created = (
        await conn.execute(
            _NOTICE,
            {
                "t": tenant_id,
                "id": notice_id,
                "key": key,
                "kind": kind,
                "location": location_id,
                "poi": lib.poi_id,
                "to_kb": to_kb,
                "subject": subject,
                "body": json_dumps(body),
                "at": at,
            },
        )
    ).scalar()
    if created is None:
        return None
    channels = [("email:poi", lib.poi_email), ("webhook:poi", lib.poi_webhook)]
    if to_kb:
        channels += [("email:kb", settings.kb_email), ("webhook:kb", settings.kb_webhook_url)]
    if coordinators:
        channels.append(("email:coordinator", ", ".join(coordinators)))
    for channel, recipient in channels:
        if recipient:
            await conn.execute(
                _DELIVERY, {"t": tenant_id, "id": notice_id, "channel": channel, "recipient": recipient}
            )
    return notice_id


def subject(event: msgspec.Struct, name: str) -> str:
    """The notice's Dutch subject line (the e-mail's subject, the inbox's title)."""
    match event:
        case ido.IdoRegistered():
            return f"Nieuw IDO {name}: opening gepland op {day_text(event.planned_opening)}"
        case ido.OpeningRescheduled():
            return f"Opening {name} verplaatst naar {day_text(event.new_date)}"
        case ido.IdoOpened():
            return f"{name} is geopend op {day_text(event.opened_on)}"
        case ido.OpeningDatePassed():
            return f"Geplande opening van {name} ({day_text(event.planned)}) is verstreken"
        case ido.SubsidyYearEnded():
            return f"Subsidiejaar {event.subsidy_year} voorbij: {name} is niet geopend"
        case ido.IdoTemporarilyClosed():
            return f"{name} is tijdelijk gesloten vanaf {day_text(event.closed_from)}"
        case ido.IdoReopened():
            return f"{name} is heropend op {day_text(event.reopened_on)}"
        case ido.IdoClosed():
            return f"{name} is gesloten op {day_text(event.closed_on)}"
    return name


def _facts(event: msgspec.Struct, before: ido.Ido) -> dict[str, Any]:
    """What the notice says of the fact itself (ISO dates), besides who is told and why."""
    match event:
        case ido.IdoRegistered():
            return {"planned": event.planned_opening.isoformat()}
        case ido.OpeningRescheduled():
            return {
                "previous_date": event.previous_date.isoformat(),
                "new_date": event.new_date.isoformat(),
                "reason": event.reason,
                "year_difference": event.year_difference,
            }
        case ido.IdoOpened():
            return {"opened_on": event.opened_on.isoformat(), "planned": _iso(before.planned)}
        case ido.OpeningDatePassed() | ido.SubsidyYearEnded():
            return {"planned": event.planned.isoformat()}
        case ido.IdoTemporarilyClosed():
            return {
                "closed_from": event.closed_from.isoformat(),
                "until": _iso(event.until),
                "reason": event.reason,
            }
        case ido.IdoReopened():
            return {"reopened_on": event.reopened_on.isoformat()}
        case ido.IdoClosed():
            return {"closed_on": event.closed_on.isoformat(), "reason": event.reason}
    return {}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


_COORDINATORS = text("""
SELECT u.email FROM memberships m JOIN users u USING (user_id)
WHERE m.tenant_id = :t AND m.role = 'coordinator' AND u.active ORDER BY u.email
""")


class Notices:
    """Projection notices.v1: every planning fact of an IDO's stream becomes one notice, for the POI and, when
    the table of domain/planning_notices.py says so, the KB (and a reminder for the coordinators). The state
    before the fact is folded from the stream up to it, so the situation is the one the fact met."""

    name = "notices.v1"
    tables: tuple[str, ...] = ()  # an outbox, not a read model: replaying it adds nothing (dedupe key)
    event_types = FACT_EVENT_TYPES

    def __init__(self, settings: Settings, store: PostgresEventStore) -> None:
        self.settings, self.store = settings, store

    async def apply(
        self, conn: AsyncConnection, tenant_id: UUID, events: list[RecordedEvent], suffix: str
    ) -> None:
        if suffix:  # a rebuild would only meet its own dedupe keys
            return
        streams: dict[str, list[RecordedEvent]] = {}
        for r in events:
            if fact_of(r.event) is None:
                continue
            if r.stream_id not in streams:
                streams[r.stream_id] = await self.store.read_stream(tenant_id, r.stream_id, conn=conn)
            earlier = [x.event for x in streams[r.stream_id] if x.stream_version < r.stream_version]
            before = ido.fold(r.event.location_id, earlier)
            told = telling(before, r.event, r.event_id)
            if told is None:
                continue
            after = ido.evolve(before, r.event)
            coordinators: list[str] = []
            if told.row.coordinator:
                coordinators = list((await conn.execute(_COORDINATORS, {"t": tenant_id})).scalars())
            await write_notice(
                conn,
                self.settings,
                tenant_id,
                key=told.key,
                kind=told.fact.value,
                location_id=r.event.location_id,
                to_kb=told.row.kb,
                subject=subject(r.event, after.name or "IDO"),
                at=r.recorded_at,
                coordinators=coordinators,
                body={
                    "location": after.name or "IDO",
                    **_facts(r.event, before),
                    "subsidy_year": after.subsidy_year,
                    "subsidy_year_slipped": after.subsidy_year_slipped,
                    "situation": told.row.situation.value,
                    "why": told.reason,
                    "to_kb": told.row.kb,
                    "event_id": str(r.event_id),
                    "recorded_at": r.recorded_at.isoformat(),
                },
            )
