"""Faults with real processes: PostgreSQL restarted while desks post, Redis restarted (its data lost) under the web
server, a worker and beat, a worker killed while it delivers a notice. Each test prints its figures (run with -s);
docs/reliability.md records them."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from application.questions import id_for_key
from domain import ido
from infra.bootstrap import build
from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from infra.settings import Settings
from infra.store.db import Database, make_engine
from infra.store.migrate import upgrade
from tests.clock import NOW, TODAY
from tests.commands import handle
from tests.e2e.conftest import PASSWORD, csrf_of, make_library
from tests.e2e.processes import PostgresCluster, Proc, free_port, healthy, wait_for
from tests.projections import caught_up
from tests.receivers import Received, SmtpServer, WebhookReceiver
from tests.servers import create_database, settings_env

pytestmark = pytest.mark.slow

REQUEST_BOUND = 10.0  # no request may take longer, outage or not


def figures(title: str, rows: dict[str, object]) -> None:
    print(f"\n[{title}]")
    for k, v in rows.items():
        print(f"  {k:<44} {v}")


@pytest.fixture
def private_pg():
    pg = PostgresCluster()
    try:  # a cluster that fails to start leaves no directory behind either
        pg.init()
        pg.start()
        yield pg
    finally:
        pg.remove()


def serve(procs, env: dict) -> tuple[Proc, str]:
    port = free_port()
    server = procs("serve", "--port", str(port), env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: healthy(base), 30, "the web server did not start")
    except AssertionError as exc:
        raise AssertionError(f"{exc}:\n{server.output()[-3000:]}") from None
    return server, base


def question(lib) -> dict:
    return {"location_id": str(lib.location_id), "npd_party": "svb", "topic": "svb.aow", "help": "wegwijzer"}


def desk_form(lib, csrf: str, key: str) -> dict:
    return {
        "_csrf_token": csrf,
        "key": key,
        "locatie": str(lib.location_id),
        "partij": "svb",
        "onderwerp": "svb.aow",
        "hulp": "wegwijzer",
    }


# --- A. PostgreSQL restarted while desks post ------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients saw."""

    ok: dict[str, float] = field(default_factory=dict)  # key -> when its 2xx came
    replayed: int = 0
    retracted: set[UUID] = field(default_factory=set)
    statuses: Counter = field(default_factory=Counter)  # (kind, status) -> count
    unavailable_without_retry_after: int = 0
    wrong_503_type: int = 0
    transport_errors: Counter = field(default_factory=Counter)
    slowest: float = 0.0
    unexpected: list[str] = field(default_factory=list)


async def _until_done(tally: Tally, kind: str, send, key: str, done=(201, 303)) -> bool:
    """Send one request until it is answered `done`, the same key every time: a 503 (with Retry-After) or a lost
    connection is tried again. A 422 after such a failure means the first try did its work (retracts)."""
    failed_before = False
    while True:
        started = time.monotonic()
        try:
            r = await send(key)
        except httpx.TransportError as exc:
            tally.transport_errors[type(exc).__name__] += 1
            tally.slowest = max(tally.slowest, time.monotonic() - started)
            failed_before = True
            await asyncio.sleep(0.2)
            continue
        tally.slowest = max(tally.slowest, time.monotonic() - started)
        tally.statuses[(kind, r.status_code)] += 1
        if r.status_code in done:
            tally.replayed += r.headers.get("idempotent-replayed") == "true"
            return True
        if r.status_code == 503:
            if not r.headers.get("retry-after"):
                tally.unavailable_without_retry_after += 1
            expected = "application/problem+json" if kind == "api" else "text/html"
            if not r.headers.get("content-type", "").startswith(expected):
                tally.wrong_503_type += 1
            failed_before = True
            await asyncio.sleep(0.2)  # Retry-After says 5 s; the test asks sooner to time the recovery
            continue
        if r.status_code == 422 and kind == "retract" and failed_before and "al ongedaan" in r.text:
            return True
        tally.unexpected.append(f"{kind} {key}: {r.status_code} {r.text[:300]}")
        return False


