"""Projection notices.v1: every OpeningRescheduled becomes a notice for the library's POI, and for the KB when
the new date lies after the subsidy year. The notice and its deliveries are written in the projection's
transaction (the transactional outbox); a dispatcher sends them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import ido
from domain.ports import RecordedEvent
from infra.settings import Settings
from infra.store.codec import json_dumps

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


def rescheduled_subject(e: ido.OpeningRescheduled, name: str) -> str:
    return f"Opening {name} verplaatst naar {e.new_date:%d-%m-%Y}"


class Notices:
    name = "notices.v1"
    tables: tuple[str, ...] = ()  # an outbox, not a read model: replaying it adds nothing (dedupe key)
    event_types = frozenset({"IdoRegistered", "OpeningRescheduled"})

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def apply(
        self, conn: AsyncConnection, tenant_id: UUID, events: list[RecordedEvent], suffix: str
    ) -> None:
        names: dict[UUID, str] = {}
        for r in events:
            if isinstance(r.event, ido.IdoRegistered):
                names[r.event.location_id] = r.event.name
            if not isinstance(r.event, ido.OpeningRescheduled) or suffix:
                continue
            e = r.event
            name = names.get(e.location_id) or await self._name(conn, tenant_id, e.location_id)
            to_kb = e.new_date.year > e.subsidy_year
            await write_notice(
                conn,
                self.settings,
                tenant_id,
                key=f"rescheduled:{r.event_id}",
                kind="rescheduled",
                location_id=e.location_id,
                to_kb=to_kb,
                subject=rescheduled_subject(e, name),
                at=r.recorded_at,
                body={
                    "location": name,
                    "previous_date": e.previous_date.isoformat(),
                    "new_date": e.new_date.isoformat(),
                    "reason": e.reason,
                    "subsidy_year": e.subsidy_year,
                    "year_difference": e.year_difference,
                    "subsidy_year_slipped": to_kb,
                    "recorded_at": r.recorded_at.isoformat(),
                },
            )

    async def _name(self, conn: AsyncConnection, tenant_id: UUID, location_id: UUID) -> str:
        row = (
            await conn.execute(
                text(
                    "SELECT data->>'name' FROM events WHERE tenant_id = :t AND stream_id = :s AND stream_version = 1"
                ),
                {"t": tenant_id, "s": ido.stream_id(location_id)},
            )
        ).scalar()
        return row or "IDO"
