"""Wake-ups for the projection workers after an append commits, coalesced per tenant with a Redis key:
a burst of registrations makes one task. A lost wake-up is caught by the beat sweep, so failures are logged."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import structlog
from redis.asyncio import Redis

log = structlog.get_logger()
WAKE_TASK = "ido.wake"
PENDING_SECONDS = 30


def pending_key(tenant_id: UUID | str) -> str:
    return f"ido:wake:{tenant_id}"


class Waker:
    def __init__(self, redis: Redis, celery: Any) -> None:
        self.redis = redis
        self.celery = celery

    async def wake(self, tenant_id: UUID) -> bool:
        """Answer whether a task was sent (False: one is already pending, or the broker is unreachable)."""
        try:
            if not await self.redis.set(pending_key(tenant_id), "1", nx=True, ex=PENDING_SECONDS):
                return False
            await asyncio.to_thread(self.celery.send_task, WAKE_TASK, args=[str(tenant_id)], retry=False)
            return True
        except Exception as exc:  # a registration must not fail because the broker is down
            log.warning("wake-up not sent", tenant_id=str(tenant_id), error=f"{type(exc).__name__}: {exc}")
            return False


class NoWaker:
    """For processes without workers (CLI one-offs): the beat sweep finds their events."""

    async def wake(self, tenant_id: UUID) -> bool:
        return False