class Desks:
    """N clients registering over the API, M over the desk form, and one desk retracting what the API
    registered (the retract appends through the raw asyncpg pool)."""

    def __init__(self, base: str, lib, token: str) -> None:
        self.base, self.lib, self.token = base, lib, token
        self.tally = Tally()
        self.stop = asyncio.Event()
        self.timeout = httpx.Timeout(REQUEST_BOUND + 5)

    def _api(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base, headers={"Authorization": f"Bearer {self.token}"}, timeout=self.timeout
        )

    @asynccontextmanager
    async def _desk(self) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
        """A logged-in desk and the CSRF token of its form."""
        async with httpx.AsyncClient(base_url=self.base, timeout=self.timeout) as http:
            page = await http.get("/login")
            self.tally.statuses[("login page", page.status_code)] += 1
            form = {"email": self.lib.desk, "password": PASSWORD, "_csrf_token": csrf_of(page.text)}
            r = await http.post("/login", data=form)
            self.tally.statuses[("login", r.status_code)] += 1
            assert r.status_code == 303, f"login answered {r.status_code}: {dict(self.tally.statuses)}"
            desk = await http.get(f"/t/{self.lib.slug}/balie")
            self.tally.statuses[("desk page", desk.status_code)] += 1
            assert desk.status_code == 200, f"the desk page answered {desk.status_code}"
            yield http, csrf_of(desk.text)

    async def register_api(self, http: httpx.AsyncClient, key: str) -> None:
        async def send(k: str):
            return await http.post(
                f"/api/v1/t/{self.lib.slug}/questions",
                headers={"Idempotency-Key": k},
                json=question(self.lib),
            )

        if await _until_done(self.tally, "api", send, key):
            self.tally.ok[key] = time.monotonic()

    async def register_desk(self, http: httpx.AsyncClient, csrf: str, key: str) -> None:
        async def send(k: str):
            return await http.post(f"/t/{self.lib.slug}/balie/vragen", data=desk_form(self.lib, csrf, k))

        if await _until_done(self.tally, "desk", send, key):
            self.tally.ok[key] = time.monotonic()

    async def retract(self, http: httpx.AsyncClient, csrf: str, question_id: UUID) -> None:
        async def send(q: str):
            data = {"_csrf_token": csrf, "locatie": str(self.lib.location_id)}
            return await http.post(f"/t/{self.lib.slug}/balie/vragen/{q}/ongedaan", data=data)

        if await _until_done(self.tally, "retract", send, str(question_id), done=(303,)):
            self.tally.retracted.add(question_id)

    async def api_client(self, i: int) -> None:
        async with self._api() as http:
            n = 0
            while not self.stop.is_set():
                await self.register_api(http, f"api-{i}-{n}")
                n += 1

    async def desk_client(self, i: int) -> None:
        async with self._desk() as (http, csrf):
            n = 0
            while not self.stop.is_set():
                await self.register_desk(http, csrf, f"desk-{i}-{n}")
                n += 1

    async def retract_client(self) -> None:
        async with self._desk() as (http, csrf):
            while not self.stop.is_set():
                todo = [
                    q
                    for k in list(self.tally.ok)
                    if k.startswith("api-")
                    if (q := id_for_key(self.lib.tenant_id, "api:" + k)) not in self.tally.retracted
                ]
                if not todo:
                    await asyncio.sleep(0.05)
                    continue
                await self.retract(http, csrf, todo[0])
                await asyncio.sleep(0.05)

    def ok_since(self, t: float) -> int:
        return sum(at > t for at in self.tally.ok.values())


