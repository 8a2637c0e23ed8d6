"""Celery workers as real processes on a real Redis: wake-ups, the beat sweep, a killed worker, a stopped Redis."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text

from domain import questions as q
from domain.ports import NewEvent
from infra.notify.tasks import CeleryTaskQueue
from infra.notify.wakeup import Waker
from services.worker.celery_app import make_celery
from tests.clock import NOW
from tests.e2e.conftest import make_library
from tests.e2e.processes import free_port, healthy, wait_for

pytestmark = pytest.mark.slow


async def total(container, tenant_id) -> int:
    async with container.reader.platform() as conn:
        return (
            await conn.execute(
                text("SELECT COALESCE(sum(count), 0) FROM rm_question_counts_v1 WHERE tenant_id = :t"),
                {"t": tenant_id},
            )
        ).scalar()


async def add_questions(container, lib, n: int, batch: int = 200) -> None:
    """Append n registrations directly (as an import would), in appends of `batch` streams each."""
    now = NOW
    ctx = q.DeskContext(
        now=now, locations={lib.location_id: now.date().replace(month=1, day=1)}, partners=frozenset()
    )
    sem = asyncio.Semaphore(8)

    async def one(i: int) -> None:
        cmd = q.RegisterQuestion(
            question_id=uuid4(),
            visit_id=uuid4(),
            location_id=lib.location_id,
            npd_party="belastingdienst",
            topic="belastingdienst.aangifte_ib",
            help="wegwijzer",
            asked_at=now - timedelta(minutes=i % 500),
        )
        async with sem:
            await container.events.append(
                lib.tenant_id,
                q.stream_id(cmd.question_id),
                [NewEvent(uuid4(), e) for e in q.register(cmd, ctx)],
                0,
            )

    await asyncio.gather(*(one(i) for i in range(n)))


async def until(check, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        await asyncio.sleep(0.2)


async def test_a_wake_up_after_an_append_brings_the_event_into_the_read_model(container, worker_env, procs):
    lib = await make_library(container)
    worker = procs("worker", "--concurrency", "1", env=worker_env)
    await add_questions(container, lib, 3)
    settings = container.settings.with_(redis_url=worker_env["REDIS_URL"])
    from redis.asyncio import Redis

    redis = Redis.from_url(settings.redis_url)
    assert await Waker(CeleryTaskQueue(make_celery(settings), redis)).wake(lib.tenant_id)
    await until(
        lambda: _eq(total(container, lib.tenant_id), 3),
        60,
        "the wake-up was not processed:\n" + worker.output()[-3000:],
    )
    await redis.aclose()


async def _eq(coro, expected) -> bool:
    return (await coro) == expected


async def test_without_wake_ups_the_beat_sweep_catches_up(container, worker_env, procs):
    lib = await make_library(container)
    await add_questions(container, lib, 5)
    procs("worker", "--concurrency", "1", env=worker_env)
    beat = procs("beat", env=worker_env)
    await until(
        lambda: _eq(total(container, lib.tenant_id), 5),
        60,
        "the sweep did not catch up:\n" + beat.output()[-2000:],
    )


async def test_a_worker_killed_in_the_middle_of_batches_leaves_exact_counts(container, worker_env, procs):
    lib = await make_library(container)
    n = 12_000
    await add_questions(container, lib, n)
    first = procs("worker", "--concurrency", "1", env=worker_env)
    beat = procs("beat", env=worker_env)

    async def started() -> bool:
        return 0 < await total(container, lib.tenant_id) < n

    await until(started, 90, "the worker never started on the batch:\n" + first.output()[-2000:])
    first.kill()  # SIGKILL to the whole process group, mid-run
    killed_at = await total(container, lib.tenant_id)
    assert killed_at < n
    procs("worker", "--concurrency", "1", env=worker_env)
    await until(
        lambda: _eq(total(container, lib.tenant_id), n),
        120,
        f"counts not exact after restart (killed at {killed_at}):\n" + beat.output()[-1500:],
    )
    await asyncio.sleep(4)  # a late duplicate would show up now
    assert await total(container, lib.tenant_id) == n


async def test_with_redis_stopped_registrations_succeed_and_the_sweep_catches_up_when_it_is_back(
    container, worker_env, procs, private_redis
):
    lib = await make_library(container)
    token = await container.accounts.create_token(lib.desk)
    port = free_port()
    server = procs("serve", "--port", str(port), env=worker_env)
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: healthy(base), 30, "the web server did not start:\n" + server.output()[-2000:])
    procs("worker", "--concurrency", "1", env=worker_env)
    procs("beat", env=worker_env)
    private_redis.stop()
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        for i in range(5):
            r = await http.post(
                f"/api/v1/t/{lib.slug}/questions",
                headers={"Idempotency-Key": f"redis-down-{i}"},
                json={
                    "location_id": str(lib.location_id),
                    "npd_party": "svb",
                    "topic": "svb.aow",
                    "help": "wegwijzer",
                },
            )
            assert r.status_code == 201, r.text
    assert await total(container, lib.tenant_id) == 0
    assert "wake-up not sent" in server.output()
    private_redis.start()
    await until(
        lambda: _eq(total(container, lib.tenant_id), 5),
        90,
        "the sweep did not catch up after Redis came back",
    )
