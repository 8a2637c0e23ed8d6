"""One contract for every unit of work: the PostgreSQL one and the in-memory fake of the handler tests must both
pass it — one transaction for the appends and the idempotency record, nothing kept of a transaction that raised,
and the workers woken only after a commit that appended."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import asyncpg
import pytest

from domain import ido
from domain.errors import IdempotencyConflict, WrongExpectedVersion
from domain.ports import NewEvent, Outcome
from infra.platform.partners import Partners
from infra.store import idempotency
from infra.store.codec import default_codec
from infra.store.event_store import PostgresEventStore
from infra.store.idempotency import answer_text
from infra.store.memory_event_store import InMemoryEventStore, InMemoryUnitOfWork
from infra.store.unit_of_work import PostgresUnitOfWork
from tests.contract_events import CONTRACT_TYPES, CONTRACT_UPCASTERS, Noted

CODEC = default_codec().with_types(CONTRACT_TYPES, CONTRACT_UPCASTERS)


class Woken(list):
    async def wake(self, tenant_id: UUID) -> bool:
        self.append(tenant_id)
        return True


@pytest.fixture(params=["postgres", "memory"])
async def uow(request, container, new_tenant, clock):
    tenant = await new_tenant()
    if request.param == "postgres":
        woken = Woken()
        u = PostgresUnitOfWork(
            PostgresEventStore(container.db, CODEC, clock), Partners(container.db), clock, woken
        )
        return u, tenant, woken
    u = InMemoryUnitOfWork(InMemoryEventStore(CODEC, clock))
    return u, tenant, u.woken


def noted(n: int) -> NewEvent:
    return NewEvent(uuid4(), Noted(n=n, text=""), {"actor": "test"})


async def test_appends_and_the_answer_commit_together_and_wake_once_after(uow, clock):
    u, tenant, woken = uow
    async with u(tenant) as tx:
        assert tx.now() == clock()
        assert await tx.claim("k-1", {"n": 1}) is None
        await tx.append("s-1", [noted(1), noted(2)], 0)
        assert [r.event.n for r in await tx.read_stream("s-1")] == [1, 2]  # its own writes
        await tx.answer("k-1", Outcome(201, {"id": "a"}))
        assert woken == []  # not before the commit
    assert woken == [tenant]
    async with u(tenant) as tx:
        assert await tx.claim("k-1", {"n": 1}) == Outcome(201, {"id": "a"}, replayed=True)
        with pytest.raises(IdempotencyConflict):
            await tx.claim("k-1", {"n": 2})
    assert woken == [tenant], "a transaction that appended nothing wakes nobody"


async def test_a_transaction_that_raises_keeps_nothing_and_frees_its_key(uow):
    u, tenant, woken = uow
    with pytest.raises(RuntimeError):
        async with u(tenant) as tx:
            assert await tx.claim("k-2", {"n": 1}) is None
            await tx.append("s-2", [noted(1)], 0)
            raise RuntimeError("the handler failed")
    assert woken == []
    async with u(tenant) as tx:
        assert await tx.read_stream("s-2") == []
        assert await tx.claim("k-2", {"n": 2}) is None, "the key of a failed request is free again"


KEYS = [
    "it's; DROP TABLE events; --",
    "back\\slash $$ dollar $tag$ \\x00",
    "Zoë’s vraag — ✓ 🙂",
    "k" * 100,
]


@pytest.mark.parametrize("key", KEYS, ids=["quote", "backslash-dollar", "unicode", "long"])
async def test_a_key_of_any_characters_is_claimed_and_answered_as_itself(uow, key):
    """The PostgreSQL unit of work claims the key in the round trip that begins the transaction (SQL text, the key
    in hex): what the client sent is what is stored and found again."""
    u, tenant, _ = uow
    async with u(tenant) as tx:
        assert await tx.claim(key, {"n": 1}) is None
        await tx.answer(key, Outcome(201, {"key": key}))
    async with u(tenant) as tx:
        assert await tx.claim(key, {"n": 1}) == Outcome(201, {"key": key}, replayed=True)
    async with u(tenant) as tx:
        assert await tx.claim(key + "x", {"n": 1}) is None, "another key is another claim"


async def test_a_claim_after_another_statement_is_a_claim_too(uow):
    """The PostgreSQL unit of work sends BEGIN with the first statement: a claim that is not first goes alone."""
    u, tenant, _ = uow
    async with u(tenant) as tx:
        assert await tx.read_stream("s-later") == []
        assert await tx.claim("k-later", {"n": 1}) is None
        await tx.answer("k-later", Outcome(200, {"later": True}))
    async with u(tenant) as tx:
        await tx.read_stream("s-later")
        assert await tx.claim("k-later", {"n": 1}) == Outcome(200, {"later": True}, replayed=True)


async def test_postgres_refuses_a_key_with_a_nul_as_a_parameter_would_and_keeps_nothing(
    container, new_tenant, clock
):
    tenant = await new_tenant()
    u = PostgresUnitOfWork(PostgresEventStore(container.db, CODEC, clock), Partners(container.db), clock)
    with pytest.raises(asyncpg.CharacterNotInRepertoireError):
        async with u(tenant) as tx:
            await tx.claim("nul\x00key", {"n": 1})
    async with u(tenant) as tx:
        assert await tx.claim("nul-key", {"n": 1}) is None, (
            "the connection is lent again, its transaction over"
        )
        assert await tx.read_stream("s-nul") == []


async def test_postgres_begins_a_transaction_only_for_its_first_statement(container, new_tenant, clock):
    """BEGIN and the library go with the first statement (with the claim, in its round trip); a transaction that
    reads or writes nothing sends nothing, and one without a claim begins as before."""
    tenant = await new_tenant()
    u = PostgresUnitOfWork(PostgresEventStore(container.db, CODEC, clock), Partners(container.db), clock)
    async with u(tenant) as tx:
        assert not tx.begun
    assert not tx.begun
    async with u(tenant) as tx:
        await tx.append("s-begun", [noted(1)], 0)
        assert tx.begun
        conn = await tx.connection()
        assert await conn.fetchval("SELECT current_setting('app.tenant_id')") == str(tenant)
    async with u(tenant) as tx:
        assert [r.event.n for r in await tx.read_stream("s-begun")] == [1]


async def test_the_expected_version_is_checked_in_the_transaction(uow):
    u, tenant, _ = uow
    async with u(tenant) as tx:
        await tx.append("s-3", [noted(1)], 0)
    with pytest.raises(WrongExpectedVersion):
        async with u(tenant) as tx:
            await tx.append("s-3", [noted(2)], 0)
    async with u(tenant) as tx:
        assert [r.event.n for r in await tx.read_stream("s-3")] == [1]
        assert await tx.locations() == {} and await tx.active_partners() == set()


async def test_postgres_keeps_what_a_decision_read_for_the_read_after_it_until_a_location_changes(
    container, new_tenant, clock
):
    """The desk's answer partial is read in the command's transaction (Bus.handle_then) and takes the locations
    and active partners the decision read; an append of a location's event forgets the locations."""
    tenant = await new_tenant()
    u = PostgresUnitOfWork(PostgresEventStore(container.db, CODEC, clock), Partners(container.db), clock)
    location = uuid4()
    async with u(tenant) as tx:
        assert await tx.locations() == {} and await tx.active_partners() == set()
        first = await tx.location_list()
        assert (
            await tx.location_list() is first
            and await tx.active_partner_list() is await tx.active_partner_list()
        )
        await tx.append("s-keep", [noted(1)], 0)
        assert await tx.location_list() is first, "an append of other events keeps them"
        registered = ido.IdoRegistered(
            location_id=location,
            name="Centrum",
            branch="Centrum",
            variant=ido.Variant.BASIS,
            inside_library=True,
            subsidy_year=2026,
            planned_opening=date(2026, 1, 1),
        )
        await tx.append(ido.stream_id(location), [NewEvent(uuid4(), registered, {})], 0)
        assert [x.location_id for x in await tx.location_list()] == [location]
        assert set(await tx.locations()) == {location}