async def test_postgres_restarted_while_desks_post(private_pg, private_redis, procs, tmp_path):
    db = await asyncio.to_thread(create_database, private_pg.admin_url)
    env = {
        **os.environ,
        **settings_env(db, private_redis.url),
        "IDO_VAR_DIR": str(tmp_path),
        "IDO_FIXED_NOW": NOW.isoformat(),
    }
    settings = Settings.from_env(env)
    await asyncio.to_thread(upgrade, settings)
    container = build(settings)
    try:
        lib = await make_library(container)
        token = await container.accounts.create_token(lib.desk)
    finally:
        await container.close()
    server, base = serve(procs, env)

    api_clients, desk_clients = 6, 2
    desks = Desks(base, lib, token)
    tally = desks.tally
    clients = [asyncio.create_task(desks.api_client(i)) for i in range(api_clients)]
    clients += [asyncio.create_task(desks.desk_client(i)) for i in range(desk_clients)]
    clients.append(asyncio.create_task(desks.retract_client()))
    await asyncio.sleep(3)
    assert tally.ok and tally.retracted, (
        f"nothing done before the outage: {tally}\n" + server.output()[-2000:]
    )
    down_at = time.monotonic()
    await asyncio.to_thread(private_pg.stop, "fast")
    await asyncio.sleep(4)
    await asyncio.to_thread(private_pg.start)
    up_at = time.monotonic()
    during = sum(n for (_, s), n in tally.statuses.items() if s == 503)
    deadline = time.monotonic() + 30
    while desks.ok_since(up_at) < 3 * (api_clients + desk_clients):
        assert time.monotonic() < deadline, (
            f"no recovery after the restart: {tally}\n" + server.output()[-3000:]
        )
        await asyncio.sleep(0.2)
    first_after = min(t for t in tally.ok.values() if t > up_at) - up_at
    desks.stop.set()
    await asyncio.wait_for(asyncio.gather(*clients), REQUEST_BOUND * 3)
    unavailable = sum(n for (_, s), n in tally.statuses.items() if s == 503)

    # A restart while nobody posts: every pooled connection (engine, reader engine, raw pool) is dead; the
    # first requests after it must succeed at once.
    await asyncio.to_thread(private_pg.stop, "fast")
    await asyncio.to_thread(private_pg.start)
    await asyncio.sleep(0.3)
    before_quiet = Counter(tally.statuses)
    async with desks._api() as api:
        async with desks._desk() as (desk_http, csrf):  # logs in: the session lookup reads the database
            registered = [k for k in tally.ok if k.startswith("api-")]
            await asyncio.gather(
                *(desks.register_api(api, f"quiet-{i}") for i in range(api_clients)),
                desks.register_desk(desk_http, csrf, "desk-quiet"),
                desks.retract(
                    desk_http,
                    csrf,
                    next(
                        q
                        for k in registered
                        if (q := id_for_key(lib.tenant_id, "api:" + k)) not in tally.retracted
                    ),
                ),
            )
    quiet = tally.statuses - before_quiet
    stored = await _store_state(private_pg.admin_url, db.name, UUID(str(lib.tenant_id)))
    expected = {id_for_key(lib.tenant_id, ("" if k.startswith("desk-") else "api:") + k): k for k in tally.ok}
    lost = [k for q, k in expected.items() if stored.registered.get(q, 0) == 0]
    doubled = [q for q, n in stored.registered.items() if n > 1] + [
        q for q, n in stored.retracted.items() if n > 1
    ]
    unknown = [q for q in stored.registered if q not in expected] + [
        q for q in stored.retracted if q not in tally.retracted
    ]
    figures(
        "A. PostgreSQL restarted (fast shutdown) under 8 posting clients and 1 retracting desk",
        {
            "clients (API + desk form + retracting desk)": f"{api_clients} + {desk_clients} + 1",
            "PostgreSQL down (stop -> started)": f"{up_at - down_at:.2f} s",
            "registrations answered 2xx / retracts 303": f"{len(tally.ok)} / {len(tally.retracted)}",
            "answers replayed (Idempotent-Replayed)": tally.replayed,
            "503 answers, all with Retry-After": unavailable,
            "503 answers while the database was down": during,
            "answers by (kind, status)": dict(sorted(tally.statuses.items())),
            "transport errors / unexpected answers": f"{sum(tally.transport_errors.values())} / {len(tally.unexpected)}",
            "slowest answer": f"{tally.slowest:.2f} s",
            "first 2xx after the restart": f"{first_after:.2f} s",
            "after a quiet restart: answers": dict(sorted(quiet.items())),
            "lost / duplicated / unknown events": f"{len(lost)} / {len(doubled)} / {len(unknown)}",
            "idempotency rows without answer / without event": f"{stored.unanswered} / {stored.keys_without_event}",
            "registrations without idempotency row": stored.events_without_key,
        },
    )
    assert not tally.unexpected, tally.unexpected[:5]
    assert not tally.transport_errors, tally.transport_errors
    assert tally.unavailable_without_retry_after == 0 and tally.wrong_503_type == 0
    assert tally.slowest < REQUEST_BOUND
    assert all(s != 503 for _, s in quiet), f"dead pooled connections were used after the restart: {quiet}"
    assert not lost and not doubled and not unknown, (lost, doubled, unknown)
    assert stored.unanswered == stored.keys_without_event == stored.events_without_key == 0
    assert "unhandled error" not in server.output(), server.output()[-3000:]  # what a 500 logs


