"""Load test of the desk over HTTP: N desks register questions against a running server, then the event table
is checked for lost and duplicated registrations.

    REDIS_URL=redis://127.0.0.1:6379/14 DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python -m bench.desk_load --seconds 30

Without DATABASE_URL / REDIS_URL the embedded servers (infra.store.embedded) stand in. When DATABASE_URL is a
superuser the bench makes a throwaway database with roles of its own (tests/servers.py), migrates it, creates
a POI, --libraries libraries with one IDO location each and --desks desk users (spread round-robin over the
libraries), starts `ido serve --workers W` on a free port as a subprocess and waits for /healthz; at the end it
stops the server and drops the database. The Redis database is claimed the way test runs claim theirs
(key ido:test-run-lock, tests/conftest.py), since a test run empties the database it takes; at the end the
bench removes its wake-up keys and queued wake-up tasks (no worker runs) and the claim. Without a superuser pass --in-place (the bench data stays in that
database). With --url the bench only drives an already running server: give --slug, --email (one or more; the
desks cycle through them) and --password; the event check then runs only when DATABASE_URL and the reader role
settings (DB_READER_ROLE/DB_READER_PASSWORD) are in the environment.

Each desk is its own httpx.AsyncClient (own cookies): GET /login, POST /login, GET the desk page for the CSRF
token and the location, then, back to back until --seconds have passed, POST /t/{slug}/balie/vragen with
HX-Request: true and a fresh uuid4 `key` (the idempotency key). A fraction --double of the registrations is sent
twice with the same key (a double click): alternately both at once and the second after the first answered.
Every POST is timed. Success is 200 with the confirmation in the partial. The desks run in --client-procs
processes (default 1) so the client's CPU can be told apart from the server's.

Afterwards the reader role counts the QuestionRegistered events of the bench tenants: expected = distinct keys
that got a 200; lost = expected questions not stored; duplicated = stored events beyond one per question plus
stored questions the client never sent. CPU time is read from /proc per group (client, server, PostgreSQL,
Redis, other) over the registrations only (not the logins, the reconnections before them or the logouts after
them), so a saturated 2-core machine shows as such. The last line of the output is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID, uuid4

from tests.servers import plain_url

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-wachtwoord-2026"
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
LOCATION = re.compile(r'name="locatie" value="([^"]+)"')
CONFIRMED = b"Geregistreerd:"  # the partial's message after a registration (services/api/desk/pages.py)
HX = {"HX-Request": "true"}
WINDOW_S = 5.0  # latency per window of this many seconds, to see whether it drifts during the run


# --- what the client needs to know -------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskUser:
    email: str
    slug: str
    tenant_id: str | None  # None with --url and no database: the question ids cannot be derived then


@dataclass(frozen=True)
class Plan:
    base_url: str
    password: str
    seconds: float
    double: float
    think_ms: float
    seed: int


@dataclass
class ClientResult:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, latency s)
    ok_keys: set[tuple[str, str]] = field(default_factory=set)  # (slug, key) that got a confirmed 200
    sent_keys: set[tuple[str, str]] = field(default_factory=set)
    doubles: int = 0
    elapsed: float = 0.0
    cpu_s: float = 0.0
    login_errors: list[str] = field(default_factory=list)
    error_times: list[tuple[float, str]] = field(default_factory=list)  # (seconds since start, status)


def _topics() -> list[tuple[str, str]]:
    from domain.catalogue import CATALOGUE

    return [(p.code, t.code) for p in CATALOGUE.parties if p.joined for t in p.topics]


# --- one desk ----------------------------------------------------------------------------------------------


async def _login(client, desk: DeskUser, password: str) -> tuple[str, str]:
    """Log in; answer the CSRF token and the location id from the desk page."""
    page = await client.get("/login")
    m = CSRF.search(page.text)
    if page.status_code != 200 or not m:
        raise RuntimeError(f"GET /login: {page.status_code}")
    r = await client.post(
        "/login", data={"email": desk.email, "password": password, "_csrf_token": m.group(1)}
    )
    if r.status_code != 303:
        raise RuntimeError(f"POST /login as {desk.email}: {r.status_code}")
    page = await client.get(f"/t/{desk.slug}/balie")
    token, loc = CSRF.search(page.text), LOCATION.search(page.text)
    if page.status_code != 200 or not token or not loc:
        raise RuntimeError(f"GET /t/{desk.slug}/balie as {desk.email}: {page.status_code}")
    return token.group(1), loc.group(1)


async def _desk_loop(
    client,
    desk: DeskUser,
    csrf: str,
    location: str,
    plan: Plan,
    start: float,
    deadline: float,
    rng: random.Random,
    topics: list[tuple[str, str]],
    out: ClientResult,
) -> None:
    url = f"/t/{desk.slug}/balie/vragen"
    visit, left_in_visit = str(uuid4()), 0
    n_double = 0

    async def post(form: dict[str, str]) -> None:
        t0 = time.perf_counter()
        try:
            r = await client.post(url, data=form, headers=HX)
            status: int | str = r.status_code
            if status == 200 and CONFIRMED not in r.content:
                status = "200 without confirmation"
        except Exception as exc:  # timeouts, refused connections: counted, never fatal
            status = type(exc).__name__
        t1 = time.perf_counter()
        out.requests += 1
        out.statuses[status] += 1
        out.latencies.append((t0 - start, t1 - t0))
        if status == 200:
            out.ok_keys.add((desk.slug, form["key"]))
        else:
            out.error_times.append((t0 - start, str(status)))

    if plan.think_ms:  # paced desks start spread over one pause, not all in the same instant
        await asyncio.sleep(rng.uniform(0, plan.think_ms / 1000))
    while time.perf_counter() < deadline:
        if left_in_visit <= 0:  # a visitor asks one to three questions
            visit, left_in_visit = str(uuid4()), rng.randint(1, 3)
        left_in_visit -= 1
        party, topic = rng.choice(topics)
        form = {
            "_csrf_token": csrf,
            "key": str(uuid4()),
            "bezoek": visit,
            "locatie": location,
            "partij": party,
            "onderwerp": topic,
            "hulp": "wegwijzer",
        }
        out.sent_keys.add((desk.slug, form["key"]))
        if rng.random() < plan.double:
            out.doubles += 1
            n_double += 1
            if n_double % 2:  # both clicks at once
                await asyncio.gather(post(form), post(dict(form)))
            else:  # the second after the first answered (a retry)
                await post(form)
                await post(dict(form))
        else:
            await post(form)
        if plan.think_ms:  # no pause past the end: the run's duration is the load's
            pause = rng.expovariate(1000.0 / plan.think_ms)
            await asyncio.sleep(min(pause, max(0.0, deadline - time.perf_counter())))


async def _run_desks(
    desks: list[DeskUser],
    plan: Plan,
    proc_no: int,
    signal_: Callable[[str], None],
    wait: Callable[[str], None],
) -> ClientResult:
    import httpx

    out = ClientResult()
    topics = _topics()
    clients = [httpx.AsyncClient(base_url=plan.base_url, timeout=30.0) for _ in desks]
    try:
        sem = asyncio.Semaphore(4)  # argon2 on the server: a few logins at a time

        async def login(c, d):
            async with sem:
                try:
                    return await _login(c, d, plan.password)
                except Exception as exc:
                    out.login_errors.append(f"{d.email}: {exc}")
                    return None

        sessions = await asyncio.gather(*(login(c, d) for c, d in zip(clients, desks, strict=True)))
        signal_("ready")
        await asyncio.to_thread(wait, "go")
        # the server closes an idle keep-alive connection (uvicorn: --timeout-keep-alive); the logins of the other desks take longer, and a
        # POST on a connection the server is closing fails (httpx does not retry a POST): open them afresh
        await asyncio.gather(
            *(c.get("/healthz") for c, s in zip(clients, sessions, strict=True) if s is not None),
            return_exceptions=True,
        )
        # the server's CPU is read between "warm" and "done": the registrations only, not the logins, the
        # reconnections above or the logouts below
        signal_("warm")
        await asyncio.to_thread(wait, "start")
        cpu0 = time.process_time()
        start = time.perf_counter()
        deadline = start + plan.seconds
        rng = random.Random(plan.seed * 1000 + proc_no)
        await asyncio.gather(
            *(
                _desk_loop(c, d, s[0], s[1], plan, start, deadline, random.Random(rng.random()), topics, out)
                for c, d, s in zip(clients, desks, sessions, strict=True)
                if s is not None
            )
        )
        out.elapsed = time.perf_counter() - start
        out.cpu_s = time.process_time() - cpu0
        signal_("done")
        for c, s in zip(clients, sessions, strict=True):  # log out: no sessions left behind in Redis
            if s is not None:
                try:
                    await c.post("/logout", data={"_csrf_token": s[0]})
                except Exception:
                    pass
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return out


def _client_process(desks: list[DeskUser], plan: Plan, proc_no: int, signal_q, events, result_q) -> None:
    """One client process. It tells the parent (`signal_q`) when its desks are "ready" (logged in), "warm"
    (connections opened afresh) and "done" (the run's last registration answered), and waits for the parent's
    `events` "go" and "start" in between."""
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    sent: list[str] = []

    def signal_(what: str) -> None:
        sent.append(what)
        signal_q.put((what, proc_no))

    try:
        result_q.put(runner(_run_desks(desks, plan, proc_no, signal_, lambda e: events[e].wait())))
    except BaseException as exc:  # the parent must not wait forever
        for what in ("ready", "warm", "done"):
            if what not in sent:
                signal_q.put((what, proc_no))
        result_q.put(exc)


# --- CPU per group of processes, from /proc ----------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _proc_table() -> dict[int, tuple[str, int, float]]:
    """pid -> (command, parent pid, CPU seconds user+system)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        table[int(entry)] = (comm, int(rest[1]), (int(rest[11]) + int(rest[12])) / _TICK)
    return table


def _descendants(table: dict[int, tuple[str, int, float]], roots: set[int]) -> set[int]:
    found = set(r for r in roots if r in table)
    grew = True
    while grew:
        new = {pid for pid, (_, ppid, _) in table.items() if ppid in found} - found
        found |= new
        grew = bool(new)
    return found


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    total = sum(parts[:8])
    return (total - idle) / _TICK, total / _TICK


def _title(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").split()
    except OSError:
        return []


def cpu_snapshot(server_pid: int | None, client_pids: set[int], database: str | None) -> dict[str, float]:
    """CPU seconds per group. With `database`, PostgreSQL counts that database's backends and the background
    processes of its cluster (titles "postgres: 15/main: user db host ..." and "postgres: 15/main: walwriter");
    other databases and clusters (other users of the machine) count as "other"."""
    table = _proc_table()
    server = _descendants(table, {server_pid}) if server_pid else set()
    client = _descendants(table, client_pids)
    pg = {pid: _title(pid) for pid, (comm, _, _) in table.items() if comm.startswith("postgres")}
    ours = {
        t[1] for t in pg.values() if database and len(t) >= 6 and t[0] == "postgres:" and t[3] == database
    }

    def our_postgres(t: list[str]) -> bool:
        if not database:
            return True
        if len(t) < 2 or t[0] != "postgres:" or t[1] not in ours:
            return False
        return not (len(t) >= 6 and t[3] != database)  # a background process, or a backend of ours

    groups: Counter = Counter()
    for pid, (comm, _, cpu) in table.items():
        if pid in server:
            groups["server"] += cpu
        elif pid in client:
            groups["client"] += cpu
        elif pid in pg:
            groups["postgres" if our_postgres(pg[pid]) else "other"] += cpu
        elif comm.startswith("redis-server"):
            groups["redis"] += cpu
        else:
            groups["other"] += cpu
    busy, total = _machine_busy()
    groups["machine_busy"], groups["machine_total"] = busy, total
    return dict(groups)


# --- the Redis database ------------------------------------------------------------------------------------

REDIS_LOCK = (
    "ido:test-run-lock"  # the claim a test run makes on a Redis database (tests/conftest.py::redis_url)
)
CELERY_QUEUE = "celery"


def claim_redis(url: str) -> str:
    """Claim the Redis database the way test runs do, so a parallel `make test` does not pick it and delete
    the bench's sessions (it empties the database it claims). Answer the claim's token."""
    import redis

    token = f"bench.desk_load-{os.getpid()}-{secrets.token_hex(4)}"
    client = redis.Redis.from_url(url)
    try:
        if not client.set(REDIS_LOCK, token, nx=True, ex=3600):
            holder = client.get(REDIS_LOCK)
            sys.exit(
                f"the Redis database {url} is claimed by another run ({holder!r}); pass another REDIS_URL"
            )
    finally:
        client.close()
    return token


def release_redis(url: str, token: str, tenant_ids: list[str]) -> None:
    """Remove what the bench left: the wake-up keys of its tenants and their queued wake-up tasks (no worker
    runs during the bench), then the claim."""
    import redis

    from infra.notify.wakeup import pending_key

    client = redis.Redis.from_url(url)
    try:
        for t in tenant_ids:
            client.delete(pending_key(t))
        marks = [t.encode() for t in tenant_ids]
        for item in client.lrange(CELERY_QUEUE, 0, -1):
            if any(m in item for m in marks):  # the task's headers carry argsrepr "['<tenant id>']"
                client.lrem(CELERY_QUEUE, 1, item)
        if not client.llen(CELERY_QUEUE):  # kombu's exchange bindings, made by the first send_task
            client.delete(f"_kombu.binding.{CELERY_QUEUE}", f"_kombu.binding_permanent.{CELERY_QUEUE}")
        if client.get(REDIS_LOCK) == token.encode():
            client.delete(REDIS_LOCK)
    finally:
        client.close()


# --- the server under test ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.cli.main",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    return proc


def wait_healthy(
    base_url: str, proc: subprocess.Popen | None, log_path: Path | None, timeout: float = 60
) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:] if log_path else ""
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{tail}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{base_url}/healthz did not answer within {timeout:g} s")
        time.sleep(0.2)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # uvicorn's supervisor stops its workers gracefully
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: only the processes this bench started
            proc.wait(5)


def start_celery(env: dict[str, str], concurrency: int, log_path: Path) -> list[subprocess.Popen]:
    """`ido worker` and `ido beat`, each in its own session, logging to one file."""
    log = open(log_path, "ab")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", *cmd],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for cmd in (["worker", "--concurrency", str(concurrency)], ["beat"])
    ]
    log.close()
    deadline = time.monotonic() + 60
    while b"ready." not in log_path.read_bytes():  # celery's banner line once the worker consumes
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            stop_celery(procs)
            raise RuntimeError(f"the Celery worker did not start; see {log_path}")
        time.sleep(0.2)
    return procs