async def test_postgres_finds_the_record_to_answer_by_its_index(container, new_tenant, clock):
    """The answer's UPDATE runs prepared (EXECUTE ido_answer): as a text statement with the key's expression in
    its WHERE, row-level security kept the index from the key, and every answer read the library's records."""
    tenant = await new_tenant()
    u = PostgresUnitOfWork(PostgresEventStore(container.db, CODEC, clock), Partners(container.db), clock)
    async with u(tenant) as tx:
        assert await tx.claim("k-plan", {"n": 1}) is None
        conn = await tx.connection()
        plan = "\n".join(
            r[0] for r in await conn.fetch("EXPLAIN " + answer_text(tenant, "k-plan", Outcome(201, {})))
        )
    conds = [line for line in plan.splitlines() if "Index Cond" in line]
    assert conds and all("key =" in line for line in conds) and "Filter: (key" not in plan, plan


async def test_a_connection_that_cannot_prepare_the_statements_is_closed(container, monkeypatch):
    """Prepared statements outlive a rollback: a connection on which PREPARE failed half-way would refuse the
    next attempt ("already exists"), so it is closed (the lease replaces a closed connection)."""
    monkeypatch.setattr(idempotency, "PREPARE", "PREPARE ido_probe AS SELECT 1; PREPARE broken AS SELEC 1")
    conn = await asyncpg.connect(container.settings.app_database_url.replace("+asyncpg", ""))
    try:
        with pytest.raises(asyncpg.PostgresSyntaxError):
            await idempotency.prepared(conn)
        assert conn.is_closed()
    finally:
        await conn.close()
