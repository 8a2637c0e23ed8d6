"""Fixtures for tests against the real PostgreSQL: the container and fresh tenants."""

from __future__ import annotations

import secrets
from uuid import UUID

import pytest

from infra.bootstrap import build


@pytest.fixture(scope="session")
async def container(settings, clock):
    c = build(settings, clock=clock)
    yield c
    await c.close()


@pytest.fixture(scope="session")
async def poi_slug(container) -> str:
    slug = f"poi-{secrets.token_hex(3)}"
    await container.accounts.create_poi(slug, "Test-POI")
    return slug


@pytest.fixture
async def new_tenant(container, poi_slug):
    async def make() -> UUID:
        slug = f"bieb-{secrets.token_hex(4)}"
        return await container.accounts.create_tenant(slug, f"Bibliotheek {slug}", poi_slug)

    return make
