"""The raw connection lease on the real PostgreSQL: at most `size` connections, waiters served in turn, closed
and busy connections replaced, open transactions rolled back, cancelled waits leaking nothing."""

from __future__ import annotations

import asyncio
from functools import partial

import asyncpg
import pytest

from infra.store.lease import Lease
from tests.servers import plain_url


@pytest.fixture
async def lease(settings):
    lease = Lease(partial(asyncpg.connect, plain_url(settings.database_url)), 2)
    yield lease
    await lease.close()


async def test_no_more_than_size_connections_and_every_caller_is_served(lease):
    busy = peak = 0
    pids: set[int] = set()

    async def work() -> None:
        nonlocal busy, peak
        async with lease() as conn:
            busy += 1
            peak = max(peak, busy)
            pids.add(await conn.fetchval("SELECT pg_backend_pid()"))
            await asyncio.sleep(0.02)
            busy -= 1

    await asyncio.wait_for(asyncio.gather(*(work() for _ in range(12))), 10)
    assert peak == 2 and len(pids) == 2


async def test_a_transaction_left_open_is_rolled_back_before_the_connection_is_lent_again(lease):
    async with lease() as conn:
        await conn.execute("BEGIN; CREATE TEMP TABLE left_open (x int)")
        first = conn
    async with lease() as conn:
        assert conn is first and not conn.is_in_transaction()
        assert await conn.fetchval("SELECT to_regclass('pg_temp.left_open')") is None


async def test_a_closed_connection_is_replaced(lease):
    async with lease() as conn:
        conn.terminate()
    async with lease() as conn:
        assert await conn.fetchval("SELECT 1") == 1


async def test_a_caller_cancelled_in_a_statement_leaves_no_busy_connection_behind(lease):
    async def slow() -> None:
        async with lease() as conn:
            await conn.execute("SELECT pg_sleep(5)")

    task = asyncio.create_task(slow())
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(3):  # every slot works at once: none is held by the cancelled statement
        results = await asyncio.wait_for(asyncio.gather(*(_select(lease) for _ in range(2))), 2)
        assert results == [1, 1]


async def test_a_cancelled_wait_takes_no_slot(lease):
    async with lease(), lease():
        waiting = asyncio.create_task(_select(lease))
        await asyncio.sleep(0.05)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    assert await asyncio.wait_for(asyncio.gather(*(_select(lease) for _ in range(4))), 5) == [1] * 4


async def test_a_failed_connect_frees_its_slot_for_the_next_caller(settings):
    url = plain_url(settings.database_url)
    attempts = 0

    async def connect() -> asyncpg.Connection:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise OSError("connection refused")
        return await asyncpg.connect(url)

    lease = Lease(connect, 1)
    try:
        with pytest.raises(OSError):
            await _select(lease)
        assert await _select(lease) == 1
    finally:
        await lease.close()


async def test_after_close_nothing_is_lent_and_a_lent_connection_is_closed_on_return(lease):
    async with lease() as conn:
        await lease.close()
    assert conn.is_closed()
    with pytest.raises(asyncpg.InterfaceError):
        await _select(lease)


async def _select(lease: Lease) -> int:
    async with lease() as conn:
        return await conn.fetchval("SELECT 1")