def stop_celery(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)  # warm shutdown: running tasks finish
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(5)


# the age of the oldest event of the bench libraries that a projection has not applied yet: how stale the
# read model is at the moment of the sample (0 when it is up to date)
_LAG = """
SELECT p.name AS projection, EXTRACT(EPOCH FROM clock_timestamp() - min(e.recorded_at)) AS lag_s
FROM unnest($2::text[]) AS p(name) CROSS JOIN unnest($1::uuid[]) AS t(id)
LEFT JOIN projection_checkpoints c ON c.tenant_id = t.id AND c.projection = p.name
JOIN events e ON e.tenant_id = t.id
  AND (e.tx_id, e.global_position) > (COALESCE(c.last_tx_id, '0'::xid8), COALESCE(c.last_position, 0))
WHERE e.recorded_at >= $3
GROUP BY p.name
"""


@dataclass
class LagSamples:
    samples: list[tuple[float, dict[str, float]]] = field(default_factory=list)  # (time since start, lag s)
    drained_s: float | None = None  # after the load stopped, until every projection was up to date


def sample_lag(
    reader_url: str, tenant_ids: list[str], projections: list[str], begin, stop, done, out: LagSamples
) -> None:
    """In a thread: from `begin` (the desks start) every 0.5 s until `stop`, then until the read models caught
    up (at most 60 s). Only events of the load count, not the set-up's."""
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(plain_url(reader_url))
        try:
            await asyncio.to_thread(begin.wait)
            since = await conn.fetchval("SELECT clock_timestamp()")
            t0 = time.perf_counter()
            stopped_at = None
            while True:
                rows = await conn.fetch(_LAG, tenant_ids, projections, since)
                lag = {p: 0.0 for p in projections} | {r["projection"]: float(r["lag_s"]) for r in rows}
                now = time.perf_counter()
                if stopped_at is None:
                    out.samples.append((now - t0, lag))
                    if stop.is_set():
                        stopped_at = now
                elif max(lag.values(), default=0.0) == 0.0 or now - stopped_at > 60:
                    out.drained_s = now - stopped_at if max(lag.values(), default=0.0) == 0.0 else None
                    return
                await asyncio.sleep(0.5)
        finally:
            await conn.close()
            done.set()

    asyncio.run(run())


