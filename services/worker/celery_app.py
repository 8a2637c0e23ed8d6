"""The Celery app on the Redis broker: late acks, requeue on worker loss, prefetch 1, JSON only."""

from __future__ import annotations

from celery import Celery

from domain.calendar import TZ
from infra.settings import Settings

VISIBILITY_TIMEOUT = 3600  # longer than any task's hard time limit
SOFT_TIME_LIMIT = 300
HARD_TIME_LIMIT = 360
SWEEP_SECONDS = 3.0
DISPATCH_SECONDS = 5.0


def make_celery(settings: Settings | None = None) -> Celery:
    settings = settings or Settings.from_env()
    app = Celery(
        "ido", broker=settings.celery_broker_url, include=["services.worker.tasks", "services.worker.signals"]
    )
    # socket timeouts: a Redis that stops answering (a network partition, not a refused connection) fails a
    # publish or a poll in seconds instead of hanging a web thread or a task; longer than the 1 s BRPOP poll
    transport = {"visibility_timeout": VISIBILITY_TIMEOUT, "socket_timeout": 10, "socket_connect_timeout": 5}
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_soft_time_limit=SOFT_TIME_LIMIT,
        task_time_limit=HARD_TIME_LIMIT,
        broker_transport_options=transport,
        visibility_timeout=VISIBILITY_TIMEOUT,
        broker_connection_retry_on_startup=True,
        worker_max_tasks_per_child=10_000,  # recycling costs connections and caches; WeasyPrint stays bounded
        worker_hijack_root_logger=False,
        timezone=TZ.key,
        beat_schedule={
            "heartbeat": {"task": "ido.heartbeat", "schedule": 5.0},
            "sweep": {"task": "ido.sweep", "schedule": SWEEP_SECONDS, "options": {"expires": 10}},
            "dispatch": {"task": "ido.dispatch", "schedule": DISPATCH_SECONDS, "options": {"expires": 30}},
            "overdue": {"task": "ido.overdue", "schedule": 600.0, "options": {"expires": 300}},
            "bundles": {"task": "ido.bundle_sweep", "schedule": 10.0, "options": {"expires": 10}},
        },
    )
    app.conf.ido_settings = settings
    return app
