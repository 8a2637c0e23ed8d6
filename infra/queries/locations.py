"""A library's IDO locations, folded from its `ido-…` streams (few events per library)."""

from __future__ import annotations

from uuid import UUID

from domain import ido
from infra.platform.partners import PARTNER_COLUMNS, Partner, partners_of
from infra.store.codec import Codec
from infra.store.db import Conn, Database, fetch
from infra.store.event_store import WRITTEN_HERE

Location = ido.Ido
_TYPES = [t.__name__ for t in ido.IDO_EVENTS]
# a location's event: its id, type, schema version, data and whether this transaction wrote it, in this order (the
# fold reads them by position)
_EVENT_COLUMNS = f"event_id, event_type, schema_version, data::text, {WRITTEN_HERE}"
_EVENTS_OF_LOCATIONS = (
    "FROM events WHERE tenant_id = $1 AND event_type = ANY($2) ORDER BY stream_id, stream_version"
)
_LOCATIONS = f"SELECT {_EVENT_COLUMNS} {_EVENTS_OF_LOCATIONS}"
# the locations' events and the active partners (as Partners.list orders them) in one round trip: what every desk
# decision and desk page read
_WITH_PARTNERS = (
    f"SELECT ARRAY(SELECT ROW({_EVENT_COLUMNS}) {_EVENTS_OF_LOCATIONS}) AS locations, "
    f"ARRAY(SELECT ROW({PARTNER_COLUMNS}) FROM partners WHERE tenant_id = $1 AND active "
    "ORDER BY active DESC, lower(name)) AS partners"
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
    return _folded(codec, tenant_id, [tuple(r.values()) for r in rows])


async def locations_and_active_partners(
    db: Database, codec: Codec, tenant_id: UUID, *, conn: Conn | None = None
) -> tuple[list[ido.Ido], list[Partner]]:
    """`list_locations` and the active partners (`Partners.list(active_only=True)`) in one round trip."""
    async with db.within_raw(tenant_id, conn) as c:
        [row] = await fetch(c, _WITH_PARTNERS, tenant_id, _TYPES)
    return _folded(codec, tenant_id, row["locations"]), partners_of(row["partners"])


def _folded(codec: Codec, tenant_id: UUID, rows: list[tuple]) -> list[ido.Ido]:
    """The locations folded from their events' rows (_EVENT_COLUMNS), or as kept."""
    key = (tenant_id, tuple(r[0] for r in rows))
    kept = _folds.get(key)
    if kept is not None:
        return list(kept)
    found: dict[UUID, ido.Ido] = {}
    for _, event_type, schema_version, data, _own in rows:
        e = codec.decode_json(event_type, schema_version, data)
        state = found.get(e.location_id) or ido.Ido(e.location_id)
        found[e.location_id] = ido.evolve(state, e)
    folded = sorted(found.values(), key=lambda x: x.name)
    if not any(r[4] for r in rows):
        if len(_folds) >= FOLDS_KEPT:
            _folds.clear()
        _folds[key] = tuple(folded)
    return folded
