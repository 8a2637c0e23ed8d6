"""Every library's PDF for the national bundle, rendered by whichever worker processes are free: a row per library
(`report_bundle_pdfs`) holds the report to render; the bundle's own run and its helper tasks claim one row at a
time (FOR UPDATE SKIP LOCKED, a lease per row), render it in a thread while renewing the lease, and store the PDF.
A killed process's row is claimed again once its lease ran out. A PDF is kept with the fingerprint of what it
shows, so the next bundle with the same report for a library takes it over instead of rendering it again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

import structlog
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, BYTEA, INTEGER, TEXT
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from domain.report import Report
from infra.reports import pdf, report_json
from infra.store.db import Database

log = structlog.get_logger()
RENDER_TASK = "ido.render_bundle_pdfs"
HELPERS = (
    8  # helper tasks sent per bundle at most (services/worker/tasks.py sends one per other worker process)
)
SLICE_SECONDS = (
    10.0  # a helper task renders this long at most, then sends its successor behind the queued tasks
)
POLL_SECONDS = 0.2  # the bundle's run, waiting for rows that helpers hold

_PREPARE = text("""
INSERT INTO report_bundle_pdfs (bundle_id, tenant_id, fingerprint, size, report)
SELECT :b, t, f, s, r FROM unnest(:tenants, :fingerprints, :sizes, :reports) AS x(t, f, s, r)
ON CONFLICT (bundle_id, tenant_id) DO UPDATE
SET fingerprint = excluded.fingerprint, size = excluded.size, report = excluded.report, pdf = NULL, owner = NULL,
    lease_until = NULL, rendered_by = NULL, rendered_at = NULL
WHERE report_bundle_pdfs.fingerprint <> excluded.fingerprint
""").bindparams(
    bindparam("tenants", type_=ARRAY(PG_UUID)),
    bindparam("fingerprints", type_=ARRAY(TEXT)),
    bindparam("sizes", type_=ARRAY(INTEGER)),
    bindparam("reports", type_=ARRAY(BYTEA)),
)
# a PDF of another bundle for the same library and fingerprint: the same report in the same layout
_TAKE_OVER = text("""
UPDATE report_bundle_pdfs n SET pdf = k.pdf, report = NULL, rendered_by = k.rendered_by, rendered_at = k.rendered_at
FROM (SELECT DISTINCT ON (tenant_id, fingerprint) tenant_id, fingerprint, pdf, rendered_by, rendered_at
      FROM report_bundle_pdfs WHERE bundle_id <> :b AND pdf IS NOT NULL
      ORDER BY tenant_id, fingerprint, rendered_at DESC) k
WHERE n.bundle_id = :b AND n.pdf IS NULL AND n.tenant_id = k.tenant_id AND n.fingerprint = k.fingerprint
""")
# the row is chosen by an uncorrelated scalar subquery, which runs once (an InitPlan): a subquery joined in FROM may
# be run again for every row the update scans, and lock (and claim) another row each time
_CLAIM = text("""
UPDATE report_bundle_pdfs SET owner = :o, lease_until = now() + make_interval(secs => :lease), claims = claims + 1
WHERE bundle_id = :b AND tenant_id = (
  SELECT q.tenant_id FROM report_bundle_pdfs q JOIN report_bundles b USING (bundle_id)
  WHERE q.bundle_id = :b AND b.status = 'running' AND q.pdf IS NULL
    AND (q.lease_until IS NULL OR q.lease_until < now())
  ORDER BY q.size DESC, q.tenant_id LIMIT 1 FOR UPDATE OF q SKIP LOCKED)
RETURNING tenant_id, fingerprint, report
""")
_RENEW = text("""UPDATE report_bundle_pdfs SET lease_until = now() + make_interval(secs => :lease)
                 WHERE bundle_id = :b AND tenant_id = :t AND owner = :o AND pdf IS NULL""")
_STORE = text("""
UPDATE report_bundle_pdfs SET pdf = :pdf, report = NULL, owner = NULL, lease_until = NULL, rendered_by = :o,
       rendered_at = now()
WHERE bundle_id = :b AND tenant_id = :t AND fingerprint = :f AND pdf IS NULL
""")
_LEFT = text("""
SELECT count(*) FILTER (WHERE p.pdf IS NULL) AS todo,
       count(*) FILTER (WHERE p.pdf IS NULL AND (p.lease_until IS NULL OR p.lease_until < now())
                        AND b.status = 'running') AS unclaimed