async def test_pools_after_a_restart_and_while_the_database_is_down(private_pg):
    """In-process: infra.store.db's engine and raw pool against SQLAlchemy's defaults: after a restart, while the
    database is down, and the cost of the checkout check."""
    url = private_pg.admin_url.replace("postgresql://", "postgresql+asyncpg://")
    engines = {
        "infra.store.db (checkout check)": make_engine(url, pool_size=5),
        "SQLAlchemy default (before)": create_async_engine(url, pool_size=5),
        "pool_pre_ping": create_async_engine(url, pool_size=5, pool_pre_ping=True),
    }
    db = Database(engines["infra.store.db (checkout check)"], 5)

    async def query(engine) -> str:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return "ok"
        except Exception as exc:
            return type(exc).__name__

    async def raw_query() -> str:
        try:
            async with db.raw() as conn:
                await conn.fetchval("SELECT 1")
            return "ok"
        except Exception as exc:
            return type(exc).__name__

    async def fill(engine) -> None:  # five connections in the pool
        async def hold() -> None:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT pg_sleep(0.05)"))

        await asyncio.gather(*(hold() for _ in range(5)))

    try:
        for engine in engines.values():
            await fill(engine)
        assert await raw_query() == "ok"
        await asyncio.to_thread(private_pg.stop, "fast")
        await asyncio.to_thread(private_pg.start)
        await asyncio.sleep(0.2)
        after = {
            name: Counter(await asyncio.gather(*(query(e) for _ in range(5)))) for name, e in engines.items()
        }
        after["raw pool (asyncpg)"] = Counter([await raw_query()])
        cost: dict[str, float] = {}
        for _ in range(5):  # interleaved rounds, the best of each: the machine is shared
            for name, engine in engines.items():
                started = time.perf_counter()
                for _ in range(200):
                    async with engine.connect():
                        pass
                cost[name] = min(cost.get(name, 1e9), (time.perf_counter() - started) / 200 * 1e6)
        await asyncio.to_thread(private_pg.stop, "fast")
        started = time.monotonic()
        down = {name: Counter([await query(e), await query(e)]) for name, e in engines.items()}
        down["raw pool (asyncpg)"] = Counter([await raw_query(), await raw_query()])
        down_for = time.monotonic() - started
    finally:
        for engine in engines.values():
            await engine.dispose()
        await db.dispose()
    figures(
        "A'. Pools after a restart and while the database is down; the cost of a checkout",
        {
            **{f"5 queries after a restart, {k}": dict(v) for k, v in after.items()},
            **{f"2 queries while down, {k}": dict(v) for k, v in down.items()},
            "all queries while down took": f"{down_for * 1000:.0f} ms",
            **{f"checkout + return, {k}": f"{v:.0f} µs" for k, v in cost.items()},
        },
    )
    assert after["infra.store.db (checkout check)"] == {"ok": 5} and after["raw pool (asyncpg)"] == {"ok": 1}
    assert (
        down["infra.store.db (checkout check)"]
        == down["raw pool (asyncpg)"]
        == {OperationalError.__name__: 2}
    )
    assert cost["infra.store.db (checkout check)"] < cost["pool_pre_ping"]


@dataclass
class StoreState:
    registered: dict[UUID, int]
    retracted: dict[UUID, int]
    unanswered: int
    keys_without_event: int
    events_without_key: int


async def _store_state(admin_url: str, database: str, tenant_id: UUID) -> StoreState:
    """As the superuser (no row-level security): registrations and retracts per question, and the idempotency
    records that belong to the registrations (both are written in one transaction, see infra/store/idempotency.py)."""
    conn = await asyncpg.connect(admin_url.rsplit("/", 1)[0] + "/" + database)
    try:
        rows = await conn.fetch(
            "SELECT event_type, data->>'question_id' AS q, count(*) AS n FROM events WHERE tenant_id = $1 "
            "AND event_type IN ('QuestionRegistered', 'QuestionRetracted') GROUP BY 1, 2",
            tenant_id,
        )
        keys = await conn.fetch("SELECT key, status FROM idempotency_keys WHERE tenant_id = $1", tenant_id)
    finally:
        await conn.close()
    registered = {UUID(r["q"]): r["n"] for r in rows if r["event_type"] == "QuestionRegistered"}
    by_question = {id_for_key(tenant_id, k["key"]): k for k in keys}
    return StoreState(
        registered,
        {UUID(r["q"]): r["n"] for r in rows if r["event_type"] == "QuestionRetracted"},
        unanswered=sum(k["status"] is None for k in keys),
        keys_without_event=sum(q not in registered for q in by_question),
        events_without_key=sum(q not in by_question for q in registered),
    )


