"""The Celery app on the Redis broker: late acks, requeue on worker loss, prefetch 1, JSON only."""

from __future__ import annotations

from celery import Celery

from domain.calendar import TZ
from infra.notify.tasks import celery_app
from infra.settings import Settings

SOFT_TIME_LIMIT = 300
HARD_TIME_LIMIT = 360
SWEEP_SECONDS = 3.0
DISPATCH_SECONDS = 5.0
QUARTERLY_MAIL_SECONDS = (
    300.0  # the kwartaaloverzicht's sweep: from 07:00 on a quarter's first day, and retries
)


def make_celery(settings: Settings | None = None) -> Celery:
    """The workers' and the beat's app: the broker settings of infra.notify.tasks, the tasks and the schedule."""
    app = celery_app(settings or Settings.from_env())
    app.conf.update(
        include=["services.worker.tasks", "services.worker.signals"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=SOFT_TIME_LIMIT,
        task_time_limit=HARD_TIME_LIMIT,
        broker_connection_retry_on_startup=True,
        worker_max_tasks_per_child=10_000,  # recycling costs connections and caches
        worker_hijack_root_logger=False,
        timezone=TZ.key,
        beat_schedule={
            "heartbeat": {"task": "ido.heartbeat", "schedule": 5.0},
            "sweep": {"task": "ido.sweep", "schedule": SWEEP_SECONDS, "options": {"expires": 10}},
            "dispatch": {"task": "ido.dispatch", "schedule": DISPATCH_SECONDS, "options": {"expires": 30}},
            "overdue": {"task": "ido.overdue", "schedule": 600.0, "options": {"expires": 300}},
            "quarterly_mail": {
                "task": "ido.quarterly_mail",
                "schedule": QUARTERLY_MAIL_SECONDS,
                "options": {"expires": QUARTERLY_MAIL_SECONDS},
            },
            "bundles": {"task": "ido.bundle_sweep", "schedule": 10.0, "options": {"expires": 10}},
        },
    )
    return app