# --- set-up and the check, in the database -----------------------------------------------------------------


async def create_bench_data(settings, n_desks: int, n_libraries: int) -> list[DeskUser]:
    """A POI, n_libraries libraries with one IDO location each, n_desks desk users spread over them."""

    import asyncpg

    from domain import ido
    from domain.accounts import Role
    from domain.calendar import local_day
    from infra.bootstrap import build
    from services.bootstrap import command_bus

    container = build(settings)
    today = local_day(container.clock())
    try:
        suffix = secrets.token_hex(3)
        poi = f"bench-{suffix}"
        await container.accounts.create_poi(poi, f"Bench POI {suffix}")
        libs: list[tuple[str, UUID]] = []
        for i in range(n_libraries):
            slug = f"bench-{suffix}-{i:03d}"
            tenant_id = await container.accounts.create_tenant(slug, f"Bench bibliotheek {i}", poi)
            location_id = uuid4()
            cmd = ido.RegisterIdo(
                tenant_id=tenant_id,
                location_id=location_id,
                name=f"IDO bench {i}",
                branch="Centrale",
                variant=ido.Variant.BASIS,
                inside_library=True,
                subsidy_year=today.year,
                planned_opening=today,
            )
            await command_bus(container).handle(tenant_id, cmd, {})
            libs.append((slug, tenant_id))
        desks = []
        for i in range(n_desks):
            slug, tenant_id = libs[i % n_libraries]
            email = f"balie-{suffix}-{i:04d}@bench.example"
            await container.accounts.create_user(email, Role.DESK, tenant_slug=slug)
            desks.append(DeskUser(email, slug, str(tenant_id)))
        # argon2 takes ~0.1 s a hash (production profile): hash the one bench password once for every bench user
        owner = await asyncpg.connect(plain_url(settings.database_url))
        try:
            await owner.execute(
                "UPDATE users SET password_hash = $1 WHERE email = ANY($2::text[])",
                container.passwords.hash(PASSWORD),
                [d.email for d in desks],
            )
        finally:
            await owner.close()
        return desks
    finally:
        await container.close()