# --- B. Redis restarted, its data lost, under the web server, a worker and beat ----------------------------------


class DeskUser:
    """A browser at the desk: registers over the form (plain or HTMX), and when it is sent to the login page it
    logs in again, lands where it was sent, and registers the same question again (the same key)."""

    def __init__(self, base: str, lib, htmx: bool, seen: Counter) -> None:
        self.base, self.lib, self.htmx, self.seen = base, lib, htmx, seen
        self.kind = "desk-htmx" if htmx else "desk"
        self.http = httpx.AsyncClient(base_url=base, timeout=REQUEST_BOUND)
        self.csrf = ""
        self.ok: dict[str, float] = {}
        self.logins: list[float] = []
        self.unexpected: list[str] = []

    async def login(self, next_: str = "") -> None:
        while True:
            page = await self.http.get("/login" + (f"?next={next_}" if next_ else ""))
            self.seen[("login page", page.status_code)] += 1
            form = {
                "email": self.lib.desk,
                "password": PASSWORD,
                "next": next_,
                "_csrf_token": csrf_of(page.text),
            }
            r = await self.http.post("/login", data=form)
            self.seen[("login", r.status_code)] += 1
            if r.status_code == 303:
                break
            if r.status_code != 503 or not r.headers.get("retry-after"):
                self.unexpected.append(f"login: {r.status_code} {r.text[:200]}")
                return
            await asyncio.sleep(0.3)
        landing = await self.http.get(r.headers["location"])
        self.seen[("page after login", landing.status_code)] += 1
        if landing.status_code != 200:
            self.unexpected.append(f"after login {r.headers['location']}: {landing.status_code}")
        self.logins.append(time.monotonic())
        self.csrf = csrf_of((await self.http.get(f"/t/{self.lib.slug}/balie")).text)

    async def register(self, key: str) -> None:
        desk_page = f"{self.base}/t/{self.lib.slug}/balie"  # what a browser sends along (same origin)
        headers = {"HX-Request": "true", "HX-Current-URL": desk_page} if self.htmx else {"Referer": desk_page}
        while True:
            r = await self.http.post(
                f"/t/{self.lib.slug}/balie/vragen", data=desk_form(self.lib, self.csrf, key), headers=headers
            )
            self.seen[(self.kind, r.status_code)] += 1
            to_login = r.headers.get("hx-redirect") if self.htmx else r.headers.get("location", "")
            if r.status_code in (401, 303) and to_login and to_login.startswith("/login"):
                self.seen[(self.kind, "sent to login")] += 1
                await self.login(to_login.partition("next=")[2])
                continue
            if r.status_code == (200 if self.htmx else 303):
                self.ok[key] = time.monotonic()
                return
            if r.status_code == 503 and r.headers.get("retry-after"):
                await asyncio.sleep(0.3)
                continue
            self.unexpected.append(f"{self.kind} {key}: {r.status_code} {r.text[:200]}")
            return


async def _read_model_total(container, tenant_id) -> int:
    async with container.reader.platform() as conn:
        sql = "SELECT COALESCE(sum(count), 0) FROM rm_question_counts_v1 WHERE tenant_id = :t"
        return (await conn.execute(text(sql), {"t": tenant_id})).scalar()


WEB_LOG = ("wake-up not sent", "session store unreachable", "backing service unavailable")
WORKER_LOG = ("Connection to broker lost", "consumer: Cannot connect")


