"""Verantwoording report times: one library with 100,000 questions in a year (XLSX, CSV, PDF), one library's PDF
with 5,000 questions, and the KB's national bundle for 200 libraries × 5,000 questions, PDFs included, built by
real worker processes; then the bundle again after one library's data changed (one PDF rendered, the others kept).

    .venv/bin/python -m bench.reports [--questions 100000] [--libraries 200] [--per-library 5000]
                                      [--workers 1] [--concurrency 2]

Uses the machine's PostgreSQL (or the embedded one, as the tests do: tests.servers.find_servers), in a
throwaway database with roles of its own, migrated and dropped at the end. The read-model rows are written
directly (COPY as the superuser): rm_question_counts_v1 at day granularity (party, topic, kind, help, channel
and day drawn at random; ~5 % tallies), rm_help_time_v1 (70 % of the questions with a duration class) and
rm_visitors_v1 (an hour 9-17, about 1.3 questions per visitor), referrals, courses, two open IDO locations per
library, and projection checkpoints. Not timed.

tenant_*_s: the whole download path of one format as a coordinator gets it — load the rows in a tenant
transaction, build the report, render — median of 3 runs after one warm-up.
library_pdf_s: infra.reports.pdf.render of one 5,000-question library's report as the bundle has it (without
the survey), median of 3 after one warm-up, in this process.
national_bundle_s: from sending `ido.build_bundle` for a requested bundle to its status done, with `--workers`
`ido worker --concurrency C` processes (as tests/e2e/processes.py starts them, on a Redis of their own) already
running: every library loaded in one snapshot, their XLSX and CSV, their PDFs rendered by the build and the
helper tasks it sends, the ZIP, the national workbook, progress writes, the files stored as bytea.
national_bundle_cached_s: the same after one library's counts and checkpoint moved: a new bundle, in which only
that library's PDF is rendered. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import psutil

from domain.calendar import local_day
from domain.catalogue import CATALOGUE
from domain.report import Period
from infra.bootstrap import build as build_container
from infra.reports import bundle, pdf, service
from infra.reports.data import PROJECTIONS
from infra.settings import Settings
from tests.e2e.processes import Proc, RedisServer
from tests.servers import plain_url

KINDS = (("digitale_overheid", 0.85), ("bibliotheekdienst", 0.10), ("overig", 0.05))


def question_rows(
    rng: random.Random, tenant: UUID, locations: list[UUID], n: int, year: int
) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Rows of rm_question_counts_v1, rm_help_time_v1 (70 % of the questions with a duration) and rm_visitors_v1
    (hours 9-17; a visitor per question with probability 0.75, so about 1.3 questions per visitor)."""
    topics = [(p.code, t.code) for p in CATALOGUE.parties for t in p.topics]
    helps = [o.code for o in CATALOGUE.help_kinds]
    channels = [o.code for o in CATALOGUE.channels]
    durations = [o.code for o in CATALOGUE.durations]
    kinds, weights = zip(*KINDS, strict=True)
    first = date(year, 1, 1)
    counts: collections.Counter = collections.Counter()
    times: collections.Counter = collections.Counter()
    cells: dict[tuple, list[int]] = collections.defaultdict(lambda: [0, 0])
    for _ in range(n):
        party, topic = rng.choice(topics)
        tally = rng.random() < 0.05
        day, location = first + timedelta(days=rng.randrange(365)), rng.choice(locations)
        key = (
            day,
            location,
            party,
            "" if tally else topic,
            rng.choices(kinds, weights)[0],
            "" if tally else rng.choice(helps),
            "balie" if tally else rng.choice(channels),
        )
        counts[key] += 1
        duration = "" if tally or rng.random() < 0.3 else rng.choice(durations)
        times[(day, location, party, key[3], duration)] += 1
        cell = cells[(day, location, rng.randrange(9, 18))]
        cell[0] += rng.random() < 0.75 or not cell[0]
        cell[1] += 1
    return (
        [(tenant, *k, v) for k, v in counts.items()],
        [(tenant, *k, v) for k, v in times.items()],
        [(tenant, *k, v, q) for k, (v, q) in cells.items()],
    )