async def tenant_ids_for(settings, slugs: set[str]) -> dict[str, str]:
    from sqlalchemy import text

    from infra.store.db import Database

    reader = Database.connect(settings.reader_database_url, null_pool=True)
    try:
        async with reader.platform() as conn:
            rows = (
                await conn.execute(
                    text("SELECT slug, tenant_id FROM tenants WHERE slug = ANY(:s)"), {"s": sorted(slugs)}
                )
            ).all()
        return {r.slug: str(r.tenant_id) for r in rows}
    finally:
        await reader.dispose()


@dataclass
class Check:
    expected: int  # distinct keys with a confirmed 200
    stored_events: int  # QuestionRegistered events of the bench questions (all of the tenants' when set up)
    distinct_event_ids: int
    distinct_questions: int
    lost: int  # expected questions with no event
    duplicated: int  # events beyond one per question, plus stored questions never sent
    stored_after_error: (
        int  # sent, no 200 seen, but stored (a timeout after the commit): not lost, not double
    )


async def check_events(
    settings,
    tenants: dict[str, str],
    ok_keys: set[tuple[str, str]],
    sent_keys: set[tuple[str, str]],
    since,
    own_tenants: bool,
) -> Check:
    """Count the QuestionRegistered events as the reader role (it reads across tenants)."""
    from sqlalchemy import text

    from application.questions import id_for_key
    from infra.store.db import Database

    def qid(slug: str, key: str) -> str:
        return str(id_for_key(UUID(tenants[slug]), key))

    expected = {qid(s, k) for s, k in ok_keys}
    sent = {qid(s, k) for s, k in sent_keys}
    reader = Database.connect(settings.reader_database_url, null_pool=True)
    try:
        async with reader.platform() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT data->>'question_id' AS q, count(*) AS n, count(DISTINCT event_id) AS ids FROM events "
                        "WHERE event_type = 'QuestionRegistered' AND tenant_id = ANY(CAST(:t AS uuid[])) "
                        "AND recorded_at >= :since GROUP BY 1"
                    ),
                    {"t": sorted(set(tenants.values())), "since": since},
                )
            ).all()
    finally:
        await reader.dispose()
    per_q = {r.q: (r.n, r.ids) for r in rows if own_tenants or r.q in sent}
    stored = set(per_q)
    events = sum(n for n, _ in per_q.values())
    return Check(
        expected=len(expected),
        stored_events=events,
        distinct_event_ids=sum(i for _, i in per_q.values()),
        distinct_questions=len(stored),
        lost=len(expected - stored),
        duplicated=(events - len(stored)) + len(stored - sent),
        stored_after_error=len((stored & sent) - expected),
    )


