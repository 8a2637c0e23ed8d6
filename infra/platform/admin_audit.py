"""The admin audit log: who changed which POI, library, user or invitation, and when (append-only).
Details hold ids, roles and the object's own name; never an e-mail address or other personal data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from infra.store.db import Database

ACTIONS = {
    "poi.created": "POI aangemaakt",
    "poi.updated": "POI gewijzigd",
    "poi.secret_renewed": "Nieuw webhookgeheim voor POI",
    "library.created": "Bibliotheek aangemaakt",
    "library.updated": "Bibliotheek gewijzigd",
    "library.deactivated": "Bibliotheek gedeactiveerd",
    "library.reactivated": "Bibliotheek heractiveerd",
    "invitation.created": "Uitnodiging aangemaakt",
    "invitation.mailed": "Uitnodiging per e-mail verstuurd",
    "invitation.link_shown": "E-mail niet verstuurd; de link is getoond aan wie uitnodigde, om zelf door te geven",
    "invitation.link_printed": "Uitnodigingslink afgedrukt door ido users invite",
    "invitation.revoked": "Uitnodiging ingetrokken",
    "invitation.accepted": "Uitnodiging aanvaard",
    "user.deactivated": "Gebruiker gedeactiveerd",
    "user.reactivated": "Gebruiker heractiveerd",
    "user.unlocked": "Inlogblokkering opgeheven",
}


@dataclass(frozen=True)
class Change:
    at: datetime
    actor_email: str | None
    action: str
    object_kind: str
    object_id: UUID | None
    details: dict[str, Any]

    @property
    def label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def object_name(self) -> str:
        return str(self.details.get("name") or self.details.get("role_label") or "")


async def record(
    conn: AsyncConnection,
    actor: UUID | None,
    action: str,
    object_kind: str,
    object_id: UUID | None,
    **details: Any,
) -> None:
    """Write in the caller's transaction, so the change and its record commit together."""
    await conn.execute(
        text(
            "INSERT INTO admin_audit (audit_id, actor, action, object_kind, object_id, details) "
            "VALUES (:id, :actor, :action, :kind, :oid, CAST(:details AS jsonb))"
        ),
        {
            "id": uuid4(),
            "actor": actor,
            "action": action,
            "kind": object_kind,
            "oid": object_id,
            "details": json.dumps(details, default=str),
        },
    )


async def recent(db: Database, limit: int = 25) -> list[Change]:
    async with db.platform() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT a.at, u.email, a.action, a.object_kind, a.object_id, a.details "
                    "FROM admin_audit a LEFT JOIN users u ON u.user_id = a.actor ORDER BY a.at DESC LIMIT :n"
                ),
                {"n": limit},
            )
        ).all()
    return [Change(*r) for r in rows]