async def seed_library(conn: asyncpg.Connection, rng: random.Random, tenant: UUID, n: int, year: int) -> None:
    locations = [uuid4(), uuid4()]
    counts, times, visitors = question_rows(rng, tenant, locations, n, year)
    await conn.copy_records_to_table(
        "rm_question_counts_v1",
        records=counts,
        columns=["tenant_id", "day", "location_id", "npd_party", "topic", "kind", "help", "channel", "count"],
    )
    await conn.copy_records_to_table(
        "rm_help_time_v1",
        records=times,
        columns=["tenant_id", "day", "location_id", "npd_party", "topic", "duration", "count"],
    )
    await conn.copy_records_to_table(
        "rm_visitors_v1",
        records=visitors,
        columns=["tenant_id", "day", "location_id", "hour", "visitors", "questions"],
    )
    partners = [(tenant, uuid4(), f"Partner {i}", o.code) for i, o in enumerate(CATALOGUE.partner_kinds[:4])]
    await conn.executemany(
        "INSERT INTO partners (tenant_id, partner_id, name, kind) VALUES ($1,$2,$3,$4)", partners
    )
    referrals = collections.Counter(
        (
            date(year, 1, 1) + timedelta(days=rng.randrange(365)),
            rng.choice(locations),
            direction,
            rng.choice(partners)[1],
            rng.choices(*zip(*KINDS, strict=True))[0],
            rng.choice(("warm", "koud", "")) if direction == "naar" else "",
        )
        for direction in ("naar", "door")
        for _ in range(n // 25 if direction == "naar" else n // 100)
    )
    await conn.copy_records_to_table(
        "rm_referrals_v3",
        records=[(tenant, *k, v) for k, v in referrals.items()],
        columns=["tenant_id", "day", "location_id", "direction", "partner_id", "kind", "warmth", "count"],
    )
    for i, loc in enumerate(locations):
        await conn.execute(
            """INSERT INTO rm_opening_status_v2 (tenant_id, location_id, name, branch, variant, inside_library,
               subsidy_year, status, first_planned, planned, opened_on, hours_per_week)
               VALUES ($1, $2, $3, 'Centrale', 'basis', true, $4, 'open', $5, $5, $5, 12)""",
            tenant,
            loc,
            f"IDO {i + 1}",
            year,
            date(year, 1, 1),
        )
    programmes = ("klik_tik", "digisterker", "digid_cursus", "werken_e_overheid", "eigen")
    for i, programme in enumerate(programmes):
        await conn.execute(
            """INSERT INTO rm_courses_v1 (tenant_id, course_id, programme, title, location_id, start_date, sessions,
               capacity, status, enrolled, withdrawn, cursisten, completed, via_desk, cursisten_via_desk)
               VALUES ($1, $2, $3, $4, $5, $6, 4, 12, 'afgerond', 10, 1, 9, 8, 3, 2)""",
            tenant,
            uuid4(),
            programme,
            f"Cursus {i}",
            locations[0],
            date(year, 2 + i, 1),
        )
    for name in PROJECTIONS:
        await conn.execute(
            "INSERT INTO projection_checkpoints (projection, tenant_id, last_tx_id, last_position) "
            "VALUES ($1, $2, '1000', $3)",
            name,
            tenant,
            rng.randrange(10**6),
        )


async def tenants(container, count: int, prefix: str) -> list[UUID]:
    poi = f"{prefix}-poi"
    await container.accounts.create_poi(poi, f"POI {prefix}")
    return [
        await container.accounts.create_tenant(f"{prefix}-{i:03d}", f"Bibliotheek {prefix} {i:03d}", poi)
        for i in range(count)
    ]


async def median_seconds(make, runs: int = 3) -> tuple[float, float]:
    """Median wall and CPU (this process: loading rows, building, rendering) seconds after one warm-up."""
    await make()  # warm-up (the PDF's font subsets, statement caches)
    walls, cpus = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        await make()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


async def main_async(
    settings: Settings, env: dict[str, str], admin_url: str, dbname: str, args: argparse.Namespace
) -> dict:
    rng = random.Random(args.seed)
    container = build_container(settings)
    today = local_day(container.clock())
    year = today.year - 1
    period = Period(year)
    admin = await asyncpg.connect(plain_url(admin_url, dbname))
    try:
        [big] = await tenants(container, 1, "groot")
        await seed_library(admin, rng, big, args.questions, year)
        many = await tenants(container, args.libraries, "bieb")
        for t in many:
            await seed_library(admin, rng, t, args.per_library, year)
        await admin.execute("ANALYZE")
        figures: dict[str, float] = {}
        for fmt in ("xlsx", "csv", "pdf"):

            async def one(fmt: str = fmt) -> None:
                report = await service.tenant_report(container.db, big, period, today)
                await service.render(report, fmt, "groot")

            wall, cpu = await median_seconds(one)
            figures[f"tenant_{fmt}_s"] = round(wall, 3)
            print(
                f"tenant {fmt}: {wall:.3f} s wall, {cpu:.3f} s CPU here ({args.questions} questions)",
                flush=True,
            )
        library = await service.reader_report(container.reader, many[0], period, today)
        wall, cpu = await median_seconds(lambda: asyncio.to_thread(pdf.render, library))
        figures["library_pdf_s"] = round(wall, 3)
        print(
            f"library pdf: {wall:.3f} s wall, {cpu:.3f} s CPU here ({args.per_library} questions)", flush=True
        )
        with Workers(settings, env, args.workers, args.concurrency) as workers:
            await workers.ready(container)
            for name in ("national_bundle_s", "national_bundle_cached_s"):
                if name == "national_bundle_cached_s":
                    await one_more_question(admin, many[0], year)
                figures[name], line = await national_bundle(container, workers, admin, year, today)
                print(f"{name.removesuffix('_s').replace('_', ' ')}: {line}", flush=True)
        table(figures, args)
        print(
            f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True
        )
        return figures
    finally:
        await admin.close()
        await container.close()


def table(figures: dict[str, float], args: argparse.Namespace) -> None:
    labels = {
        "tenant_xlsx_s": f"library XLSX, {args.questions:,} questions",
        "tenant_csv_s": f"library CSV, {args.questions:,} questions",
        "tenant_pdf_s": f"library PDF, {args.questions:,} questions",
        "library_pdf_s": f"library PDF, {args.per_library:,} questions (as in the bundle)",
        "national_bundle_s": f"national bundle with PDFs, {args.libraries + 1} libraries",
        "national_bundle_cached_s": "the same after one library's new question",
    }
    print(f"\n{'':58} seconds")
    print(f"workers: {args.workers} × `ido worker --concurrency {args.concurrency}`")
    for key, label in labels.items():
        print(f"{label:58} {figures[key]:8.3f}")


class Workers:
    """`ido worker --concurrency C` processes on a Redis server of their own, stopped on leaving."""

    def __init__(self, settings: Settings, env: dict[str, str], count: int, concurrency: int) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ido-bench-"))
        self.redis = RedisServer(self.dir / "redis")
        self.count, self.concurrency = count, concurrency
        self.settings, self.base_env = settings, env
        self.procs: list[Proc] = []

    def __enter__(self) -> Workers:
        from services.worker.celery_app import make_celery

        self.redis.start()
        self.settings = self.settings.with_(redis_url=self.redis.url)
        self.celery = make_celery(self.settings)
        env = {**os.environ, **self.base_env, "REDIS_URL": self.redis.url, "IDO_VAR_DIR": str(self.dir)}
        for i in range(self.count):
            args = ["worker", "--concurrency", str(self.concurrency)]
            self.procs.append(Proc(args, env, self.dir / f"worker-{i}.log"))
        return self

    async def ready(self, container) -> None:
        """Wait until a worker ran a heartbeat task (its pool is up)."""
        from redis.asyncio import Redis

        from services.worker.tasks import HEARTBEAT_KEY

        redis = Redis.from_url(self.redis.url)
        try:
            self.celery.send_task("ido.heartbeat")
            deadline = time.monotonic() + 60
            while not await redis.get(HEARTBEAT_KEY):
                if time.monotonic() > deadline:
                    raise RuntimeError("no worker started:\n" + self.procs[0].output()[-2000:])
                await asyncio.sleep(0.2)
        finally:
            await redis.aclose()

    def cpu_seconds(self) -> float:
        total = 0.0
        for p in self.procs:
            try:
                tree = psutil.Process(p.proc.pid)
                for q in (tree, *tree.children(recursive=True)):
                    t = q.cpu_times()
                    total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    def __exit__(self, *exc: object) -> None:
        for p in self.procs:
            p.stop()
        self.redis.stop()


async def national_bundle(container, workers: Workers, admin, year: int, today: date) -> tuple[float, str]:
    """Request a bundle, send its task to the workers, wait until it is done; answer the seconds and a line."""
    b, new = await bundle.request(container.db, container.reader, year, today, None)
    assert new, "a bundle for these data was built before"
    t0, c0, last = time.perf_counter(), workers.cpu_seconds(), 0.0
    workers.celery.send_task(bundle.BUILD_TASK, args=[str(b.bundle_id)])
    while not (now := await bundle.get(container.db, b.bundle_id)).finished:
        if time.perf_counter() - last >= 10:
            last = time.perf_counter()
            print(f"  {last - t0:5.1f} s: {now.status} {now.done} of {now.total}", flush=True)
        await asyncio.sleep(0.1)
    seconds = time.perf_counter() - t0
    cpu = workers.cpu_seconds() - c0
    assert now.status == "done", (now.error, workers.procs[0].output()[-3000:])
    row = await admin.fetchrow(
        """SELECT length(b.xlsx) AS x, length(b.zip) AS z, count(p.*) AS pdfs,
                  coalesce(sum(p.claims), 0) AS rendered,
                  count(*) FILTER (WHERE p.claims > 0 AND p.rendered_by LIKE 'helper:%') AS by_helpers
           FROM report_bundles b LEFT JOIN report_bundle_pdfs p USING (bundle_id)
           WHERE b.bundle_id = $1 GROUP BY b.xlsx, b.zip""",
        b.bundle_id,
    )
    line = (
        f"{seconds:.3f} s wall, {cpu:.1f} s CPU in the workers ({cpu / seconds:.2f} cores), {row['pdfs']} "
        f"libraries, {row['rendered']} PDFs rendered ({row['by_helpers']} by helper tasks), workbook "
        f"{row['x'] / 1e6:.1f} MB, zip {row['z'] / 1e6:.1f} MB"
    )
    return round(seconds, 3), line


async def one_more_question(admin, tenant: UUID, year: int) -> None:
    """As if one library registered a question and its projection caught up: one count up, its checkpoint on."""
    await admin.execute(
        """UPDATE rm_question_counts_v1 SET count = count + 1 WHERE ctid = (
             SELECT ctid FROM rm_question_counts_v1 WHERE tenant_id = $1 AND day >= $2 LIMIT 1)""",
        tenant,
        date(year, 1, 1),
    )
    await admin.execute(
        "UPDATE projection_checkpoints SET last_position = last_position + 1 WHERE tenant_id = $1",
        tenant,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--questions", type=int, default=100_000, help="questions of the one large library")
    p.add_argument("--libraries", type=int, default=200)
    p.add_argument("--per-library", type=int, default=5_000)
    p.add_argument("--seed", type=int, default=20261128)
    p.add_argument("--workers", type=int, default=1, help="`ido worker` processes for the bundle")
    p.add_argument("--concurrency", type=int, default=2, help="processes of each (docker-compose.yml's 2)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from infra.store.migrate import upgrade
    from tests.servers import create_database, drop_database, find_servers, settings_env

    servers = find_servers()
    db = None
    try:
        db = create_database(servers.admin_url)
        env = settings_env(db, servers.redis_base)
        settings = Settings.from_env(env)
        upgrade(settings)
        figures = asyncio.run(main_async(settings, env, servers.admin_url, db.name, args))
    finally:
        if db is not None:
            drop_database(servers.admin_url, db)
        servers.embedded.stop()  # type: ignore[attr-defined]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
