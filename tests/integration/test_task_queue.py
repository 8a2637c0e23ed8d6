"""The task queue's Celery adapter on the real Redis: a task sent by name lands on the broker as the workers read
it, and the outcome counts the workers keep are read back (empty when Redis cannot be reached)."""

from __future__ import annotations

import base64
import json
import secrets

import pytest
from redis.asyncio import Redis

from domain.ports import TaskQueue
from infra.notify.tasks import TASK_COUNTS_KEY, CeleryTaskQueue, celery_app


@pytest.fixture
async def redis(settings):
    r = Redis.from_url(settings.redis_url)
    yield r
    await r.aclose()


async def test_a_sent_task_is_on_the_broker_with_its_name_and_arguments(settings, redis):
    app = celery_app(settings)
    app.conf.task_default_queue = queue = f"test-{secrets.token_hex(4)}"  # no worker reads it
    tasks = CeleryTaskQueue(app, redis)
    assert isinstance(tasks, TaskQueue)
    tasks.send("ido.wake", ["7f3a"])
    raw = await redis.rpop(queue)
    assert raw is not None
    message = json.loads(raw)
    assert message["headers"]["task"] == "ido.wake"
    assert message["content-type"] == "application/json"
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    assert (args, kwargs) == (["7f3a"], {})


async def test_a_task_sent_once_is_the_message_send_task_writes_and_goes_once_while_pending(settings, redis):
    """send_once writes the broker message itself (one round trip, no thread): key by key what Celery's send_task
    writes, so a worker reads it alike; the ids differ, the origin names the sending process."""
    app = celery_app(settings)
    app.conf.task_default_queue = queue = f"test-{secrets.token_hex(4)}"  # no worker reads it
    tasks = CeleryTaskQueue(app, redis)
    pending = f"test-pending-{secrets.token_hex(4)}"
    try:
        tasks.send("ido.wake", ["7f3a"])
        theirs = json.loads(await redis.rpop(queue))
        assert await tasks.send_once(pending, 30, "ido.wake", ["7f3a"])
        assert not await tasks.send_once(pending, 30, "ido.wake", ["7f3a"]), "pending: not sent again"
        assert await redis.llen(queue) == 1
        ours = json.loads(await redis.rpop(queue))
        assert 0 < await redis.ttl(pending) <= 30
        await redis.delete(pending)
        assert await tasks.send_once(pending, 30, "ido.wake", ["7f3a"]), "the worker took it: sent again"
    finally:
        await redis.delete(pending, queue)

    varying = {"id", "root_id", "origin", "correlation_id", "delivery_tag", "reply_to"}

    def same(a: dict, b: dict) -> None:
        assert a.keys() == b.keys()
        for k in a.keys() - varying:
            assert type(a[k]) is type(b[k]), k
            if isinstance(a[k], dict):
                same(a[k], b[k])
            elif k != "body":
                assert a[k] == b[k], k

    same(theirs, ours)
    assert base64.b64decode(ours["body"]) and json.loads(base64.b64decode(ours["body"])) == json.loads(
        base64.b64decode(theirs["body"])
    )
    assert ours["headers"]["id"] == ours["headers"]["root_id"] == ours["properties"]["correlation_id"]


async def test_the_outcome_counts_of_the_workers_are_read_back(settings, redis):
    await redis.delete(TASK_COUNTS_KEY)
    await redis.hset(TASK_COUNTS_KEY, mapping={"ido.wake:success": 3, "ido.build_bundle:retry": 1})
    try:
        tasks = CeleryTaskQueue(celery_app(settings), redis)
        assert await tasks.outcomes() == {("ido.wake", "success"): 3, ("ido.build_bundle", "retry"): 1}
    finally:
        await redis.delete(TASK_COUNTS_KEY)


async def test_without_redis_the_outcome_counts_are_empty(settings):
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    try:
        assert await CeleryTaskQueue(celery_app(settings), unreachable).outcomes() == {}
    finally:
        await unreachable.aclose()