async def test_redis_restarted_with_its_data_lost(container, env, settings, private_redis, procs, tmp_path):
    lib = await make_library(container)
    token = await container.accounts.create_token(lib.desk)
    worker_env = {**env, "REDIS_URL": private_redis.url, "IDO_VAR_DIR": str(tmp_path)}
    server, base = serve(procs, worker_env)
    worker = procs("worker", "--concurrency", "1", env=worker_env)
    beat = procs("beat", env=worker_env)
    seen: Counter = Counter()
    api_ok: dict[str, float] = {}
    unexpected: list[str] = []
    stop = asyncio.Event()
    desks = [DeskUser(base, lib, htmx, seen) for htmx in (False, True)]
    for d in desks:
        await d.login()

    async def api_client(i: int) -> None:
        async with httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=REQUEST_BOUND
        ) as http:
            n = 0
            while not stop.is_set():
                key = f"api-{i}-{n}"
                r = await http.post(
                    f"/api/v1/t/{lib.slug}/questions", headers={"Idempotency-Key": key}, json=question(lib)
                )
                seen[("api", r.status_code)] += 1
                if r.status_code == 201:
                    api_ok[key] = time.monotonic()
                    n += 1
                elif r.status_code == 503 and r.headers.get("retry-after"):
                    await asyncio.sleep(0.3)
                else:
                    unexpected.append(f"api {key}: {r.status_code} {r.text[:200]}")
                    return
                await asyncio.sleep(0.05)

    async def desk_client(d: DeskUser) -> None:
        n = 0
        while not stop.is_set():
            await d.register(f"{d.kind}-{n}")
            n += 1
            await asyncio.sleep(0.05)

    clients = [asyncio.create_task(api_client(i)) for i in range(2)]
    clients += [asyncio.create_task(desk_client(d)) for d in desks]

    async def caught_up() -> bool:
        return await _read_model_total(container, lib.tenant_id) >= 10

    await _until(caught_up, 60, lambda: "the worker did not start:\n" + worker.output()[-2000:])
    before = Counter(seen)
    down_at = time.monotonic()
    private_redis.stop()
    await asyncio.sleep(4)
    during = seen - before
    private_redis.start()  # empty: --save "" and no AOF, so sessions, queues and wake-up flags are gone
    up_at = time.monotonic()

    async def everyone_back() -> bool:
        return all(sum(t > up_at for t in d.ok.values()) >= 3 for d in desks) and (
            sum(t > up_at for t in api_ok.values()) >= 3
        )

    await _until(everyone_back, 30, lambda: f"the desks did not come back: {seen} {unexpected}")
    stop.set()
    await asyncio.wait_for(asyncio.gather(*clients), REQUEST_BOUND * 3)
    for d in desks:
        await d.http.aclose()
    registered = len(api_ok) + sum(len(d.ok) for d in desks)

    async def all_counted() -> bool:
        return await _read_model_total(container, lib.tenant_id) == registered

    await _until(
        all_counted,
        60,
        lambda: f"the read model did not catch up ({registered} registered):\n" + beat.output()[-2000:],
    )
    caught_up_after = time.monotonic() - up_at
    await asyncio.sleep(3)  # a late duplicate would show now
    counted = await _read_model_total(container, lib.tenant_id)
    relogin_after = [min(t for t in d.logins if t > up_at) - up_at for d in desks]
    first_desk = [min(t for t in d.ok.values() if t > up_at) - up_at for d in desks]
    figures(
        "B. Redis restarted with its data lost (web server + worker + beat, 2 API clients, 2 desks)",
        {
            "Redis down (stop -> started empty)": f"{up_at - down_at:.2f} s",
            "answers while Redis was down": dict(sorted(during.items(), key=str)),
            "answers in the whole run": dict(sorted(seen.items(), key=str)),
            "desk logged in again after the restart": ", ".join(f"{t:.2f} s" for t in relogin_after),
            "first desk registration after the restart": ", ".join(f"{t:.2f} s" for t in first_desk),
            "registrations answered 2xx": registered,
            "read model complete after the restart": f"{caught_up_after:.1f} s",
            "read model total / registered (3 s later)": f"{counted} / {registered}",
            "worker / beat still running": f"{worker.proc.poll() is None} / {beat.proc.poll() is None}",
            "web log: wake-up not sent / session store unreachable / 503": "{} / {} / {}".format(
                *(server.output().count(m) for m in WEB_LOG)
            ),
            "worker log: broker lost / cannot connect; beat: connection error": "{} / {}; {}".format(
                *(worker.output().count(m) for m in WORKER_LOG), beat.output().count("beat: Connection error")
            ),
        },
    )
    problems = unexpected + [u for d in desks for u in d.unexpected]
    assert not problems, problems[:5]
    assert not any(s == 500 for (_, s) in seen), seen
    assert during[("api", 201)] > 0, "API registrations stopped while Redis was down"
    assert counted == registered
    assert worker.proc.poll() is None and beat.proc.poll() is None
    assert "unhandled error" not in server.output(), server.output()[-3000:]


