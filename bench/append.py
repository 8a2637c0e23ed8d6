"""Append throughput of the PostgreSQL event store, against a raw asyncpg INSERT on a table of the same shape.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.append --seconds 5

Without DATABASE_URL the embedded PostgreSQL (infra.store.embedded) is used. When DATABASE_URL is a superuser the
bench creates a throwaway database with roles of its own (ido_t_<hex>_owner/_app/_reader), migrates it,
and drops database and roles at the end: events are append-only for the app role, so a dedicated database is
the only way to leave nothing behind. Without a superuser pass --in-place: the bench then works in the given
(migrated) database and its POI, tenants and events stay there.

Modes, each over --seconds (or --count appends), all writers sharing one pool:
  raw     asyncpg, one autocommit `INSERT ... RETURNING global_position` per event into bench_raw_events
          (LIKE events INCLUDING ALL + the tenants FK, no RLS); each writer holds one pooled connection.
  single  PostgresEventStore.append with one event, new stream, expected_version=0, random tenant.
  batch   the same with 10 and with 100 events per append.
raw and single alternate (raw, single, single, raw, ...) for --rounds rounds; the JSON gives their mean.
Latencies are per append call; "client CPU" is this process's CPU time over the phase (100% = one core).
The last line of the output is one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID, uuid4

import asyncpg
from sqlalchemy.engine import make_url

from domain.ido import IdoRegistered, Variant
from domain.ports import NewEvent
from infra.settings import Settings
from infra.store.codec import json_dumps
from tests.servers import TestDatabase, create_database, drop_database, is_superuser, plain_url, settings_env

REDIS_PLACEHOLDER = "redis://127.0.0.1:6379/15"  # Settings wants one; the bench never connects to Redis

RAW_DDL = (
    "CREATE TABLE bench_raw_events (LIKE events INCLUDING ALL)",
    "ALTER TABLE bench_raw_events ADD FOREIGN KEY (tenant_id) REFERENCES tenants",
)
RAW_INSERT = (
    "INSERT INTO bench_raw_events (tenant_id, stream_id, stream_version, event_id, event_type, schema_version, "
    "data, metadata) VALUES ($1, $2, 1, $3, $4, $5, $6::jsonb, $7::jsonb) RETURNING global_position"
)


# --- the database the bench works in ----------------------------------------------------------------------


# --- measuring ---------------------------------------------------------------------------------------------


@dataclass
class Result:
    mode: str
    writers: int
    batch: int
    appends: int
    elapsed: float
    latencies: list[float] = field(repr=False)
    cpu: float = 0.0  # CPU seconds this process (the client side) used
    mean_of: list[Result] = field(default_factory=list, repr=False)  # a summary row: the mean of these runs

    @property
    def events_per_s(self) -> float:
        if self.mean_of:
            return statistics.fmean(r.events_per_s for r in self.mean_of)
        return self.appends * self.batch / self.elapsed

    def pct(self, q: float) -> float:
        """Latency per append in ms at quantile q (nearest rank)."""
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000 if xs else float("nan")


Op = Callable[[int], Awaitable[object]]


async def run_phase(
    mode: str, op: Op, writers: int, batch: int, *, seconds: float | None, count: int | None
) -> Result:
    """`writers` tasks call op(writer) back to back until the deadline passes (appends in flight finish and
    count) or `count` appends have been started."""
    latencies: list[float] = []
    left = count or 0
    cpu0 = time.process_time()
    start = time.perf_counter()
    deadline = start + seconds if seconds else None

    async def writer(w: int) -> None:
        nonlocal left
        while True:
            if deadline is not None:
                if time.perf_counter() >= deadline:
                    return
            else:
                if left <= 0:
                    return
                left -= 1
            t0 = time.perf_counter()
            await op(w)
            latencies.append(time.perf_counter() - t0)

    await asyncio.gather(*(writer(w) for w in range(writers)))
    elapsed = time.perf_counter() - start
    return Result(mode, writers, batch, len(latencies), elapsed, latencies, time.process_time() - cpu0)


# --- the workload ------------------------------------------------------------------------------------------


def make_event() -> IdoRegistered:
    return IdoRegistered(
        location_id=uuid4(),
        name="IDO Bibliotheek Midden-Brabant",
        branch="Vestiging Tilburg Centrum (LocHal)",
        variant=Variant.BREDE_DIENSTVERLENING,
        inside_library=True,
        subsidy_year=2027,
        planned_opening=date(2027, 3, 1),
    )


def make_metadata() -> dict[str, str]:
    return {"actor": str(uuid4()), "request": str(uuid4())}


async def main_async(settings: Settings, args: argparse.Namespace, admin_url: str | None) -> dict:
    from infra.bootstrap import build

    writers, batch_writers = args.writers, args.batch_writers
    settings = settings.with_(web_pool_size=max(16, writers, batch_writers))
    container = build(settings)
    store, codec = container.events, container.codec
    owner = await asyncpg.connect(plain_url(settings.database_url))
    admin = await asyncpg.connect(plain_url(admin_url)) if admin_url else None
    raw_pool = None
    raw_conns: list = []
    try:
        suffix = secrets.token_hex(3)
        poi = f"bench-{suffix}"
        await container.accounts.create_poi(poi, f"Bench POI {suffix}")
        tenants: list[UUID] = [
            await container.accounts.create_tenant(f"bench-{suffix}-{i:02d}", f"Bench bibliotheek {i}", poi)
            for i in range(args.tenants)
        ]
        await owner.execute("DROP TABLE IF EXISTS bench_raw_events")
        for ddl in RAW_DDL:
            await owner.execute(ddl)
        await owner.execute(f'GRANT SELECT, INSERT ON bench_raw_events TO "{settings.app_role}"')
        await owner.execute(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{settings.app_role}"')

        raw_pool = await asyncpg.create_pool(
            plain_url(settings.app_database_url), min_size=writers, max_size=writers
        )
        raw_conns.extend([await raw_pool.acquire() for _ in range(writers)])

        async def raw(w: int) -> None:
            event = make_event()
            etype, version, data = codec.encode(event)
            await raw_conns[w].fetchval(
                RAW_INSERT,
                random.choice(tenants),
                f"ido-{event.location_id}",
                uuid4(),
                etype,
                version,
                json_dumps(data),
                json_dumps(make_metadata()),
            )

        def ours(n: int) -> Op:
            async def op(w: int) -> None:
                event = make_event()
                meta = make_metadata()
                await store.append(
                    random.choice(tenants),
                    f"ido-{event.location_id}",
                    [NewEvent(uuid4(), event, meta) for _ in range(n)],
                    0,
                )

            return op

        sample = make_event()
        data_bytes = len(json_dumps(codec.encode(sample)[2]))
        meta_bytes = len(json_dumps(make_metadata()))
        server = await owner.fetchval("SHOW server_version")
        sync_commit = await owner.fetchval("SHOW synchronous_commit")
        loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
        dbname = make_url(settings.database_url).database
        print(
            f"PostgreSQL {server} (synchronous_commit={sync_commit}), database {dbname}, "
            f"{args.tenants} tenants, event loop {loop}"
        )
        print(
            f"payload: data {data_bytes} B + metadata {meta_bytes} B JSON per event; "
            f"raw baseline connects as the app role ({settings.app_role}), no RLS on bench_raw_events"
        )
        span = f"{args.count} appends" if args.count else f"{args.seconds:g} s"
        print(
            f"each phase: {span}; warm-up {args.warmup:g} s per mode; {args.rounds} rounds raw/single (ABBA); "
            f"load average before: {_load()}\n"
        )

        async def measure(mode: str, op: Op, n_writers: int, batch: int) -> Result:
            if admin is not None:
                await admin.execute("CHECKPOINT")  # no checkpoint of earlier phases' WAL in the measurement
            r = await run_phase(
                mode, op, n_writers, batch, seconds=None if args.count else args.seconds, count=args.count
            )
            print(_row(r), flush=True)
            return r

        if args.warmup:
            for op, n in (
                (raw, writers),
                (ours(1), writers),
                (ours(10), batch_writers),
                (ours(100), batch_writers),
            ):
                await run_phase("warm-up", op, n, 1, seconds=args.warmup, count=None)

        print(_header(), flush=True)
        raws: list[Result] = []
        singles: list[Result] = []
        for r in range(args.rounds):
            order = (("raw", raw, raws), ("single", ours(1), singles))
            for name, op, into in order if r % 2 == 0 else order[::-1]:
                mode = f"raw asyncpg INSERT #{r + 1}" if name == "raw" else f"store, 1 event #{r + 1}"
                into.append(await measure(mode, op, writers, 1))
        b10 = await measure("store, 10 events", ours(10), batch_writers, 10)
        b100 = await measure("store, 100 events", ours(100), batch_writers, 100)

        raw_mean = _mean("raw asyncpg INSERT, mean", raws)
        single_mean = _mean("store, 1 event, mean", singles)
        print("-" * len(_header()))
        print(_row(raw_mean))
        print(_row(single_mean))
        print(_row(b10))
        print(_row(b100))
        print(
            f"\nload average after: {_load()} ({os.cpu_count()} CPUs; other processes compete with both sides)"
        )
        return {
            "single_events_per_s": round(single_mean.events_per_s),
            "raw_single_events_per_s": round(raw_mean.events_per_s),
            "single_ratio": round(single_mean.events_per_s / raw_mean.events_per_s, 3),
            "batch10_events_per_s": round(b10.events_per_s),
            "batch100_events_per_s": round(b100.events_per_s),
        }
    finally:
        if raw_pool is not None:
            for conn in raw_conns:
                await raw_pool.release(conn)
            await raw_pool.close()
        await owner.execute("DROP TABLE IF EXISTS bench_raw_events")
        await owner.close()
        if admin is not None:
            await admin.close()
        await container.close()


def _mean(mode: str, results: list[Result]) -> Result:
    """Mean throughput of the rounds; latency percentiles over all their appends together."""
    first = results[0]
    return Result(
        mode,
        first.writers,
        first.batch,
        sum(r.appends for r in results),
        sum(r.elapsed for r in results),
        [x for r in results for x in r.latencies],
        sum(r.cpu for r in results),
        mean_of=results,
    )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _header() -> str:
    return (
        f"{'mode':<28} {'writers':>7} {'appends':>8} {'events/s':>10} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'client CPU':>10}"
    )


def _row(r: Result) -> str:
    return (
        f"{r.mode:<28} {r.writers:>7} {len(r.latencies):>8} {r.events_per_s:>10,.0f} "
        f"{r.pct(0.50):>8.2f} {r.pct(0.95):>8.2f} {r.cpu / r.elapsed:>10.0%}"
    )


# --- entry point -------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.append", description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=10.0, help="duration of each measured phase (default 10)")
    p.add_argument("--count", type=int, default=None, help="a fixed number of appends per phase instead")
    p.add_argument(
        "--writers", type=int, default=16, help="concurrent writers for raw and single (default 16)"
    )
    p.add_argument(
        "--batch-writers", type=int, default=16, help="concurrent writers for batches (default 16)"
    )
    p.add_argument("--rounds", type=int, default=2, help="alternating raw/single rounds (default 2)")
    p.add_argument("--tenants", type=int, default=50, help="benchmark tenants (default 50)")
    p.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds per mode first (default 1)")
    p.add_argument(
        "--in-place",
        action="store_true",
        help="no throwaway database: use DATABASE_URL's (it is migrated; bench data stays in it)",
    )
    p.add_argument("--no-uvloop", action="store_true", help="the standard asyncio loop instead of uvloop")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # a plain `kill` still drops the throwaway database (the finally below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    env = dict(os.environ)
    env.setdefault("REDIS_URL", REDIS_PLACEHOLDER)
    embedded = None
    if not env.get("DATABASE_URL"):
        from infra.store.embedded import ensure_servers

        embedded = ensure_servers(env)
    db: TestDatabase | None = None
    admin_url: str | None = None
    try:
        if args.in_place:
            settings = Settings.from_env(env)
        elif is_superuser(env["DATABASE_URL"]):
            admin_url = env["DATABASE_URL"]
            db = create_database(admin_url)
            settings = Settings.from_env({**env, **settings_env(db, env["REDIS_URL"])})
        else:
            sys.exit(
                "DATABASE_URL is not a superuser, so no throwaway database can be made; "
                "pass --in-place to run in that database (bench tenants and events stay there)"
            )
        from infra.store.migrate import upgrade

        upgrade(settings)
        runner = asyncio.run
        if not args.no_uvloop:
            try:
                import uvloop

                runner = uvloop.run
            except ImportError:
                pass
        figures = runner(main_async(settings, args, admin_url))
    finally:
        if db is not None and admin_url is not None:
            drop_database(admin_url, db)
        if embedded is not None:
            embedded.stop()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
