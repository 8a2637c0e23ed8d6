"""Row-level security, tested as the application role (a test as the owner would prove nothing)."""

from __future__ import annotations

import secrets
from uuid import UUID, uuid4

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain import ido
from domain.accounts import Role
from domain.ports import NewEvent
from infra.platform.accounts import token_hash
from infra.platform.invitations import Invitation, Invitations
from tests.servers import plain_url


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


# --- the read models of visitors and time spent (issue 16), of referrals both ways (issues 15, 19), and the
# opening status with the gemeente (issue 16) ---------------------------------------------------------------

READ_MODEL_ROWS = {
    "rm_visitors_v1": (
        "(tenant_id, day, location_id, hour, visitors, questions) VALUES (:t, '2026-06-10', :id, 10, 1, 2)"
    ),
    "rm_visit_questions_v1": (
        "(tenant_id, question_id, visit_id, location_id, asked_at, day, hour) "
        "VALUES (:t, :id, :id, :id, '2026-06-10T10:00:00+02', '2026-06-10', 10)"
    ),
    "rm_help_time_v1": (
        "(tenant_id, day, location_id, npd_party, topic, duration, count) "
        "VALUES (:t, '2026-06-10', :id, 'cbr', 'cbr.overig', '5-15', 1)"
    ),
    "rm_referrals_v3": (
        "(tenant_id, day, location_id, direction, partner_id, kind, warmth, count) "
        "VALUES (:t, '2026-06-10', :id, 'naar', :id, 'bibliotheekdienst', 'warm', 1)"
    ),
    "rm_opening_status_v2": (
        "(tenant_id, location_id, name, branch, variant, inside_library, subsidy_year, status, first_planned, "
        "planned, gemeente, gemeente_list, gemeente_name, gemeente_province) VALUES (:t, :id, 'IDO', 'Centrale', "
        "'basis', false, 2026, 'gepland', '2026-06-10', '2026-06-10', 'GM0080', '2025', 'Leeuwarden', 'Fryslân')"
    ),
}