async def _until(check, timeout: float, message) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(message())
        await asyncio.sleep(0.2)


# --- C. A worker killed while it delivers a notice -------------------------------------------------------------


class StallingSmtp(SmtpServer):
    """Holds the first message to `stall_for` at RCPT, before anything is accepted, until released."""

    def __init__(self, stall_for: str) -> None:
        super().__init__()
        self.stalled = threading.Event()
        self.release = threading.Event()
        mailbox, stalled, release = self.mailbox, self.stalled, self.release

        async def handle_RCPT(server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook
            if address == stall_for and not stalled.is_set():
                stalled.set()
                while not release.is_set():
                    await asyncio.sleep(0.05)
            envelope.rcpt_tos.append(address)
            return "250 OK"

        mailbox.handle_RCPT = handle_RCPT  # type: ignore[attr-defined]


class StallingWebhook(WebhookReceiver):
    """Keeps every request; holds its answer to the first one (already received) until released."""

    def __init__(self) -> None:
        super().__init__()
        self.stalled = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
                if not receiver.stalled.is_set():
                    receiver.stalled.set()
                    receiver.release.wait(30)
                try:
                    self.send_response(204)
                    self.end_headers()
                except OSError:
                    pass  # the sender was killed

            def log_message(self, *args: object) -> None:
                pass

        self.server.RequestHandlerClass = Handler


async def _notice_state(container, tenant_id) -> dict[str, tuple]:
    async with container.db.tenant(tenant_id) as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT d.channel, d.status, d.attempts, "
                    "  (SELECT array_agg(a.attempt || ':' || a.outcome ORDER BY a.attempt) FROM delivery_attempts a "
                    "   WHERE a.tenant_id = d.tenant_id AND a.notice_id = d.notice_id AND a.channel = d.channel) AS log "
                    "FROM notice_deliveries d JOIN notices n USING (tenant_id, notice_id) "
                    "WHERE d.tenant_id = :t AND n.kind = 'rescheduled'"
                ),
                {"t": tenant_id},
            )
        ).all()
    return {r.channel: (r.status, r.attempts, r.log or []) for r in rows}


async def _expire_leases(container, tenant_id) -> None:
    """Stands in for waiting LEASE_SECONDS (120 s): the lease of the killed worker's claim has run out."""
    async with container.db.tenant(tenant_id) as conn:
        await conn.execute(
            text(
                "UPDATE notice_deliveries SET lease_until = now() - interval '1 second' "
                "WHERE tenant_id = :t AND status = 'sending'"
            ),
            {"t": tenant_id},
        )


