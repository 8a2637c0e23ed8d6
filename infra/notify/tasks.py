"""The task queue (domain.ports.TaskQueue) on Celery and its Redis broker. The web process and the CLI send tasks
by name through it; the workers (services/worker/) build their Celery app on `celery_app` and run the tasks."""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Sequence
from uuid import uuid4

import msgspec
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


# SET NX of the pending key and, when it was set, the push of the message: one round trip, atomic
_SEND_ONCE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('LPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
"""


class CeleryTaskQueue:
    """Sends through a Celery app; reads the outcome counts the workers keep in Redis."""

    def __init__(self, celery: Celery, redis: Redis) -> None:
        self.celery = celery
        self.redis = redis
        self.queue = celery.conf.task_default_queue
        self.origin = f"{socket.gethostname()}:{os.getpid()}"
        self._send_once = redis.register_script(_SEND_ONCE)

    def send(self, task: str, args: Sequence[str]) -> None:
        self.celery.send_task(task, args=list(args), retry=False)

    async def send_once(self, pending: str, seconds: int, task: str, args: Sequence[str]) -> bool:
        return bool(
            await self._send_once(keys=[pending, self.queue], args=[seconds, self.message(task, args)])
        )

    def message(self, task: str, args: Sequence[str]) -> bytes:
        """The task as Celery's own send_task puts it on the Redis broker for the default queue: Celery's task
        message protocol 2 (headers, a body of [args, kwargs, embed]) in kombu's Redis envelope (base64 body,
        delivery info). tests/integration/test_task_queue.py holds it to what send_task writes, key by key."""
        task_id = str(uuid4())
        body = [list(args), {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]
        return msgspec.json.encode(
            {
                "body": base64.b64encode(msgspec.json.encode(body)).decode(),
                "content-encoding": "utf-8",
                "content-type": "application/json",
                "headers": {
                    "lang": "py",
                    "task": task,
                    "id": task_id,
                    "shadow": None,
                    "eta": None,
                    "expires": None,
                    "group": None,
                    "group_index": None,
                    "retries": 0,
                    "timelimit": [None, None],
                    "root_id": task_id,
                    "parent_id": None,
                    "argsrepr": repr(list(args)),
                    "kwargsrepr": "{}",
                    "origin": self.origin,
                    "ignore_result": None,
                    "replaced_task_nesting": 0,
                    "stamped_headers": None,
                    "stamps": {},
                },
                "properties": {
                    "correlation_id": task_id,
                    "reply_to": "",
                    "delivery_mode": 2,
                    "delivery_info": {"exchange": "", "routing_key": self.queue},
                    "priority": 0,
                    "body_encoding": "base64",
                    "delivery_tag": str(uuid4()),
                },
            }
        )

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