FROM report_bundle_pdfs p JOIN report_bundles b USING (bundle_id) WHERE p.bundle_id = :b
""")


@dataclass(frozen=True)
class Part:
    tenant_id: UUID
    fingerprint: str
    report: bytes


async def prepare(db: Database, bundle_id: UUID, reports: Sequence[tuple[UUID, Report]]) -> int:
    """A row for each library's report (the rows of an earlier attempt stay where the fingerprint is the same),
    with the PDF of another bundle where one has the same fingerprint. Answer how many are left to render."""
    encoded = [(t, report_json.encode(r), report_json.fingerprint(r, pdf.LAYOUT)) for t, r in reports]
    params = {
        "b": bundle_id,
        "tenants": [t for t, _, _ in encoded],
        "fingerprints": [f for _, _, f in encoded],
        "sizes": [len(e) for _, e, _ in encoded],
        "reports": [e for _, e, _ in encoded],
    }
    async with db.platform() as conn:
        await conn.execute(
            text("DELETE FROM report_bundle_pdfs WHERE bundle_id = :b AND tenant_id <> ALL(:t)"),
            {"b": bundle_id, "t": params["tenants"]},
        )
        await conn.execute(_PREPARE, params)
        await conn.execute(_TAKE_OVER, {"b": bundle_id})
        return (await conn.execute(_LEFT, {"b": bundle_id})).one().todo


async def claim(db: Database, bundle_id: UUID, owner: str, lease: float) -> Part | None:
    async with db.platform() as conn:
        row = (await conn.execute(_CLAIM, {"b": bundle_id, "o": owner, "lease": lease})).first()
    return Part(row.tenant_id, row.fingerprint, row.report) if row else None


async def left(db: Database, bundle_id: UUID) -> tuple[int, int]:
    """(PDFs not stored yet, of which no live lease holds while the bundle is being built)."""
    async with db.platform() as conn:
        row = (await conn.execute(_LEFT, {"b": bundle_id})).one()
    return row.todo, row.unclaimed


async def render_part(
    db: Database,
    bundle_id: UUID,
    part: Part,
    owner: str,
    lease: float,
    tick: Callable[[], Awaitable[None]] | None = None,
) -> bool:
    """Render a claimed row in a thread (a render would hold the event loop's thread while it works), renewing the
    row's lease (and calling `tick`) every third of a lease; store the PDF unless the row changed meanwhile (a new
    attempt of the bundle with other data). Answer whether it was stored."""
    job = asyncio.ensure_future(asyncio.to_thread(pdf.render, report_json.decode(part.report)))
    while not (await asyncio.wait({job}, timeout=lease / 3))[0]:
        async with db.platform() as conn:
            await conn.execute(_RENEW, {"b": bundle_id, "t": part.tenant_id, "o": owner, "lease": lease})
        if tick:
            await tick()
    content = job.result()
    async with db.platform() as conn:
        params = {"b": bundle_id, "t": part.tenant_id, "f": part.fingerprint, "o": owner, "pdf": content}
        return (await conn.execute(_STORE, params)).rowcount == 1


async def render_some(db: Database, bundle_id: UUID, owner: str, lease: float, seconds: float) -> bool:
    """A helper's turn: render rows for about `seconds`. Answer whether rows are left that nobody holds (then the
    helper sends its successor, which waits behind the tasks queued meanwhile)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        part = await claim(db, bundle_id, owner, lease)
        if part is None:
            if (await left(db, bundle_id))[1] == 0:  # a claim can miss a row that another one just took
                return False
            await asyncio.sleep(POLL_SECONDS / 4)
            continue
        await render_part(db, bundle_id, part, owner, lease)
        log.info("bundle pdf rendered", bundle_id=str(bundle_id), tenant_id=str(part.tenant_id))
    return (await left(db, bundle_id))[1] > 0


async def render_all(
    db: Database, bundle_id: UUID, owner: str, lease: float, tick: Callable[[], Awaitable[None]]
) -> None:
    """The bundle's own run: render rows until none is left, waiting for those that helpers hold (a helper that
    died leaves its row to be claimed here when its lease runs out). `tick` renews the bundle's lease."""
    while True:
        part = await claim(db, bundle_id, owner, lease)
        if part is not None:
            await render_part(db, bundle_id, part, owner, lease, tick)
            await tick()
            continue
        todo, _ = await left(db, bundle_id)
        if todo == 0:
            return
        await tick()
        await asyncio.sleep(POLL_SECONDS)


async def pdfs(db: Database, bundle_id: UUID) -> dict[UUID, bytes]:
    async with db.platform() as conn:
        rows = await conn.execute(
            text("SELECT tenant_id, pdf FROM report_bundle_pdfs WHERE bundle_id = :b AND pdf IS NOT NULL"),
            {"b": bundle_id},
        )
        return {r.tenant_id: r.pdf for r in rows}