async def test_a_worker_killed_while_it_delivers_a_notice(
    container, env, settings, private_redis, procs, tmp_path
):
    today = TODAY
    suffix = secrets.token_hex(3)
    adviser = f"adviseur-{suffix}@poi.example"
    poi = f"poi-{suffix}"
    await container.accounts.create_poi(poi, f"POI {suffix}", adviser)
    tenant = await container.accounts.create_tenant(f"bieb-{suffix}", f"Bibliotheek {suffix}", poi)
    with StallingSmtp(adviser) as smtp, StallingWebhook() as hook:
        async with container.db.platform() as conn:
            await conn.execute(
                text("UPDATE pois SET webhook_url = :u, webhook_secret = 's' WHERE slug = :p"),
                {"u": hook.url, "p": poi},
            )
        location = uuid4()
        await handle(
            container,
            tenant,
            ido.RegisterIdo(
                tenant_id=tenant,
                location_id=location,
                name="IDO Centrale",
                branch="Centrale",
                variant=ido.Variant.BASIS,
                inside_library=True,
                subsidy_year=today.year,
                planned_opening=today + timedelta(days=2),
            ),
            {},
        )
        new: date = today + timedelta(days=3)
        await handle(
            container,
            tenant,
            ido.RescheduleOpening(location_id=location, new_date=new, reason="Meubels later"),
            {},
        )
        runner = Runner(container.db, container.events, all_projections(settings, container.events))
        await caught_up(runner, tenant)
        async with container.db.tenant(tenant) as conn:  # the registration's notice was sent before this test
            await conn.execute(
                text(
                    "UPDATE notice_deliveries SET status = 'delivered' WHERE tenant_id = :t AND notice_id IN "
                    "(SELECT notice_id FROM notices WHERE tenant_id = :t AND kind = 'registered')"
                ),
                {"t": tenant},
            )
        async with container.db.tenant(tenant) as conn:  # the e-mail first, then the webhook
            await conn.execute(
                text(
                    "UPDATE notice_deliveries SET next_attempt_at = now() - CASE channel WHEN 'email:poi' "
                    "THEN interval '2 seconds' ELSE interval '1 second' END WHERE tenant_id = :t"
                ),
                {"t": tenant},
            )
        assert set(await _notice_state(container, tenant)) == {"email:poi", "webhook:poi"}

        worker_env = {
            **env,
            "REDIS_URL": private_redis.url,
            "IDO_VAR_DIR": str(tmp_path),
            "SMTP_URL": smtp.url,
        }
        beat = procs("beat", env=worker_env)
        started = time.monotonic()
        first = procs("worker", "--concurrency", "1", env=worker_env)

        async def flag(event: threading.Event) -> bool:
            return event.is_set()

        # 1. killed while the SMTP server holds the message before accepting it
        await _until(lambda: flag(smtp.stalled), 60, lambda: "no delivery began:\n" + first.output()[-2000:])
        first_stall = time.monotonic() - started
        first.kill()
        smtp.release.set()
        after_kill_1 = await _notice_state(container, tenant)
        assert after_kill_1["email:poi"][:2] == ("sending", 1)
        assert not [m for m in smtp.mailbox.messages if adviser in m["X-Envelope-To"]]
        await _expire_leases(container, tenant)
        restarted = time.monotonic()
        second = procs("worker", "--concurrency", "1", env=worker_env)

        # 2. the e-mail goes out; killed while the webhook receiver holds its answer (it has the request)
        await _until(
            lambda: flag(hook.stalled), 60, lambda: "the webhook was not sent:\n" + second.output()[-2000:]
        )
        email_after_restart = time.monotonic() - restarted
        second.kill()
        hook.release.set()
        await _expire_leases(container, tenant)
        restarted = time.monotonic()
        procs("worker", "--concurrency", "1", env=worker_env)

        async def delivered() -> bool:
            return {s for s, _, _ in (await _notice_state(container, tenant)).values()} == {"delivered"}

        await _until(delivered, 60, lambda: "not delivered after the restart:\n" + beat.output()[-2000:])
        webhook_after_restart = time.monotonic() - restarted
        await asyncio.sleep(6)  # one more dispatch round: a repeat would show now
        final = await _notice_state(container, tenant)
        [notice_id] = {m["X-IDO-Notice-Id"] for m in smtp.mailbox.messages if adviser in m["X-Envelope-To"]}
        mails = [m for m in smtp.mailbox.messages if m["X-IDO-Notice-Id"] == notice_id]
        calls = [r for r in hook.received if r.headers.get("x-ido-notice-id") == notice_id]
    figures(
        "C. A worker SIGKILLed twice while it delivers one notice (e-mail, then webhook)",
        {
            "first delivery began (worker start -> SMTP)": f"{first_stall:.1f} s",
            "kill 1: SMTP held the message at RCPT": f"state {after_kill_1['email:poi'][:2]}, 0 messages",
            "e-mail sent after restart + lease (kill 2 held the webhook)": f"{email_after_restart:.1f} s",
            "webhook delivered after restart + lease": f"{webhook_after_restart:.1f} s",
            "e-mails with the notice id": len(mails),
            "webhook requests / distinct notice ids": f"{len(calls)} / {len({c.headers['x-ido-notice-id'] for c in calls})}",
            "deliveries (status, attempts, log)": final,
        },
    )
    assert len(mails) == 1, "the e-mail went out more than once"
    assert len(calls) == 2 and {c.json["notice_id"] for c in calls} == {notice_id}
    assert final == {
        "email:poi": ("delivered", 2, ["2:delivered"]),
        "webhook:poi": ("delivered", 3, ["3:delivered"]),
    }
