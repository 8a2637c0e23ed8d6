"""Operations endpoints: /healthz (alive), /readyz (PostgreSQL, Redis, migrations, feed), /metrics (Prometheus)."""

from __future__ import annotations

from litestar import Response, get
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Gauge, generate_latest
from sqlalchemy import text

from domain.ports import Clock, TaskQueue
from infra.projections.operations import status
from infra.projections.registry import projection_names
from infra.store.db import Database
from services.api.deps import ReadinessCheck

LAG_EVENTS = Gauge("ido_projection_events_behind", "Events a projection has not applied yet", ["projection"])
LAG_SECONDS = Gauge(
    "ido_projection_lag_seconds", "Age of the oldest event a projection has not applied", ["projection"]
)
OUTBOX = Gauge("ido_outbox_deliveries", "Notice deliveries by status", ["status"])
TASKS = Gauge("ido_celery_tasks", "Celery task outcomes since the counters were created", ["task", "outcome"])


@get("/healthz", sync_to_thread=False, include_in_schema=False)
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@get("/readyz", include_in_schema=False)
async def readyz(readiness: ReadinessCheck) -> Response:
    r = await readiness()
    body = {
        "status": "ready" if r.ready else "not ready",
        "database": r.database,
        "redis": r.redis,
        "migrations_current": r.migrations_current,
        "feed_sound": r.feed_sound,
        **r.detail,
    }
    return Response(
        body, status_code=200 if r.ready else 503, headers=None if r.ready else {"Retry-After": "5"}
    )


@get("/metrics", include_in_schema=False)
async def metrics(clock: Clock, reader: Database, tasks: TaskQueue) -> Response:
    now = clock()  # recorded_at comes from the same clock
    for lag in await status(reader, projection_names()):
        LAG_EVENTS.labels(lag.projection).set(lag.events_behind)
        LAG_SECONDS.labels(lag.projection).set(lag.age_seconds(now))
    async with reader.platform() as conn:
        rows = (
            await conn.execute(text("SELECT status, count(*) FROM notice_deliveries GROUP BY status"))
        ).all()
    for name in ("pending", "sending", "delivered", "failed"):
        OUTBOX.labels(name).set(dict(rows).get(name, 0))
    for (task, outcome), count in (await tasks.outcomes()).items():
        TASKS.labels(task, outcome).set(count)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


ROUTES = [healthz, readyz, metrics]
