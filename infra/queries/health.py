"""Readiness and the start-up check that the event feed is sound (a logical restore into a younger cluster
leaves stored transaction ids ahead of the server's, and the xid8 feed would then hide or misorder events)."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy import text

from infra.bootstrap import Container
from infra.store.migrate import current_revision, head_revision

_XID_CHECK = text("""
SELECT COALESCE(max(m) < pg_snapshot_xmax(pg_current_snapshot()), true) AS sound, max(m)::text AS newest
FROM tenants t, LATERAL (SELECT max(e.tx_id) AS m FROM events e WHERE e.tenant_id = t.tenant_id) x
""")


class FeedBroken(RuntimeError):
    pass


@dataclass(frozen=True)
class Readiness:
    database: bool
    redis: bool
    migrations_current: bool
    feed_sound: bool
    detail: dict[str, str]

    @property
    def ready(self) -> bool:
        return self.database and self.redis and self.migrations_current and self.feed_sound


async def check_feed(c: Container) -> None:
    """Raises FeedBroken when stored transaction ids are newer than the cluster's: restore physically (a base
    backup), or re-import the events, before starting."""
    async with c.reader.platform() as conn:
        row = (await conn.execute(_XID_CHECK)).one()
    if not row.sound:
        raise FeedBroken(
            f"events carry transaction id {row.newest}, newer than this cluster's: the database was restored "
            "from a logical dump into a younger cluster; see docs/operations.md (backup and restore)"
        )


async def readiness(c: Container, redis: Redis) -> Readiness:
    detail: dict[str, str] = {}
    db = migrations = feed = False
    try:
        async with c.db.platform() as conn:
            current = await current_revision(conn)
        db = True
        migrations = current == head_revision(c.settings)
        if not migrations:
            detail["migrations"] = f"database at {current}, code expects {head_revision(c.settings)}"
        await check_feed(c)
        feed = True
    except FeedBroken as exc:
        detail["feed"] = str(exc)
    except Exception as exc:  # readiness reports, it does not raise
        detail["database"] = type(exc).__name__
    try:
        ok = bool(await redis.ping())
    except Exception as exc:
        ok = False
        detail["redis"] = type(exc).__name__
    return Readiness(db, ok, migrations, feed, detail)
