"""Wake-ups for the projection workers after an append commits, coalesced per tenant with a Redis key:
a burst of registrations makes one task. A lost wake-up is caught by the beat sweep, so failures are logged."""

from __future__ import annotations

import asyncio
from uuid import UUID

import structlog
from redis.asyncio import Redis

from domain.ports import TaskQueue

log = structlog.get_logger()
WAKE_TASK = "ido.wake"
PENDING_SECONDS = 30


def pending_key(tenant_id: UUID | str) -> str:
    return f"ido:wake:{tenant_id}"


class Waker:
    def __init__(self, redis: Redis, tasks: TaskQueue) -> None:
        self.redis = redis
        self.tasks = tasks
        self._sending: set[asyncio.Future] = set()

    async def wake(self, tenant_id: UUID) -> bool:
        """Answer whether a wake-up was sent off (False: one is already pending, or Redis is unreachable).
        The broker publish runs in a thread after the answer, so a registration never waits for it."""
        try:
            if not await self.redis.set(pending_key(tenant_id), "1", nx=True, ex=PENDING_SECONDS):
                return False
        except Exception as exc:  # a registration must not fail because Redis is down
            log.warning("wake-up not sent", tenant_id=str(tenant_id), error=f"{type(exc).__name__}: {exc}")
            return False
        sending = asyncio.get_running_loop().run_in_executor(None, self._send, tenant_id)
        self._sending.add(sending)
        sending.add_done_callback(self._sending.discard)
        return True

    def _send(self, tenant_id: UUID) -> None:
        try:
            self.tasks.send(WAKE_TASK, [str(tenant_id)])
        except Exception as exc:
            log.warning("wake-up not sent", tenant_id=str(tenant_id), error=f"{type(exc).__name__}: {exc}")


class NoWaker:
    """For processes without workers (CLI one-offs): the beat sweep finds their events."""

    async def wake(self, tenant_id: UUID) -> bool:
        return False
