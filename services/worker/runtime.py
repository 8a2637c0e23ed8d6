"""One asyncio loop and one set of adapters per worker process (prefork: built after the fork)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from redis import Redis

from infra.bootstrap import Container, build
from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from infra.queries.health import check_feed
from infra.settings import Settings

T = TypeVar("T")


@dataclass
class Worker:
    container: Container
    runner: Runner
    redis: Redis
    loop: asyncio.AbstractEventLoop


_current: tuple[int, Worker] | None = None


def worker(settings: Settings) -> Worker:
    global _current
    if _current is None or _current[0] != os.getpid():
        try:
            import uvloop

            loop = uvloop.new_event_loop()
        except ImportError:
            loop = asyncio.new_event_loop()
        container = build(settings.with_(web_pool_size=2))
        loop.run_until_complete(check_feed(container))  # a logically restored database: refuse to work
        runner = Runner(container.db, container.events, all_projections(settings, container.events))
        _current = (
            os.getpid(),
            Worker(
                container,
                runner,
                Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5),
                loop,
            ),
        )
    return _current[1]


def run(settings: Settings, coro: Coroutine[Any, Any, T]) -> T:
    return worker(settings).loop.run_until_complete(coro)