# --- running the desks and reporting -----------------------------------------------------------------------


def run_clients(
    desks: list[DeskUser],
    plan: Plan,
    procs: int,
    server_pid: int | None,
    database: str | None = None,
    on_go: Callable[[], None] = lambda: None,
) -> tuple[ClientResult, dict[str, float]]:
    ctx = mp.get_context("spawn")
    signal_q, result_q = ctx.Queue(), ctx.Queue()
    events = {"go": ctx.Event(), "start": ctx.Event()}
    parts = [desks[i::procs] for i in range(procs)]
    workers = [
        ctx.Process(target=_client_process, args=(part, plan, i, signal_q, events, result_q), daemon=True)
        for i, part in enumerate(parts)
        if part
    ]

    def all_(what: str, timeout: float) -> None:
        for _ in workers:
            got, _proc = signal_q.get(timeout=timeout)
            assert got == what, (got, what)

    for w in workers:
        w.start()
    try:
        all_("ready", 600)  # logged in (argon2 on the server takes a while for many desks)
        events["go"].set()
        all_("warm", 120)
        before = cpu_snapshot(server_pid, {w.pid for w in workers}, database)
        events["start"].set()
        on_go()
        all_("done", plan.seconds + 300)
        after = cpu_snapshot(server_pid, {w.pid for w in workers}, database)
        results = [result_q.get(timeout=300) for _ in workers]
    finally:
        for w in workers:
            w.join(30)
    for r in results:
        if isinstance(r, BaseException):
            raise r
    total = ClientResult()
    for r in results:
        total.requests += r.requests
        total.statuses.update(r.statuses)
        total.latencies.extend(r.latencies)
        total.ok_keys |= r.ok_keys
        total.sent_keys |= r.sent_keys
        total.doubles += r.doubles
        total.elapsed = max(total.elapsed, r.elapsed)
        total.cpu_s += r.cpu_s
        total.login_errors.extend(r.login_errors)
        total.error_times.extend(r.error_times)
    cpu = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    cpu["client"] = total.cpu_s  # the client processes' own count (they may have exited before `after`)
    # "other": everything the machine did besides the bench, including processes that started and ended
    # within the run (another test suite), which per-process snapshots miss
    ours = sum(cpu.get(k, 0.0) for k in ("client", "server", "postgres", "redis"))
    cpu["other"] = max(0.0, cpu.get("machine_busy", 0.0) - ours)
    return total, cpu