@pytest.mark.parametrize("table", [t + s for t in READ_MODEL_ROWS for s in ("", "_rebuild")])
async def test_the_visitor_help_time_and_referral_tables_hold_each_library_apart(
    container, new_tenant, table
):
    a, b = await new_tenant(), await new_tenant()
    insert = text(f"INSERT INTO {table} {READ_MODEL_ROWS[table.removesuffix('_rebuild')]}")
    for t in (a, b):
        async with container.db.tenant(t) as conn:
            await conn.execute(insert, {"t": t, "id": uuid4()})
    async with container.db.tenant(a) as conn:
        assert (await conn.execute(text(f"SELECT DISTINCT tenant_id FROM {table}"))).scalars().all() == [a]
    with pytest.raises(DBAPIError, match="row-level security"):
        async with container.db.tenant(a) as conn:
            await conn.execute(insert, {"t": b, "id": uuid4()})
    async with container.db.platform() as conn:
        assert (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar() == 0
    async with container.reader.platform() as conn:
        seen = set((await conn.execute(text(f"SELECT DISTINCT tenant_id FROM {table}"))).scalars().all())
    assert {a, b} <= seen


# --- invitations: a library's only in its own tenant transaction ---------------------------------------------


@pytest.fixture
async def invite(container):
    """Invitations made as the platform admin, at the database's clock (a link's expiry is compared in SQL)."""
    admin_id = await container.accounts.create_user(
        f"beheer-{secrets.token_hex(4)}@test.example", Role.PLATFORM_ADMIN
    )
    admin = await container.accounts.user_by_id(admin_id)
    async with container.db.platform() as conn:
        now = (await conn.execute(text("SELECT now()"))).scalar_one()

    async def make(
        role: Role, tenant_id: UUID | None = None, poi_id: UUID | None = None
    ) -> tuple[Invitation, str]:
        email = f"uitgenodigd-{secrets.token_hex(4)}@test.example"
        return await Invitations(container.db).create(
            admin_id, admin.memberships, email, role, tenant_id=tenant_id, poi_id=poi_id, now=now
        )

    return make


@pytest.fixture
async def poi_id(container, poi_slug) -> UUID:
    return (await container.accounts.poi_by_slug(poi_slug)).poi_id


_SEEN = "SELECT invitation_id, email, role, token_hash, tenant_id FROM invitations"


async def test_without_a_tenant_no_library_invitation_is_visible(container, new_tenant, invite):
    a, b = await new_tenant(), await new_tenant()
    inv_a, _ = await invite(Role.COORDINATOR, tenant_id=a)
    inv_b, _ = await invite(Role.COORDINATOR, tenant_id=b)
    async with container.db.platform() as conn:
        rows = (await conn.execute(text(_SEEN))).all()
        updated = await conn.execute(
            text("UPDATE invitations SET revoked_at = now() WHERE invitation_id = :id"),
            {"id": inv_a.invitation_id},
        )
    assert [r for r in rows if r.tenant_id is not None] == []
    assert {inv_a.email, inv_b.email}.isdisjoint(r.email for r in rows)
    assert updated.rowcount == 0


async def test_with_tenant_a_set_only_a_s_invitations_are_visible_and_writable(
    container, new_tenant, invite, poi_id
):
    a, b = await new_tenant(), await new_tenant()
    inv_a, _ = await invite(Role.COORDINATOR, tenant_id=a)
    inv_b, _ = await invite(Role.COORDINATOR, tenant_id=b)
    await invite(Role.POI_ADVISER, poi_id=poi_id)
    await invite(Role.KB_ANALYST)
    async with container.db.tenant(a) as conn:
        rows = (await conn.execute(text(_SEEN))).all()
        updated = await conn.execute(
            text("UPDATE invitations SET revoked_at = now() WHERE invitation_id = :id"),
            {"id": inv_b.invitation_id},
        )
    assert [(r.invitation_id, r.tenant_id) for r in rows] == [(inv_a.invitation_id, a)]
    assert updated.rowcount == 0
    with pytest.raises(DBAPIError, match="row-level security"):
        async with container.db.tenant(a) as conn:
            await conn.execute(
                text(
                    "INSERT INTO invitations (invitation_id, token_hash, email, role, tenant_id, expires_at) "
                    "VALUES (:id, :h, 'x@test.example', 'desk', :b, now())"
                ),
                {"id": uuid4(), "h": secrets.token_bytes(32), "b": b},
            )


async def test_poi_and_kb_invitations_are_visible_only_without_a_tenant(
    container, new_tenant, invite, poi_id
):
    a = await new_tenant()
    poi_inv, _ = await invite(Role.POI_ADVISER, poi_id=poi_id)
    kb_inv, _ = await invite(Role.KB_ANALYST)
    mine = {poi_inv.invitation_id, kb_inv.invitation_id}
    async with container.db.platform() as conn:
        platform = {r.invitation_id for r in (await conn.execute(text(_SEEN))).all()}
    async with container.db.tenant(a) as conn:
        tenant = {r.invitation_id for r in (await conn.execute(text(_SEEN))).all()}
    assert mine <= platform and mine.isdisjoint(tenant)
    invitations = Invitations(container.db)
    assert {i.invitation_id for i in await invitations.pending(poi_ids=[poi_id])} >= {poi_inv.invitation_id}
    assert (await invitations.get(kb_inv.invitation_id)).email == kb_inv.email


async def test_a_library_s_invitation_link_is_found_and_used_without_a_tenant(container, new_tenant, invite):
    a = await new_tenant()
    inv, token = await invite(Role.COORDINATOR, tenant_id=a)
    invitations = Invitations(container.db)
    found = await invitations.find(token)
    assert found is not None and found.invitation_id == inv.invitation_id and found.tenant_id == a
    assert await invitations.find(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    user_id = await invitations.accept(token, None, container.clock())
    assert user_id is not None
    assert await invitations.accept(token, None, container.clock()) is None  # once
    used = await invitations.get(inv.invitation_id, tenant_id=a)
    assert used.used_at is not None
    async with container.db.tenant(a) as conn:
        assert (
            await conn.execute(
                text("SELECT user_id FROM invitations WHERE invitation_id = :id"), {"id": inv.invitation_id}
            )
        ).scalar() == user_id
    assert any(m.tenant_id == a for m in (await container.accounts.user_by_id(user_id)).memberships)


async def test_the_link_lookup_is_a_definer_function_for_the_app_role_only(
    container, settings, new_tenant, invite
):
    _, token = await invite(Role.COORDINATOR, tenant_id=await new_tenant())
    owner = await asyncpg.connect(plain_url(settings.database_url))
    try:  # the owner is bound by FORCE as well: it sees invitations only inside the function
        assert await owner.fetchval("SELECT count(*) FROM invitations") == 0
        assert await owner.fetchval("SELECT count(*) FROM ido_invitation_by_link($1)", token_hash(token)) == 1
        assert await owner.fetchval("SELECT count(*) FROM invitations") == 0
    finally:
        await owner.close()
    async with container.reader.platform() as conn:
        row = (
            await conn.execute(
                text("""
            SELECT p.prosecdef, pg_get_userbyid(p.proowner) AS owner,
                   (SELECT tableowner FROM pg_tables WHERE tablename = 'invitations') AS table_owner,
                   has_function_privilege(:app, p.oid, 'EXECUTE') AS app,
                   has_function_privilege(:reader, p.oid, 'EXECUTE') AS reader,
                   array_to_string(p.proconfig, ',') AS config
            FROM pg_proc p WHERE p.proname = 'ido_invitation_by_link'"""),
                {"app": settings.app_role, "reader": settings.reader_role},
            )
        ).one()
    assert row.prosecdef and row.owner == row.table_owner
    assert row.app and not row.reader
    assert "search_path=" in row.config
