"""Celery tasks: each a few lines that call infra."""

from __future__ import annotations

import time

import redis
from celery import shared_task

HEARTBEAT_KEY = "ido:worker:heartbeat"


@shared_task(name="ido.heartbeat")
def heartbeat() -> None:
    """Beat → worker round trip; /readyz and `ido projections status` read its age."""
    from celery import current_app

    settings = current_app.conf.ido_settings
    redis.Redis.from_url(settings.redis_url).set(HEARTBEAT_KEY, str(time.time()), ex=600)
