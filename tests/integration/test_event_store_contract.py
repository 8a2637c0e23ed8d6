"""One contract for every event store: the PostgreSQL adapter and the in-memory fake must both pass it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import text

from domain.calendar import TZ
from domain.errors import IdempotencyConflict, WrongExpectedVersion
from domain.ports import Checkpoint, NewEvent
from infra.store.codec import default_codec
from infra.store.event_store import PostgresEventStore
from infra.store.memory_event_store import InMemoryEventStore
from tests.contract_events import CONTRACT_TYPES, CONTRACT_UPCASTERS, Noted, Renamed

CODEC = default_codec().with_types(CONTRACT_TYPES, CONTRACT_UPCASTERS)


@pytest.fixture(params=["postgres", "memory"])
async def store(request, container, new_tenant, clock):
    tenant = await new_tenant()
    other = await new_tenant()
    if request.param == "postgres":
        s = PostgresEventStore(container.db, CODEC, clock)

        async def put_v1(stream: str, name: str) -> None:
            async with container.db.tenant(tenant) as conn:
                await conn.execute(
                    text(
                        "INSERT INTO events (tenant_id, stream_id, stream_version, event_id, event_type, "
                        "schema_version, data) VALUES (:t, :s, 1, :id, 'Renamed', 1, CAST(:d AS jsonb))"
                    ),
                    {"t": tenant, "s": stream, "id": uuid4(), "d": json.dumps({"name": name})},
                )
    else:
        s = InMemoryEventStore(CODEC, clock)

        async def put_v1(stream: str, name: str) -> None:
            s._put_raw(tenant, stream, "Renamed", 1, {"name": name}, uuid4())

    return s, tenant, other, put_v1


def new(n: int, text: str = "") -> NewEvent:
    return NewEvent(uuid4(), Noted(n=n, text=text), {"actor": "test"})


async def test_appended_events_read_back_in_stream_order(store):
    s, tenant, _, _ = store
    result = await s.append(tenant, "s-1", [new(1), new(2), new(3)], expected_version=0)
    assert result.stream_version == 3 and not result.duplicate
    await s.append(tenant, "s-1", [new(4)], expected_version=3)
    events = await s.read_stream(tenant, "s-1")
    assert [e.event.n for e in events] == [1, 2, 3, 4]
    assert [e.stream_version for e in events] == [1, 2, 3, 4]
    assert events[0].metadata == {"actor": "test"}


async def test_an_event_is_recorded_at_the_clocks_instant(store, clock):
    s, tenant, _, _ = store
    clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    await s.append(tenant, "s-clock", [new(1)], expected_version=0)
    clock.advance(timedelta(minutes=1))
    await s.append(tenant, "s-clock", [new(2)], expected_version=1)
    recorded = [e.recorded_at for e in await s.read_stream(tenant, "s-clock")]
    assert recorded == [
        datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 31, tzinfo=UTC),
    ]


async def test_an_append_inside_a_transaction_is_recorded_at_the_clocks_instant_too(
    container, new_tenant, clock
):
    tenant = await new_tenant()
    s = PostgresEventStore(container.db, CODEC, clock)
    clock.set(datetime(2027, 1, 1, 0, 30, tzinfo=TZ))
    async with container.db.tenant(tenant) as conn:
        await s.append(tenant, "s-tx", [new(1)], expected_version=0, conn=conn)
    [event] = await s.read_stream(tenant, "s-tx")
    assert event.recorded_at == datetime(2026, 12, 31, 23, 30, tzinfo=UTC)


async def test_an_append_alone_sets_its_tenant_for_its_own_transaction_only(container, new_tenant, clock):
    tenant = await new_tenant()
    s = PostgresEventStore(container.db, CODEC, clock)
    await s.append(tenant, "s-alone", [new(1)], expected_version=0)
    await s.append(tenant, "s-alone", [new(2), new(3)], expected_version=None)
    # the raw pool hands the connection the appends used back out: no tenant is left on it, so it sees no events
    async with container.db.raw() as c:
        assert await c.fetchval("SELECT NULLIF(current_setting('app.tenant_id', true), '')") is None
        assert await c.fetchval("SELECT count(*) FROM events") == 0
    assert [e.stream_version for e in await s.read_stream(tenant, "s-alone")] == [1, 2, 3]


async def test_wrong_expected_version_is_refused_and_stores_nothing(store):
    s, tenant, _, _ = store
    await s.append(tenant, "s-2", [new(1)], expected_version=0)
    with pytest.raises(WrongExpectedVersion) as err:
        await s.append(tenant, "s-2", [new(2), new(3)], expected_version=0)
    assert err.value.actual == 1
    assert [e.event.n for e in await s.read_stream(tenant, "s-2")] == [1]


async def test_two_concurrent_appends_to_one_stream_exactly_one_wins(store):
    s, tenant, _, _ = store
    for round_ in range(10):
        stream = f"race-{round_}"
        results = await asyncio.gather(
            *(s.append(tenant, stream, [new(i)], expected_version=0) for i in range(2)),
            return_exceptions=True,
        )
        assert sum(isinstance(r, WrongExpectedVersion) for r in results) == 1, results
        assert len(await s.read_stream(tenant, stream)) == 1


async def test_retried_append_returns_the_original_positions(store):
    s, tenant, _, _ = store
    batch = [new(1), new(2)]
    first = await s.append(tenant, "s-3", batch, expected_version=0)
    again = await s.append(tenant, "s-3", batch, expected_version=0)
    assert again.duplicate and again.positions == first.positions and again.stream_version == 2
    assert len(await s.read_stream(tenant, "s-3")) == 2


async def test_same_event_id_with_other_payload_is_refused(store):
    s, tenant, _, _ = store
    e = new(1, "eerste")
    await s.append(tenant, "s-4", [e], expected_version=0)
    with pytest.raises(IdempotencyConflict):
        await s.append(tenant, "s-4", [NewEvent(e.event_id, Noted(n=1, text="tweede"))], expected_version=0)
    with pytest.raises(IdempotencyConflict):
        await s.append(tenant, "s-other", [e], expected_version=0)
    assert [x.event.text for x in await s.read_stream(tenant, "s-4")] == ["eerste"]
    assert await s.read_stream(tenant, "s-other") == []


async def test_an_append_is_all_or_nothing(store):
    s, tenant, _, _ = store
    taken = new(9)
    await s.append(tenant, "s-5", [taken], expected_version=0)
    with pytest.raises(IdempotencyConflict):
        await s.append(tenant, "s-6", [new(1), taken, new(3)], expected_version=0)
    assert await s.read_stream(tenant, "s-6") == []


async def test_any_version_appends_at_the_end(store):
    s, tenant, _, _ = store
    await s.append(tenant, "s-7", [new(1)], expected_version=None)
    result = await s.append(tenant, "s-7", [new(2)], expected_version=None)
    assert result.stream_version == 2


async def test_old_schema_versions_are_upcast_on_read(store):
    s, tenant, _, put_v1 = store
    await put_v1("r-1", "oude naam")
    [event] = await s.read_stream(tenant, "r-1")
    assert event.event == Renamed(label="oude naam", source="v1")
    assert event.schema_version == 1
    await s.append(
        tenant, "r-1", [NewEvent(uuid4(), Renamed(label="nieuw", source="v2"))], expected_version=1
    )
    assert [e.event.label for e in await s.read_stream(tenant, "r-1")] == ["oude naam", "nieuw"]


async def test_feed_returns_a_tenants_events_in_commit_order_and_pages_by_checkpoint(store):
    s, tenant, other, _ = store
    appended = []
    for i in range(7):
        batch = [new(i * 10 + j) for j in range(2)]
        await s.append(tenant, f"f-{i % 3}", batch, expected_version=None)
        appended += [e.event_id for e in batch]
    await s.append(other, "f-0", [new(999)], expected_version=0)
    seen, cp = [], Checkpoint()
    for _ in range(3000):  # the feed waits for older transactions anywhere in the cluster to end
        page = await s.read_feed(tenant, cp, limit=3)
        seen += [e.event_id for e in page]
        cp = page[-1].checkpoint if page else cp
        if len(seen) >= len(appended):
            break
        if not page:
            await asyncio.sleep(0.01)
    assert seen == appended
    for _ in range(3000):
        if other_feed := await s.read_feed(other, Checkpoint()):
            break
        await asyncio.sleep(0.01)
    assert [e.event.n for e in other_feed] == [999]
    assert await s.read_feed(tenant, cp) == []