def pct(xs: list[float], q: float) -> float:
    """Nearest rank, in ms."""
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000


def report(
    args: argparse.Namespace,
    res: ClientResult,
    cpu: dict[str, float],
    check: Check | None,
    n_libraries: int | None,
    lag: LagSamples | None = None,
) -> dict:
    lat = sorted(x for _, x in res.latencies)
    ok = res.statuses.get(200, 0)
    errors = {str(k): v for k, v in sorted(res.statuses.items(), key=lambda kv: str(kv[0])) if k != 200}
    rps = res.requests / res.elapsed if res.elapsed else 0.0
    p50, p95, p99 = pct(lat, 0.50), pct(lat, 0.95), pct(lat, 0.99)
    lost = check.lost if check else None
    dup = check.duplicated if check else None

    libs = f", {n_libraries} librar{'y' if n_libraries == 1 else 'ies'}" if n_libraries else ""
    print(
        f"\n{args.desks} desks{libs}, {res.elapsed:.1f} s, "
        f"{f'server at {args.url}' if args.url else f'{args.server_workers} server workers'}, "
        f"{args.client_procs} client process(es), double clicks {args.double:.0%} ({res.doubles})"
    )
    head = (
        f"{'desks':>5} {'requests':>8} {'ok':>7} {'errors':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'req/s':>7} {'lost':>5} {'dup':>5}"
    )
    print(head)
    print("-" * len(head))
    print(
        f"{args.desks:>5} {res.requests:>8} {ok:>7} {res.requests - ok:>7} {p50:>7.1f} {p95:>7.1f} {p99:>7.1f} "
        f"{(lat[-1] * 1000 if lat else float('nan')):>7.1f} {rps:>7.1f} "
        f"{'-' if lost is None else lost:>5} {'-' if dup is None else dup:>5}"
    )
    print(f"errors by status: {errors or 'none'}")
    if res.error_times:
        first = ", ".join(f"{st} at {t:.1f} s" for t, st in sorted(res.error_times)[:5])
        print(f"first errors: {first}")
    if res.login_errors:
        print(f"login failures ({len(res.login_errors)}): {res.login_errors[:3]}")

    windows: dict[int, list[float]] = {}
    for t, x in res.latencies:
        windows.setdefault(int(t // WINDOW_S), []).append(x)
    drift = "  ".join(
        f"{int(w * WINDOW_S)}-{int((w + 1) * WINDOW_S)}s: {len(xs) / WINDOW_S:.0f}/s "
        f"p95 {pct(sorted(xs), 0.95):.0f}"
        for w, xs in sorted(windows.items())
        if w * WINDOW_S < res.elapsed - 0.5
    )
    print(f"per {WINDOW_S:g} s window: {drift}")

    if res.elapsed:
        span = res.elapsed
        cores = os.cpu_count() or 1
        parts = [(k, cpu.get(k, 0.0)) for k in ("client", "server", "postgres", "redis", "other")]
        if args.url:  # the server is not ours: its CPU is part of "other" (local) or not on this machine
            parts = [(k, v) for k, v in parts if k != "server"]
        line = "  ".join(f"{k} {v / span:.2f}" for k, v in parts)
        busy = cpu.get("machine_busy", 0.0) / span
        print(f"CPU, cores busy on average: {line}  | machine {busy:.2f} of {cores}")
        if res.requests:
            per = "  ".join(f"{k} {v / res.requests * 1000:.2f}" for k, v in parts if k != "other")
            print(f"CPU ms per request: {per}")
    if check:
        print(
            f"events: expected {check.expected} (distinct keys with a 200), stored {check.stored_events} "
            f"QuestionRegistered, {check.distinct_event_ids} distinct event ids, {check.distinct_questions} "
            f"distinct question ids; lost {check.lost}, duplicated {check.duplicated}, "
            f"stored after an error {check.stored_after_error}"
        )
    else:
        print("events: not checked (no database settings)")
    lag_p95 = lag_max = None
    if lag is not None:
        worst = sorted(max(x.values(), default=0.0) for _, x in lag.samples)
        lag_p95 = worst[min(len(worst) - 1, int(0.95 * len(worst)))] if worst else float("nan")
        lag_max = worst[-1] if worst else float("nan")
        names = sorted({p for _, x in lag.samples for p in x})
        print(f"projection lag (age of the oldest unapplied event), {len(worst)} samples every 0.5 s:")
        for name in names:
            xs = sorted(x.get(name, 0.0) for _, x in lag.samples)
            print(
                f"  {name:<22} p50 {xs[len(xs) // 2]:.2f} s  p95 {xs[min(len(xs) - 1, int(0.95 * len(xs)))]:.2f} s"
                f"  max {xs[-1]:.2f} s"
            )
        drained = "not within 60 s" if lag.drained_s is None else f"{lag.drained_s:.1f} s"
        print(f"  all read models up to date after the load stopped: {drained}")
    target = p95 <= 50 and lost == 0 and dup == 0 and ok == res.requests
    print(f"target (p95 <= 50 ms, 0 lost, 0 duplicated, no errors): {'met' if target else 'NOT met'}")
    if lag is not None:
        print(f"target (projection lag < 2 s): {'met' if lag_max is not None and lag_max < 2 else 'NOT met'}")
    return {
        "desks": args.desks,
        "p95_ms": round(p95, 1),
        "requests_per_s": round(rps, 1),
        "lost": lost,
        "duplicated": dup,
        **({"lag_p95_s": round(lag_p95, 2), "lag_max_s": round(lag_max, 2)} if lag is not None else {}),
    }


# --- entry point -------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.desk_load", description=__doc__.split("\n\n")[0])
    p.add_argument("--desks", type=int, default=50, help="simulated desks, each its own user (default 50)")
    p.add_argument("--seconds", type=float, default=30.0, help="duration of the load (default 30)")
    p.add_argument(
        "--libraries",
        type=int,
        default=1,
        help="libraries the desks are spread over, one IDO location each (default 1)",
    )
    p.add_argument(
        "--double",
        type=float,
        default=0.05,
        help="fraction of registrations sent twice with the same key (default 0.05)",
    )
    p.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="mean pause of a desk between registrations (default 0: back to back)",
    )
    p.add_argument("--server-workers", type=int, default=2, help="uvicorn workers (default 2)")
    p.add_argument(
        "--celery",
        type=int,
        default=0,
        metavar="N",
        help="also run `ido worker --concurrency N` and `ido beat`, and sample the projection lag (default 0: "
        "no workers)",
    )
    p.add_argument("--client-procs", type=int, default=1, help="client processes for the desks (default 1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--in-place",
        action="store_true",
        help="no throwaway database: set up in DATABASE_URL's database (the bench data stays)",
    )
    p.add_argument(
        "--profile",
        metavar="FILE",
        help="record the server workers with py-spy during the load (.svg flame graph, .txt "
        "collapsed stacks, .json speedscope)",
    )
    p.add_argument(
        "--url", help="drive this running server instead (no set-up); needs --slug, --email, --password"
    )
    p.add_argument("--slug", help="with --url: the library")
    p.add_argument("--email", action="append", help="with --url: desk user(s); the desks cycle through them")
    p.add_argument("--password", help="with --url: their password")
    args = p.parse_args(argv)
    if args.url and not (args.slug and args.email and args.password):
        p.error("--url needs --slug, --email and --password")
    if args.desks < 1 or args.libraries < 1 or args.client_procs < 1 or not 0 <= args.double <= 1:
        p.error("--desks, --libraries and --client-procs must be positive, --double between 0 and 1")
    return args


def _start_profiler(path: str, pid: int, seconds: float) -> subprocess.Popen:
    fmt = {".txt": "raw", ".json": "speedscope"}.get(Path(path).suffix, "flamegraph")
    spy = Path(sys.executable).parent / "py-spy"
    return subprocess.Popen(
        [
            str(spy),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--duration",
            str(int(seconds)),
            "--rate",
            "100",
            "--format",
            fmt,
            "-o",
            path,
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from datetime import UTC, datetime, timedelta

    from sqlalchemy.engine import make_url

    from infra.settings import Settings

    plan = Plan(
        base_url=args.url.rstrip("/") if args.url else "",
        password=args.password or PASSWORD,
        seconds=args.seconds,
        double=args.double,
        think_ms=args.think_ms,
        seed=args.seed,
    )
    since = datetime.now(UTC) - timedelta(seconds=5)
    n_libraries: int | None = None

    if args.url:  # drive a running server; check only when the database settings are there
        settings = None
        try:
            settings = Settings.from_env()
        except RuntimeError:
            pass
        tenants = asyncio.run(tenant_ids_for(settings, {args.slug})) if settings else {}
        desks = [
            DeskUser(args.email[i % len(args.email)], args.slug, tenants.get(args.slug))
            for i in range(args.desks)
        ]
        wait_healthy(plan.base_url, None, None, timeout=10)
        res, cpu = run_clients(desks, plan, args.client_procs, None)
        check = (
            asyncio.run(check_events(settings, tenants, res.ok_keys, res.sent_keys, since, False))
            if settings and tenants
            else None
        )
        figures = report(args, res, cpu, check, None)
        print(json.dumps(figures))
        return 1 if check and (check.lost or check.duplicated) else 0

    from tests.servers import create_database, drop_database, is_superuser, settings_env

    env = dict(os.environ)
    embedded = None
    if not env.get("DATABASE_URL") or not env.get("REDIS_URL"):
        from infra.store.embedded import ensure_servers

        embedded = ensure_servers(env)
    admin_url, db, server, profiler, redis_claim, celery = None, None, None, None, None, []
    tenant_ids: list[str] = []
    log_path = Path(tempfile.mkstemp(prefix="desk_load_server_", suffix=".log")[1])
    try:
        if not args.in_place:
            if not is_superuser(env["DATABASE_URL"]):
                sys.exit(
                    "DATABASE_URL is not a superuser, so no throwaway database can be made; pass "
                    "--in-place to set up in that database (bench library, users and events stay there)"
                )
            admin_url = env["DATABASE_URL"]
            db = create_database(admin_url)
            env.update(settings_env(db, env["REDIS_URL"]))
        settings = Settings.from_env(env)
        redis_claim = claim_redis(settings.redis_url)
        from infra.store.migrate import upgrade

        upgrade(settings)
        n_libraries = min(args.libraries, args.desks)
        t0 = time.perf_counter()
        desks = asyncio.run(create_bench_data(settings, args.desks, n_libraries))
        tenant_ids = sorted({d.tenant_id for d in desks if d.tenant_id})
        print(
            f"set-up: database {settings.database_url.rsplit('/', 1)[-1]}, {n_libraries} librar"
            f"{'y' if n_libraries == 1 else 'ies'}, {len(desks)} desk users ({time.perf_counter() - t0:.1f} s)"
        )

        port = _free_port()
        plan = Plan(f"http://127.0.0.1:{port}", PASSWORD, args.seconds, args.double, args.think_ms, args.seed)
        server = start_server(env, port, args.server_workers, log_path)
        wait_healthy(plan.base_url, server, log_path)
        print(f"server: pid {server.pid}, {args.server_workers} workers on {plan.base_url} (log {log_path})")
        lag, begin, stop, done = None, threading.Event(), threading.Event(), threading.Event()
        if args.celery:
            celery = start_celery(env, args.celery, log_path.with_suffix(".celery.log"))
            print(
                f"celery: worker (concurrency {args.celery}) and beat (log {log_path.with_suffix('.celery.log')})"
            )
            from infra.projections.registry import projection_names

            lag = LagSamples()
            threading.Thread(
                target=sample_lag,
                args=(settings.reader_database_url, tenant_ids, projection_names(), begin, stop, done, lag),
                daemon=True,
            ).start()
        if args.profile:
            profiler = _start_profiler(args.profile, server.pid, args.seconds + 60)
        try:
            res, cpu = run_clients(
                desks,
                plan,
                args.client_procs,
                server.pid,
                make_url(settings.database_url).database,
                begin.set,
            )
        finally:
            stop.set()
        if lag is not None:
            done.wait(90)
        tenants = {d.slug: d.tenant_id for d in desks if d.tenant_id}
        check = asyncio.run(check_events(settings, tenants, res.ok_keys, res.sent_keys, since, True))
        figures = report(args, res, cpu, check, n_libraries, lag)
    finally:
        if profiler is not None and profiler.poll() is None:
            profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            try:
                profiler.wait(30)
            except subprocess.TimeoutExpired:
                profiler.kill()
        if server is not None:
            stop_server(server)
        stop_celery(celery)
        if redis_claim is not None:
            release_redis(env["REDIS_URL"], redis_claim, tenant_ids)
        if db is not None and admin_url is not None:
            drop_database(admin_url, db)
        if embedded is not None:
            embedded.stop()
    if server is not None and server.returncode not in (0, -signal.SIGINT):
        print(f"note: the server exited with {server.returncode}; see {log_path}")
    elif log_path.exists() and log_path.stat().st_size == 0:
        log_path.unlink()  # nothing logged: no file left behind
    if args.profile:
        print(f"profile: {args.profile}")
    print(json.dumps(figures))
    return 1 if figures["lost"] or figures["duplicated"] else 0


if __name__ == "__main__":
    sys.exit(main())
