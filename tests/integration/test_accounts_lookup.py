"""The lookups of every request: the user, and for a library's page the user with its library in one round trip
(services/api/middleware.py), the same as the two lookups apart."""

from __future__ import annotations

import secrets
from uuid import uuid4

from sqlalchemy import text

from domain.accounts import Role


async def test_the_user_and_the_library_in_one_read_are_the_two_lookups_apart(container, new_tenant):
    accounts = container.accounts
    tenant_id = await new_tenant()
    tenant = await accounts.tenant_by_id(tenant_id)
    other = await accounts.tenant_by_id(await new_tenant())
    user_id = await accounts.create_user(
        f"balie-{secrets.token_hex(4)}@test.example", Role.DESK, tenant_slug=tenant.slug
    )
    user = await accounts.user_by_id(user_id)
    assert user is not None and user.memberships

    assert await accounts.user_and_tenant(user_id, tenant.slug) == (user, tenant)
    assert await accounts.user_and_tenant(user_id, other.slug) == (user, other), "any library: scope decides"
    assert await accounts.user_and_tenant(user_id, "bestaat-niet") == (user, None)
    assert await accounts.user_and_tenant(user_id, "Geen Slug\x00") == (user, None)
    assert await accounts.user_and_tenant(uuid4(), tenant.slug) == (None, None)

    async with container.db.platform() as conn:
        await conn.execute(text("UPDATE tenants SET active = false WHERE tenant_id = :t"), {"t": tenant_id})
    found_user, found_tenant = await accounts.user_and_tenant(user_id, tenant.slug)
    assert found_user == await accounts.user_by_id(user_id) and found_user.memberships == ()
    assert found_tenant == await accounts.tenant_by_slug(tenant.slug) and not found_tenant.active
