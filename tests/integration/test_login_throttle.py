"""The login throttle's Redis script on the real Redis, with "now" passed in: attempts at once, the
account-wide run, the distinct-accounts ceiling per address, and what a success or an unlock clears."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from infra.platform.login_throttle import LoginThrottle

NOW = datetime(2026, 12, 7, 9, 40, tzinfo=UTC)


@pytest.fixture
async def throttle(settings):
    redis = Redis.from_url(settings.redis_url)
    yield LoginThrottle(redis, "test-secret")
    await redis.aclose()


def account() -> str:
    return f"iemand-{secrets.token_hex(4)}@test.example"


def address() -> str:
    return f"192.0.2.{secrets.randbelow(250)}-{secrets.token_hex(2)}"


async def test_eighty_attempts_at_once_reserve_exactly_five(throttle):
    email, addr = account(), address()
    attempts = await asyncio.gather(
        *(throttle.reserve(email, addr, NOW) for _ in range(80))
    )  # the pool holds 100
    allowed = sorted(a.failures for a in attempts if a.allowed)
    assert allowed == [1, 2, 3, 4, 5]
    assert {a.reason for a in attempts if not a.allowed} == {"pair"}


async def test_the_account_wide_run_stops_a_spread_attack_and_an_unlock_lifts_it(throttle):
    email = account()
    for i in range(25):  # 25 addresses, 4 failures each: none of them has to wait
        addr = address()
        for _ in range(4):
            assert (await throttle.reserve(email, addr, NOW + timedelta(seconds=i))).allowed
    refused = await throttle.reserve(email, address(), NOW + timedelta(minutes=1))
    assert (refused.allowed, refused.reason, refused.retry_at) == (False, "account", NOW + timedelta(days=1))
    assert (await throttle.locked_until([email], NOW))[email] == NOW + timedelta(days=1)
    await throttle.clear(email)
    assert (await throttle.reserve(email, address(), NOW + timedelta(minutes=1))).allowed
    assert await throttle.locked_until([email], NOW) == {}


async def test_a_success_ends_the_run_at_its_address_and_the_account_wide_run(throttle):
    email, here, there = account(), address(), address()
    for _ in range(3):
        await throttle.reserve(email, here, NOW)
        await throttle.reserve(email, there, NOW)
    await throttle.reserve(email, there, NOW)
    right = await throttle.reserve(email, here, NOW)  # the attempt with the right password
    assert await throttle.succeeded(email, here, right)
    assert (await throttle.reserve(email, here, NOW)).failures == 1
    assert (await throttle.reserve(email, there, NOW)).failures == 5  # the other address still counts


async def test_a_success_with_attempts_reserved_after_it_leaves_them_counted(throttle):
    """Sent at once: the right password's check finishes while later wrong attempts are already reserved; they
    stay counted, so no more than the limit of the batch is ever checked."""
    email, here = account(), address()
    right = await throttle.reserve(email, here, NOW)
    for _ in range(3):
        await throttle.reserve(email, here, NOW)
    assert not await throttle.succeeded(email, here, right)
    assert (await throttle.reserve(email, here, NOW)).failures == 5


async def test_the_address_ceiling_counts_distinct_accounts(throttle):
    addr, busy = address(), account()
    for minute in range(30):  # one account failing over and over (after each wait) stays one account
        assert (await throttle.reserve(busy, addr, NOW + timedelta(hours=minute))).allowed
    later = NOW + timedelta(hours=29, minutes=1)
    for i in range(19):
        assert (await throttle.reserve(account(), addr, later + timedelta(seconds=i))).allowed
    refused = await throttle.reserve(account(), addr, later + timedelta(minutes=1))
    assert (refused.allowed, refused.reason) == (False, "address")
    assert refused.retry_at == NOW + timedelta(hours=30)  # the busy account's last failure, an hour on
    assert (await throttle.reserve(account(), address(), later)).allowed  # another address is not stopped


async def test_an_account_that_succeeds_no_longer_counts_against_its_address(throttle):
    addr = address()
    for _ in range(19):
        await throttle.reserve(account(), addr, NOW)
    colleague = account()
    await throttle.succeeded(colleague, addr, await throttle.reserve(colleague, addr, NOW))
    assert (await throttle.reserve(account(), addr, NOW)).allowed


async def test_the_waits_follow_the_clock_passed_in_and_are_forgotten_after_a_day(throttle):
    email, addr = account(), address()
    for _ in range(5):
        await throttle.reserve(email, addr, NOW)
    assert not (await throttle.reserve(email, addr, NOW + timedelta(seconds=59))).allowed
    sixth = await throttle.reserve(email, addr, NOW + timedelta(seconds=60))
    assert (sixth.allowed, sixth.failures, sixth.retry_at) == (True, 6, NOW + timedelta(minutes=6))
    fresh = await throttle.reserve(email, addr, NOW + timedelta(days=1, minutes=1))
    assert (fresh.allowed, fresh.failures) == (True, 1)
