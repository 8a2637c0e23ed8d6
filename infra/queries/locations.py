"""A library's IDO locations, folded from its `ido-…` streams (few events per library)."""

from __future__ import annotations

from uuid import UUID

from domain import ido
from infra.store.codec import Codec
from infra.store.db import Conn, Database, fetch

Location = ido.Ido
_TYPES = [t.__name__ for t in ido.IDO_EVENTS]
_LOCATIONS = (
    "SELECT event_type, schema_version, data::text AS data FROM events WHERE tenant_id = $1 "
    "AND event_type = ANY($2) ORDER BY stream_id, stream_version"
)


async def list_locations(
    db: Database, codec: Codec, tenant_id: UUID, *, conn: Conn | None = None
) -> list[ido.Ido]:
    async with db.within_raw(tenant_id, conn) as c:
        rows = await fetch(c, _LOCATIONS, tenant_id, _TYPES)
    found: dict[UUID, ido.Ido] = {}
    for r in rows:
        e = codec.decode_json(r["event_type"], r["schema_version"], r["data"])
        state = found.get(e.location_id) or ido.Ido(e.location_id)
        found[e.location_id] = ido.evolve(state, e)
    return sorted(found.values(), key=lambda x: x.name)
