"""Verantwoording report times: one library with 100,000 questions in a year (XLSX, CSV, PDF) and the KB's
national bundle for 200 libraries × 5,000 questions.

    .venv/bin/python -m bench.reports [--questions 100000] [--libraries 200] [--per-library 5000]

Uses the machine's PostgreSQL (or the embedded one, as the tests do: tests.servers.find_servers), in a
throwaway database with roles of its own, migrated and dropped at the end. The read-model rows are written
directly (COPY as the superuser): rm_question_counts_v1 at day granularity (party, topic, kind, help, channel
and day drawn at random; ~5 % tallies), rm_help_time_v1 (70 % of the questions with a duration class) and
rm_visitors_v1 (an hour 9-17, about 1.3 questions per visitor), referrals, courses, two open IDO locations per
library, and projection checkpoints. Not timed.

tenant_*_s: the whole download path of one format as a coordinator gets it — load the rows in a tenant
transaction, build the report, render — median of 3 runs after one warm-up.
national_bundle_s: infra.reports.bundle.build for a requested bundle (every library loaded in one snapshot,
their XLSX+CSV zipped, the national workbook, progress writes, the files stored as bytea).
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import statistics
import time
from datetime import date, timedelta
from uuid import UUID, uuid4

import asyncpg

from domain.calendar import local_day
from domain.catalogue import CATALOGUE
from domain.report import Period
from infra.bootstrap import build as build_container
from infra.reports import bundle, service
from infra.reports.data import PROJECTIONS
from infra.settings import Settings
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
    await make()  # warm-up (WeasyPrint fonts, statement caches)
    walls, cpus = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        await make()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


async def main_async(settings: Settings, admin_url: str, dbname: str, args: argparse.Namespace) -> dict:
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
        b, _ = await bundle.request(container.db, container.reader, year, today, None)
        t0, c0 = time.perf_counter(), time.process_time()
        outcome = await bundle.build(container.db, container.reader, b.bundle_id, today)
        figures["national_bundle_s"] = round(time.perf_counter() - t0, 3)
        cpu = time.process_time() - c0
        assert outcome == "done", outcome
        sizes = await admin.fetchrow(
            "SELECT length(xlsx) AS x, length(zip) AS z FROM report_bundles WHERE bundle_id = $1", b.bundle_id
        )
        print(
            f"national bundle: {figures['national_bundle_s']} s wall, {cpu:.1f} s CPU here, for {args.libraries + 1} libraries "
            f"(workbook {sizes['x'] / 1e6:.1f} MB, zip {sizes['z'] / 1e6:.1f} MB)",
            flush=True,
        )
        print(
            f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True
        )
        return figures
    finally:
        await admin.close()
        await container.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--questions", type=int, default=100_000, help="questions of the one large library")
    p.add_argument("--libraries", type=int, default=200)
    p.add_argument("--per-library", type=int, default=5_000)
    p.add_argument("--seed", type=int, default=20261128)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from infra.store.migrate import upgrade
    from tests.servers import create_database, drop_database, find_servers, settings_env

    servers = find_servers()
    db = None
    try:
        db = create_database(servers.admin_url)
        settings = Settings.from_env(settings_env(db, servers.redis_base))
        upgrade(settings)
        figures = asyncio.run(main_async(settings, servers.admin_url, db.name, args))
    finally:
        if db is not None:
            drop_database(servers.admin_url, db)
        servers.embedded.stop()  # type: ignore[attr-defined]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
