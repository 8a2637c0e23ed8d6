"""The KB's verantwoording: every library's files, the national bundle built by a worker (with a progress bar
polled by HTMX), and the report status of every library (/kb/rapportage)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID

import structlog
from litestar import Request, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template

from domain.accounts import Role
from domain.calendar import local_day
from domain.completeness import warnings
from domain.ports import Clock, TaskQueue
from infra.reports import bundle, service, xlsx
from infra.reports.bundle import Bundle
from infra.reports.cells import display
from infra.reports.data import completeness_rows, fingerprint, libraries
from infra.store.db import Database
from services.api.reports.pages import (
    file_response,
    form_values,
    links,
    period_of,
    reader_download_route,
    recent_years,
)
from services.api.scope import KB_ANALYSTS
from services.api.web import is_partial, page, require_who, see_other

log = structlog.get_logger()
BUNDLE_TYPES = {"xlsx": xlsx.MEDIA_TYPE, "zip": "application/zip"}


@dataclass(frozen=True)
class Bundles:
    """The KB's national bundles: requested here, built by a worker, read back from the database."""

    db: Database
    reader: Database
    tasks: TaskQueue
    clock: Clock

    async def request(self, year: int, user_id: UUID | None) -> Bundle:
        """The bundle for the current data of `year`: reused when one is done or under way, else a new one
        (its build task sent; when the broker is down, the beat sweep sends it later)."""
        found, new = await bundle.request(self.db, self.reader, year, local_day(self.clock()), user_id)
        if new:
            await self._enqueue(found.bundle_id)
        return found

    async def _enqueue(self, bundle_id: UUID) -> None:
        try:
            await asyncio.to_thread(self.tasks.send, bundle.BUILD_TASK, [str(bundle_id)])
        except Exception as exc:
            log.warning(
                "bundle task not sent", bundle_id=str(bundle_id), error=f"{type(exc).__name__}: {exc}"
            )

    async def file(self, bundle_id: UUID, filename: str) -> Response:
        """`landelijk-2026.xlsx` or `.zip` of a finished bundle; anything else is a 404."""
        b = await bundle.get(self.db, bundle_id)
        kind = filename.rsplit(".", 1)[-1]
        if (
            b is None
            or b.status != "done"
            or filename != f"landelijk-{b.year}.{kind}"
            or kind not in BUNDLE_TYPES
        ):
            raise NotFoundException()
        data = await bundle.content(self.db, bundle_id, kind)
        if data is None:
            raise NotFoundException()
        return file_response(service.File(data, BUNDLE_TYPES[kind], f"verantwoording-{filename}"))


def bundles(db: Database, reader: Database, tasks: TaskQueue, clock: Clock) -> Bundles:
    return Bundles(db, reader, tasks, clock)


BUNDLES = {"bundles": Provide(bundles, sync_to_thread=False)}  # the routes that request or serve a bundle


def bundle_links(b: Bundle) -> list[tuple[str, str]]:
    base = f"/kb/verantwoording/bundels/{b.bundle_id}"
    return [
        ("Landelijke bundel (Excel)", f"{base}/landelijk-{b.year}.xlsx"),
        ("Bestanden per bibliotheek (ZIP)", f"{base}/landelijk-{b.year}.zip"),
    ]


def _bundle_partial(request: Request, b: Bundle | None, year: int) -> Template:
    ctx = {"bundle": b, "year": year, "bundle_links": bundle_links(b) if b else []}
    return page(request, "verantwoording/partials/_bundle.html.j2", **ctx)


@get("/kb/verantwoording", include_in_schema=False, guards=[KB_ANALYSTS])
async def kb_page(request: Request, db: Database, reader: Database, clock: Clock) -> Template:
    today = local_day(clock())
    values = form_values(request)
    period = period_of(values["jaar"], values["kwartaal"], today.year)
    async with reader.platform() as conn:
        libs = await libraries(conn)
    b = await bundle.latest(db, period.year)
    async with reader.platform() as conn:
        current = await fingerprint(conn, period.year, today)
    return page(
        request,
        "verantwoording/kb.html.j2",
        "verantwoording/partials/_kb_libraries.html.j2",
        period=period,
        years=recent_years(today),
        libraries=[(lib, links(f"/kb/verantwoording/{lib.slug}", period)) for lib in libs],
        bundle=b,
        year=period.year,
        bundle_links=bundle_links(b) if b else [],
        outdated=b is not None and b.status == "done" and b.built_fingerprint != current,
    )


kb_download = reader_download_route(
    "/kb/verantwoording/{slug:str}/{filename:str}", Role.KB_ANALYST, KB_ANALYSTS
)


@post("/kb/verantwoording/bundel", include_in_schema=False, guards=[KB_ANALYSTS], dependencies=BUNDLES)
async def make_bundle(request: Request, bundles: Bundles, clock: Clock) -> Response:
    user_id = require_who(request).user_id
    form = await request.form()
    period = period_of(form.get("jaar"), None, local_day(clock()).year)
    b = await bundles.request(period.year, user_id)
    if not is_partial(request):
        return see_other(f"/kb/verantwoording?jaar={period.year}#bundel")
    return _bundle_partial(request, b, period.year)


@get("/kb/verantwoording/bundels/{bundle_id:uuid}", include_in_schema=False, guards=[KB_ANALYSTS])
async def bundle_status(request: Request, bundle_id: UUID, db: Database) -> Response:
    b = await bundle.get(db, bundle_id)
    if b is None:
        raise NotFoundException()
    if not is_partial(request):
        return see_other(f"/kb/verantwoording?jaar={b.year}#bundel")
    return _bundle_partial(request, b, b.year)


@get(
    "/kb/verantwoording/bundels/{bundle_id:uuid}/{filename:str}",
    include_in_schema=False,
    guards=[KB_ANALYSTS],
    dependencies=BUNDLES,
)
async def bundle_download(bundle_id: UUID, filename: str, bundles: Bundles) -> Response:
    return await bundles.file(bundle_id, filename)


@get("/kb/rapportage", include_in_schema=False, guards=[KB_ANALYSTS])
async def status_page(request: Request, reader: Database, clock: Clock) -> Template:
    """Per library: is the year complete (no warnings), its last registration day, and the warnings."""
    today = local_day(clock())
    f = {k: (request.query_params.get(k) or "").strip()[:100] for k in ("jaar", "provincie", "poi")}
    period = period_of(f["jaar"], None, today.year)
    async with reader.platform() as conn:
        everyone = await libraries(conn)
        shown = [
            lib
            for lib in everyone
            if (not f["provincie"] or lib.province == f["provincie"])
            and (not f["poi"] or lib.poi_slug == f["poi"])
        ]
        counts, locations, last = await completeness_rows(conn, [x.tenant_id for x in shown], period)
    rows = [
        {
            "lib": lib,
            "warnings": warnings(locations[lib.tenant_id], counts[lib.tenant_id], period, today),
            "last": last.get(lib.tenant_id),
            "downloads": links(f"/kb/verantwoording/{lib.slug}", period),
        }
        for lib in shown
    ]
    return page(
        request,
        "verantwoording/rapportage.html.j2",
        "verantwoording/partials/_rapportage_rows.html.j2",
        f=f,
        period=period,
        years=recent_years(today),
        rows=rows,
        complete=sum(1 for r in rows if not r["warnings"]),
        provinces=sorted({x.province for x in everyone}),
        pois=sorted({(x.poi_slug, x.poi) for x in everyone}, key=lambda p: p[1]),
        cell=display,
    )


ROUTES = [kb_page, make_bundle, bundle_status, bundle_download, kb_download, status_page]
