"""The KB's national bundle: one workbook with a row per library and a sheet per section, and a ZIP of every
library's own files (XLSX, CSV and PDF). The build runs in a worker under a lease in `report_bundles`: a
redelivered or repeated task finds the bundle done (and does nothing) or the lease expired (and starts over), so
it completes once. The PDFs are rendered by the build and by helper tasks on the other worker processes
(bundle_pdfs.py), and a library's PDF of an earlier bundle is taken over when its report is the same. A bundle for
the same data (fingerprint) is served again instead of being rebuilt."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid4

import structlog
from sqlalchemy import text

from domain.report import Period, Report
from domain.survey_results import for_others
from domain.verantwoording import library_report
from domain.verantwoording_aggregate import aggregate
from infra.reports import bundle_pdfs, bundle_xlsx, xlsx
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
    """Writes done/total at most every PROGRESS_EVERY seconds, renewing the lease; raises LostLease. Once the
    PDFs' rows are there (`pdfs`), done also counts the PDFs stored, by whichever process rendered them."""

    def __init__(self, db: Database, bundle_id: UUID, owner: str, total: int, lease: float) -> None:
        self.db, self.bundle_id, self.owner, self.total, self.lease = db, bundle_id, owner, total, lease
        self.done = 0
        self.pdfs = False
        self._last = 0.0

    async def step(self, n: int = 1, force: bool = False) -> None:
        self.done += n
        if not force and time.monotonic() - self._last < PROGRESS_EVERY:
            return
        self._last = time.monotonic()
        sql = text("""UPDATE report_bundles SET total = :t, lease_until = now() + make_interval(secs => :lease),
                      done = :d + CASE WHEN :pdfs THEN (SELECT count(*) FROM report_bundle_pdfs p
                                       WHERE p.bundle_id = :b AND p.pdf IS NOT NULL) ELSE 0 END
                      WHERE bundle_id = :b AND owner = :o AND status = 'running'""")
        params = {
            "d": self.done,
            "t": self.total,
            "b": self.bundle_id,
            "o": self.owner,
            "lease": self.lease,
            "pdfs": self.pdfs,
        }
        async with self.db.platform() as conn:
            result = await conn.execute(sql, params)
        if result.rowcount != 1:
            raise LostLease()

    async def tick(self) -> None:
        await self.step(0)


async def build(
    db: Database,
    reader: Database,
    bundle_id: UUID,
    today: date,
    owner: str | None = None,
    lease: float = LEASE_SECONDS,
    helpers: Callable[[int], object] | None = None,
) -> str:
    """Build the bundle if nobody holds it; answer 'done' (built now or before), 'busy' (another run holds a
    live lease: try later), 'failed' or 'missing'. `helpers(n)` sends up to n helper tasks that render PDFs beside
    this run (bundle_pdfs.render_some); without it this run renders them all. Raises: the build's error after
    recording it."""
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
        progress = Progress(db, bundle_id, owner, 0, lease)
        await _build(db, reader, bundle_id, progress, Period(claimed.year), today, helpers)
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
) -> tuple[list[tuple[UUID, Report]], str]:
    """Every active library and its report, and the data fingerprint, from one snapshot (REPEATABLE READ): the
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
                data = await load_library(conn, lib.tenant_id, period)
                reports.append((lib.tenant_id, library_report(data, period, today)))
                if on_library:
                    await on_library(-1)  # type: ignore[misc]
    return reports, fp


async def _build(
    db: Database,
    reader: Database,
    bundle_id: UUID,
    progress: Progress,
    period: Period,
    today: date,
    helpers: Callable[[int], object] | None,
) -> None:
    async def on_library(n: int) -> None:
        if n >= 0:  # the number of libraries: load each, write its XLSX and CSV, its PDF, then the workbook
            progress.total = 3 * n + 1
            await progress.step(0, force=True)
        else:
            await progress.step()

    libraries, fp = await load_reports(reader, period, today, on_library)
    # the KB's files of a library: without its own survey (XLSX, CSV and PDF alike)
    others = [(tenant_id, for_others(r)) for tenant_id, r in libraries]
    todo = await bundle_pdfs.prepare(db, bundle_id, others)
    progress.pdfs = True
    await progress.step(0, force=True)
    if todo and helpers:
        try:
            helpers(min(todo, bundle_pdfs.HELPERS))
        except Exception as exc:  # the broker: this run renders them all, as without helpers
            log.warning(
                "bundle helpers not sent", bundle_id=str(bundle_id), error=f"{type(exc).__name__}: {exc}"
            )
    files = []  # while the helpers render PDFs
    for _, r in others:
        files.append((xlsx.render(r), csv_format.render(r)))
        await progress.step()
    await bundle_pdfs.render_all(db, bundle_id, progress.owner, progress.lease, progress.tick)
    archive = _archive(others, files, await bundle_pdfs.pdfs(db, bundle_id))
    national = aggregate([r for _, r in libraries], "Landelijk", "national", period, today)
    workbook = bundle_xlsx.render(national, [r for _, r in libraries])
    await progress.step(force=True)
    await _store(db, bundle_id, progress.owner, fp, workbook, archive, period.year)


def _archive(
    others: Sequence[tuple[UUID, Report]], files: Sequence[tuple[bytes, bytes]], pdfs: dict[UUID, bytes]
) -> bytes:
    """Per library a folder with its XLSX, CSV (compressed) and PDF (stored: its streams are compressed)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for (tenant_id, r), (x, c) in zip(others, files, strict=True):
            slug = r.extra.get("slug", "bibliotheek")
            name = f"verantwoording-{slug}-{r.period.slug}"
            z.writestr(f"{slug}/{name}.xlsx", x)
            z.writestr(f"{slug}/{name}.csv", c)
            z.writestr(f"{slug}/{name}.pdf", pdfs[tenant_id], compress_type=zipfile.ZIP_STORED)
    return archive.getvalue()


async def _store(
    db: Database, bundle_id: UUID, owner: str, fp: str, workbook: bytes, archive: bytes, year: int
) -> None:
    async with db.platform() as conn:
        done = await conn.execute(
            text("""UPDATE report_bundles SET status = 'done', built_fingerprint = :f, xlsx = :x, zip = :z,
                    done = total, finished_at = now(), lease_until = NULL
                    WHERE bundle_id = :b AND owner = :o AND status = 'running'"""),
            {"b": bundle_id, "o": owner, "f": fp, "x": workbook, "z": archive},
        )
        if done.rowcount != 1:
            raise LostLease()
        await conn.execute(
            text("""DELETE FROM report_bundles WHERE year = :y AND status IN ('done', 'failed') AND bundle_id IN (
                    SELECT bundle_id FROM report_bundles WHERE year = :y AND status IN ('done', 'failed')
                    ORDER BY created_at DESC OFFSET 3)"""),
            {"y": year},
        )
