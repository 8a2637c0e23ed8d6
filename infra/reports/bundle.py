"""The KB's national bundle: one workbook with a row per library and a sheet per section, and a ZIP of every
library's own files. The build runs in a worker under a lease in `report_bundles`: a redelivered or repeated
task finds the bundle done (and does nothing) or the lease expired (and starts over), so it completes once.
A bundle for the same data (fingerprint) is served again instead of being rebuilt."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid4

import structlog
from sqlalchemy import text

from domain.report import Period, Report
from domain.survey_results import for_others
from domain.verantwoording import library_report
from domain.verantwoording_aggregate import aggregate
from infra.reports import bundle_xlsx, xlsx
from infra.reports import csv as csv_format
from infra.reports.data import fingerprint, libraries, load_library
from infra.store.db import Database

log = structlog.get_logger()
BUILD_TASK = "ido.build_bundle"
LEASE_SECONDS = 30.0  # the default of Settings.bundle_lease_seconds
MAX_ATTEMPTS = 3
PROGRESS_EVERY = 0.5  # seconds between progress writes (each also renews the lease)
_COLUMNS = "bundle_id, year, status, done, total, attempts, error, created_at, finished_at, built_fingerprint"


@dataclass(frozen=True)
class Bundle:
    bundle_id: UUID
    year: int
    status: str  # queued, running, done, failed
    done: int
    total: int
    attempts: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    built_fingerprint: str | None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        return 100 if self.status == "done" else (100 * self.done // self.total if self.total else 0)


class LostLease(Exception):
    """Another run took the bundle over (this one was too slow to renew its lease)."""


async def get(db: Database, bundle_id: UUID) -> Bundle | None:
    async with db.platform() as conn:
        row = (
            await conn.execute(
                text(f"SELECT {_COLUMNS} FROM report_bundles WHERE bundle_id = :b"), {"b": bundle_id}
            )
        ).first()
    return Bundle(*row) if row else None


async def latest(db: Database, year: int) -> Bundle | None:
    sql = f"SELECT {_COLUMNS} FROM report_bundles WHERE year = :y ORDER BY created_at DESC LIMIT 1"
    async with db.platform() as conn:
        row = (await conn.execute(text(sql), {"y": year})).first()
    return Bundle(*row) if row else None


async def content(db: Database, bundle_id: UUID, kind: str) -> bytes | None:
    column = {"xlsx": "xlsx", "zip": "zip"}[kind]
    async with db.platform() as conn:
        return (
            await conn.execute(
                text(f"SELECT {column} FROM report_bundles WHERE bundle_id = :b AND status = 'done'"),
                {"b": bundle_id},
            )
        ).scalar()


_REUSE = text(f"""
SELECT {_COLUMNS} FROM report_bundles
WHERE year = :y AND ((status = 'done' AND built_fingerprint = :f) OR (status IN ('queued', 'running') AND fingerprint = :f))
ORDER BY (status = 'done') DESC, created_at DESC LIMIT 1
""")


async def request(
    db: Database, reader: Database, year: int, today: date, user_id: UUID | None
) -> tuple[Bundle, bool]:
    """The bundle of `year` for the current data: an existing one (done or on its way), or a new queued one.
    Answer (bundle, whether it is new and needs a task)."""
    async with reader.platform() as conn:
        fp = await fingerprint(conn, year, today)
    async with db.platform() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('report_bundles'), :y)"), {"y": year})
        row = (await conn.execute(_REUSE, {"y": year, "f": fp})).first()
        if row:
            return Bundle(*row), False
        row = (
            await conn.execute(
                text(
                    "INSERT INTO report_bundles (bundle_id, year, fingerprint, requested_by) "
                    f"VALUES (:b, :y, :f, :u) RETURNING {_COLUMNS}"
                ),
                {"b": uuid4(), "y": year, "f": fp, "u": user_id},
            )
        ).one()
    return Bundle(*row), True


async def due_for_enqueue(db: Database, lease: float = LEASE_SECONDS) -> list[UUID]:
    """Bundles waiting without a live lease whose last task was sent more than a lease ago (the worker died,
    or the broker was down): mark them sent again and answer them, for the beat sweep."""
    sql = text("""
    UPDATE report_bundles SET enqueued_at = now()
    WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < now())
      AND enqueued_at < now() - make_interval(secs => :lease)
    RETURNING bundle_id""")
    async with db.platform() as conn:
        return [r.bundle_id for r in (await conn.execute(sql, {"lease": lease})).all()]


_CLAIM = text("""
UPDATE report_bundles SET status = 'running', owner = :o, attempts = attempts + 1, done = 0,
       started_at = now(), lease_until = now() + make_interval(secs => :lease), error = NULL
