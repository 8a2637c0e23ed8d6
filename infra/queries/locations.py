"""A library's IDO locations, folded from its `ido-…` streams (few events per library)."""

from __future__ import annotations

from uuid import UUID

from domain import ido
from infra.store.codec import Codec
from infra.store.db import Conn, Database, fetch
from infra.store.event_store import WRITTEN_HERE

Location = ido.Ido
_TYPES = [t.__name__ for t in ido.IDO_EVENTS]
_LOCATIONS = (
    f"SELECT event_id, event_type, schema_version, data::text AS data, {WRITTEN_HERE} AS own FROM events "
    "WHERE tenant_id = $1 "
    "AND event_type = ANY($2) ORDER BY stream_id, stream_version"
)
# A library's locations as folded, per process by the events they were folded from (events never change): every
# registration reads them, and folding them again was most of that read. Not kept when the reading transaction
# wrote one of the events itself (it may yet roll back). Starts again when this many are kept.
FOLDS_KEPT = 4096
_folds: dict[tuple[UUID, tuple[UUID, ...]], tuple[ido.Ido, ...]] = {}


async def list_locations(
    db: Database, codec: Codec, tenant_id: UUID, *, conn: Conn | None = None
) -> list[ido.Ido]:
    async with db.within_raw(tenant_id, conn) as c:
        rows = await fetch(c, _LOCATIONS, tenant_id, _TYPES)
    key = (tenant_id, tuple(r["event_id"] for r in rows))
    kept = _folds.get(key)
    if kept is not None:
        return list(kept)
    found: dict[UUID, ido.Ido] = {}
    for r in rows:
        e = codec.decode_json(r["event_type"], r["schema_version"], r["data"])
        state = found.get(e.location_id) or ido.Ido(e.location_id)
        found[e.location_id] = ido.evolve(state, e)
    folded = sorted(found.values(), key=lambda x: x.name)
    if not any(r["own"] for r in rows):
        if len(_folds) >= FOLDS_KEPT:
            _folds.clear()
        _folds[key] = tuple(folded)
    return folded
