"""Row-level security, tested as the application role (a test as the owner would prove nothing)."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain import ido
from domain.ports import NewEvent


async def _seed(container, tenant) -> None:
    from datetime import date

    cmd = ido.RegisterIdo(
        tenant_id=tenant,
        location_id=uuid4(),
        name="IDO",
        branch="Centrale",
        variant=ido.Variant.BASIS,
        inside_library=True,
        subsidy_year=2026,
        planned_opening=date(2026, 12, 1),
    )
    [event] = ido.register(cmd, date(2026, 11, 28))
    await container.events.append(tenant, ido.stream_id(cmd.location_id), [NewEvent(uuid4(), event)], 0)


async def test_app_role_is_no_owner_no_superuser_and_cannot_bypass_rls(container, settings):
    async with container.db.platform() as conn:
        row = (
            await conn.execute(
                text("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            )
        ).one()
        owner = (
            await conn.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'events'"))
        ).scalar()
        forced = (
            await conn.execute(
                text("SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = 'events'")
            )
        ).scalar()
    assert row.current_user == settings.app_role
    assert not row.rolsuper and not row.rolbypassrls
    assert owner != settings.app_role
    assert forced


async def test_with_tenant_a_set_an_unfiltered_query_returns_only_a(container, new_tenant):
    a, b = await new_tenant(), await new_tenant()
    await _seed(container, a)
    await _seed(container, b)
    async with container.db.tenant(a) as conn:
        tenants = (await conn.execute(text("SELECT DISTINCT tenant_id FROM events"))).scalars().all()
    assert tenants == [a]


async def test_writing_a_row_for_another_tenant_is_refused(container, new_tenant):
    a, b = await new_tenant(), await new_tenant()
    with pytest.raises(DBAPIError, match="row-level security"):
        async with container.db.tenant(a) as conn:
            await conn.execute(
                text(
                    "INSERT INTO events (tenant_id, stream_id, stream_version, event_id, event_type, data) "
                    "VALUES (:b, 'x', 1, :id, 'IdoRegistered', '{}')"
                ),
                {"b": b, "id": uuid4()},
            )
    async with container.reader.platform() as conn:
        assert (
            await conn.execute(text("SELECT count(*) FROM events WHERE tenant_id = :b"), {"b": b})
        ).scalar() == 0


async def test_without_a_tenant_nothing_is_visible(container, new_tenant):
    a = await new_tenant()
    await _seed(container, a)
    async with container.db.platform() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM events"))).scalar() == 0
        assert (await conn.execute(text("SELECT count(*) FROM projection_checkpoints"))).scalar() == 0


async def test_events_are_append_only_for_the_app_role(container, new_tenant):
    a = await new_tenant()
    await _seed(container, a)
    for statement in ("UPDATE events SET data = '{}'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="permission denied"):
            async with container.db.tenant(a) as conn:
                await conn.execute(text(statement))


async def test_reader_role_reads_across_tenants_but_cannot_write(container, new_tenant):
    a, b = await new_tenant(), await new_tenant()
    await _seed(container, a)
    await _seed(container, b)
    async with container.reader.platform() as conn:
        seen = set((await conn.execute(text("SELECT DISTINCT tenant_id FROM events"))).scalars().all())
    assert {a, b} <= seen
    with pytest.raises(DBAPIError, match="permission denied"):
        async with container.reader.platform() as conn:
            await conn.execute(
                text(
                    "INSERT INTO events (tenant_id, stream_id, stream_version, event_id, event_type, data) "
                    "VALUES (:a, 'x', 1, :id, 'IdoRegistered', '{}')"
                ),
                {"a": a, "id": uuid4()},
            )
