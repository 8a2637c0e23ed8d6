"""Wake-ups for the projection workers after an append commits, coalesced per tenant with a Redis key:
a burst of registrations makes one task. A lost wake-up is caught by the beat sweep, so failures are logged."""

from __future__ import annotations

from uuid import UUID

import structlog

from domain.ports import TaskQueue

log = structlog.get_logger()
WAKE_TASK = "ido.wake"
PENDING_SECONDS = 30


def pending_key(tenant_id: UUID | str) -> str:
    return f"ido:wake:{tenant_id}"


class Waker:
    def __init__(self, tasks: TaskQueue) -> None:
        self.tasks = tasks

    async def wake(self, tenant_id: UUID) -> bool:
        """Answer whether a wake-up was sent (False: one is already pending, or Redis is unreachable). One
        round trip to Redis (the pending flag and the message together, `TaskQueue.send_once`): no thread, and
        the event loop does not wait for a thread."""
        try:
            return await self.tasks.send_once(
                pending_key(tenant_id), PENDING_SECONDS, WAKE_TASK, [str(tenant_id)]
            )
        except Exception as exc:  # a registration must not fail because Redis is down
            log.warning("wake-up not sent", tenant_id=str(tenant_id), error=f"{type(exc).__name__}: {exc}")
            return False


class NoWaker:
    """For processes without workers (CLI one-offs): the beat sweep finds their events."""

    async def wake(self, tenant_id: UUID) -> bool:
        return False
