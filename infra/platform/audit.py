"""Who did what and when in a library: every event with its actor and request id (from the event metadata)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import text

from infra.store.db import Database


@dataclass(frozen=True)
class AuditLine:
    recorded_at: datetime
    actor: str  # the user's e-mail address, or what the metadata says ("demo", "import", …)
    event_type: str
    stream_id: str
    request_id: str
    via: str


_QUERY = text("""
SELECT e.recorded_at, e.event_type, e.stream_id, e.metadata->>'actor' AS actor,
       COALESCE(e.metadata->>'request_id', '') AS request_id, COALESCE(e.metadata->>'via', '') AS via, u.email
FROM events e
LEFT JOIN users u ON u.user_id::text = e.metadata->>'actor'
WHERE e.tenant_id = :t
ORDER BY e.recorded_at DESC, e.global_position DESC
LIMIT :n
""")


async def audit_trail(db: Database, tenant_id: UUID, limit: int = 200) -> list[AuditLine]:
    async with db.tenant(tenant_id) as conn:
        rows = (await conn.execute(_QUERY, {"t": tenant_id, "n": limit})).all()
    return [
        AuditLine(
            r.recorded_at, r.email or r.actor or "onbekend", r.event_type, r.stream_id, r.request_id, r.via
        )
        for r in rows
    ]
