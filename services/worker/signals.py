"""Celery task outcomes counted in Redis, so the web process can show them on /metrics."""

from __future__ import annotations

import redis
from celery import signals

from infra.notify.tasks import TASK_COUNTS_KEY

_client: redis.Redis | None = None


def _redis(sender) -> redis.Redis | None:
    global _client
    if _client is None:
        settings = getattr(sender.app.conf, "ido_settings", None) if sender is not None else None
        if settings is None:
            return None
        _client = redis.Redis.from_url(settings.redis_url, socket_timeout=1)
    return _client


def _count(sender, outcome: str) -> None:
    try:
        r = _redis(sender)
        if r is not None:
            r.hincrby(TASK_COUNTS_KEY, f"{sender.name}:{outcome}", 1)
    except redis.RedisError:
        pass  # a metric is not worth failing a task for


@signals.task_success.connect
def _success(sender=None, **_):
    _count(sender, "success")


@signals.task_failure.connect
def _failure(sender=None, **_):
    _count(sender, "failure")


@signals.task_retry.connect
def _retry(sender=None, **_):
    _count(sender, "retry")
