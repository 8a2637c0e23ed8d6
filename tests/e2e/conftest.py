"""Fixtures for HTTP tests: the real app (lifespan, PostgreSQL, Redis) behind an async test client, and
libraries with their users."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from uuid import UUID, uuid4

import httpx
import pytest
from litestar.testing import AsyncTestClient
from litestar.testing.transport import TestClientTransport

from domain import ido
from domain.accounts import Role
from domain.calendar import local_day
from infra.bootstrap import build
from tests.commands import handle
from tests.e2e.processes import Proc, RedisServer

PASSWORD = "test-wachtwoord-2026"
# who wrote what a fixture appends directly (every event names its actor and request)
FIXTURE_META = {"actor": "test-fixture", "request_id": "fixture", "via": "test"}


@dataclass(frozen=True)
class Lib:
    slug: str
    tenant_id: UUID
    location_id: UUID
    desk: str
    coordinator: str
    poi: str


@pytest.fixture(scope="session")
async def container(settings, clock):
    c = build(settings, clock=clock)
    yield c
    await c.close()


@pytest.fixture(scope="session")
async def app(settings, clock):
    from services.api.app import create_app

    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app):
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as c:
        yield c


class _Transport(TestClientTransport):
    """Litestar's test transport, usable by an httpx.AsyncClient of our own (also with `async with`)."""

    async def __aenter__(self) -> _Transport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        pass


def another_browser(client: AsyncTestClient, follow_redirects: bool = True) -> httpx.AsyncClient:
    """Another browser (its own cookie jar) on the app that `client` runs. Not a second AsyncTestClient: that
    would run a second lifespan of the same app object in its own event-loop thread and replace
    `app.state.services` under `client` (pools bound to another loop)."""
    return httpx.AsyncClient(
        transport=_Transport(client=client),
        base_url=str(client.base_url),
        headers={"user-agent": "testclient"},
        follow_redirects=follow_redirects,
    )


async def make_library(container, poi_slug: str | None = None) -> Lib:
    suffix = secrets.token_hex(3)
    if poi_slug is None:
        poi_slug = f"poi-{suffix}"
        await container.accounts.create_poi(poi_slug, f"POI {suffix}")
    slug = f"bieb-{suffix}"
    tenant_id = await container.accounts.create_tenant(slug, f"Bibliotheek {suffix}", poi_slug)
    location_id = uuid4()
    today = local_day(container.clock())
    cmd = ido.RegisterIdo(
        tenant_id=tenant_id,
        location_id=location_id,
        name=f"IDO {suffix}",
        branch="Centrale",
        variant=ido.Variant.BASIS,
        inside_library=True,
        subsidy_year=today.year,
        planned_opening=today,
    )
    await handle(container, cmd.tenant_id, cmd, FIXTURE_META)
    desk, coord = f"balie-{suffix}@test.example", f"coord-{suffix}@test.example"
    await container.accounts.create_user(desk, Role.DESK, tenant_slug=slug, password=PASSWORD)
    await container.accounts.create_user(coord, Role.COORDINATOR, tenant_slug=slug, password=PASSWORD)
    return Lib(slug, tenant_id, location_id, desk, coord, poi_slug)


@pytest.fixture
async def lib(container) -> Lib:
    return await make_library(container)


@pytest.fixture
async def lib_b(container) -> Lib:
    return await make_library(container)


CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1)


async def login(client, email: str, password: str = PASSWORD):
    page = await client.get("/login")
    return await client.post(
        "/login", data={"email": email, "password": password, "_csrf_token": csrf_of(page.text)}
    )


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of the test's own, which it may stop and restart."""
    r = RedisServer(tmp_path / "redis")
    r.start()
    yield r
    r.stop()


@pytest.fixture
def worker_env(env, settings, private_redis, tmp_path):
    """The environment of our processes on the test's own Redis (the database migrated by `settings`)."""
    return {**env, "REDIS_URL": private_redis.url, "IDO_VAR_DIR": str(tmp_path)}


@pytest.fixture
def procs(tmp_path):
    """Start our processes (`ido worker`, `ido serve`, …) with their output in tmp_path; stopped afterwards."""
    started: list[Proc] = []

    def start(*args: str, env: dict) -> Proc:
        p = Proc(list(args), env, tmp_path / f"{args[0]}-{len(started)}.log")
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


# the browser suites: each module gives its own `browser` fixture (Chromium on its own server)


@pytest.fixture
def context(browser):
    """A fresh browser context (cookies, storage) per test."""
    from tests.e2e.browser import browser_context

    with browser_context(browser) as ctx:
        yield ctx


@pytest.fixture
def watch():
    from tests.e2e.browser import Watch

    return Watch()


@pytest.fixture
def page(context, watch):
    """A page whose console errors and CSP violations `watch` collects."""
    return watch.attach(context.new_page())
