"""The task queue (domain.ports.TaskQueue) on Celery and its Redis broker. The web process and the CLI send tasks
by name through it; the workers (services/worker/) build their Celery app on `celery_app` and run the tasks."""

from __future__ import annotations

from collections.abc import Sequence

from celery import Celery
from redis.asyncio import Redis

from infra.settings import Settings

VISIBILITY_TIMEOUT = 3600  # longer than any task's hard time limit
TASK_COUNTS_KEY = "ido:metrics:tasks"  # a Redis hash "task:outcome" → count, kept by the workers


def celery_app(settings: Settings) -> Celery:
    """A Celery app on the Redis broker with what senders and workers share: JSON only, no results."""
    app = Celery("ido", broker=settings.celery_broker_url)
    # socket timeouts: a Redis that stops answering (a network partition, not a refused connection) fails a
    # publish or a poll in seconds instead of hanging a web thread or a task; longer than the 1 s BRPOP poll
    transport = {"visibility_timeout": VISIBILITY_TIMEOUT, "socket_timeout": 10, "socket_connect_timeout": 5}
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        broker_transport_options=transport,
        visibility_timeout=VISIBILITY_TIMEOUT,
    )
    app.conf.ido_settings = settings
    return app


class CeleryTaskQueue:
    """Sends through a Celery app; reads the outcome counts the workers keep in Redis."""

    def __init__(self, celery: Celery, redis: Redis) -> None:
        self.celery = celery
        self.redis = redis

    def send(self, task: str, args: Sequence[str]) -> None:
        self.celery.send_task(task, args=list(args), retry=False)

    async def outcomes(self) -> dict[tuple[str, str], int]:
        try:
            counts = await self.redis.hgetall(TASK_COUNTS_KEY)
        except Exception:  # a metric is not worth failing the page for
            return {}
        out = {}
        for field, value in counts.items():
            task, _, outcome = field.decode().rpartition(":")
            out[(task, outcome)] = int(value)
        return out