WHERE bundle_id = :b AND status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < now())
RETURNING year, attempts
""")


class Progress:
    """Writes done/total at most every PROGRESS_EVERY seconds, renewing the lease; raises LostLease."""

    def __init__(self, db: Database, bundle_id: UUID, owner: str, total: int, lease: float) -> None:
        self.db, self.bundle_id, self.owner, self.total, self.lease = db, bundle_id, owner, total, lease
        self.done = 0
        self._last = 0.0

    async def step(self, n: int = 1, force: bool = False) -> None:
        self.done += n
        if not force and time.monotonic() - self._last < PROGRESS_EVERY:
            return
        self._last = time.monotonic()
        sql = text("""UPDATE report_bundles SET done = :d, total = :t,
                      lease_until = now() + make_interval(secs => :lease)
                      WHERE bundle_id = :b AND owner = :o AND status = 'running'""")
        params = {"d": self.done, "t": self.total, "b": self.bundle_id, "o": self.owner, "lease": self.lease}
        async with self.db.platform() as conn:
            result = await conn.execute(sql, params)
        if result.rowcount != 1:
            raise LostLease()


async def build(
    db: Database,
    reader: Database,
    bundle_id: UUID,
    today: date,
    owner: str | None = None,
    lease: float = LEASE_SECONDS,
) -> str:
    """Build the bundle if nobody holds it; answer 'done' (built now or before), 'busy' (another run holds a
    live lease: try later), 'failed' or 'missing'. Raises: the build's error after recording it."""
    owner = owner or f"{uuid4()}"
    async with db.platform() as conn:
        claimed = (await conn.execute(_CLAIM, {"b": bundle_id, "o": owner, "lease": lease})).first()
        state = (
            None
            if claimed
            else (
                await conn.execute(
                    text("SELECT status FROM report_bundles WHERE bundle_id = :b"), {"b": bundle_id}
                )
            ).scalar()
        )
    if claimed is None:
        return {None: "missing", "done": "done", "failed": "failed"}.get(state, "busy")
    if claimed.attempts > MAX_ATTEMPTS:
        await _fail(db, bundle_id, owner, f"gestopt na {MAX_ATTEMPTS} pogingen")
        return "failed"
    try:
        await _build(
            db, reader, bundle_id, Progress(db, bundle_id, owner, 0, lease), Period(claimed.year), today
        )
    except LostLease:
        log.info("bundle taken over by another run", bundle_id=str(bundle_id))
        return "busy"
    except Exception as exc:
        await _fail(db, bundle_id, owner, f"{type(exc).__name__}: {exc}"[:500])
        raise
    return "done"


async def _fail(db: Database, bundle_id: UUID, owner: str, error: str) -> None:
    async with db.platform() as conn:
        await conn.execute(
            text("""UPDATE report_bundles SET status = 'failed', error = :e, finished_at = now(), lease_until = NULL
                    WHERE bundle_id = :b AND owner = :o"""),
            {"b": bundle_id, "o": owner, "e": error},
        )


async def load_reports(
    reader: Database, period: Period, today: date, on_library: Callable[[int], object] | None = None
) -> tuple[list[Report], str]:
    """Every active library's report and the data fingerprint, from one snapshot (REPEATABLE READ): the
    fingerprint names exactly the data the bundle holds."""
    async with reader.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            fp = await fingerprint(conn, period.year, today)
            libs = await libraries(conn)
            if on_library:
                await on_library(len(libs))  # type: ignore[misc]
            reports = []
            for lib in libs:
                reports.append(library_report(await load_library(conn, lib.tenant_id, period), period, today))
                if on_library:
                    await on_library(-1)  # type: ignore[misc]
    return reports, fp


async def _build(
    db: Database, reader: Database, bundle_id: UUID, progress: Progress, period: Period, today: date
) -> None:
    owner = progress.owner

    async def on_library(n: int) -> None:
        if n >= 0:  # the number of libraries: load each, write each one's files, then the workbook
            progress.total = 2 * n + 1
            await progress.step(0, force=True)
        else:
            await progress.step()

    reports, fp = await load_reports(reader, period, today, on_library)
    # each library's XLSX and CSV; its PDF stays a download of its own (WeasyPrint is too slow for 200 at once)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for r in map(for_others, reports):  # a library's own survey is not the KB's to see
            slug = r.extra.get("slug", "bibliotheek")
            name = f"verantwoording-{slug}-{r.period.slug}"
            z.writestr(f"{slug}/{name}.xlsx", xlsx.render(r))
            z.writestr(f"{slug}/{name}.csv", csv_format.render(r))
            await progress.step()
    national = aggregate(reports, "Landelijk", "national", period, today)
    workbook = bundle_xlsx.render(national, reports)
    await progress.step(force=True)
    async with db.platform() as conn:
        done = await conn.execute(
            text("""UPDATE report_bundles SET status = 'done', built_fingerprint = :f, xlsx = :x, zip = :z,
                    done = total, finished_at = now(), lease_until = NULL
                    WHERE bundle_id = :b AND owner = :o AND status = 'running'"""),
            {"b": bundle_id, "o": owner, "f": fp, "x": workbook, "z": archive.getvalue()},
        )
        if done.rowcount != 1:
            raise LostLease()
        await conn.execute(
            text("""DELETE FROM report_bundles WHERE year = :y AND status IN ('done', 'failed') AND bundle_id IN (
                    SELECT bundle_id FROM report_bundles WHERE year = :y AND status IN ('done', 'failed')
                    ORDER BY created_at DESC OFFSET 3)"""),
            {"y": period.year},
        )
