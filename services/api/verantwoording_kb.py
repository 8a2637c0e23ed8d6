"""The KB's verantwoording: every library's files, the national bundle built by a worker (with a progress bar
polled by HTMX), and the report status of every library (/kb/rapportage)."""

from __future__ import annotations

import asyncio
from uuid import UUID

import structlog
from litestar import Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Response, Template

from domain.accounts import Role
from domain.completeness import warnings
from domain.ports import TaskQueue
from infra.reports import bundle, service, xlsx
from infra.reports.bundle import Bundle
from infra.reports.cells import display
from infra.reports.data import completeness_rows, fingerprint, libraries
from services.api.verantwoording import (
    download_period,
    file_response,
    form_values,
    links,
    period_of,
    recent_years,
    tenant_in,
    today,
)
from services.api.web import is_partial, page, require_who, see_other

log = structlog.get_logger()
BUNDLE_TYPES = {"xlsx": xlsx.MEDIA_TYPE, "zip": "application/zip"}


def kb(request: Request) -> UUID:
    w = require_who(request)
    if Role.KB_ANALYST not in w.roles():
        raise PermissionDeniedException("Deze pagina is voor analisten van de KB.")
    return w.user_id


async def enqueue(tasks: TaskQueue, bundle_id: UUID) -> bool:
    """Send the build task; when the broker is down, the beat sweep sends it later."""
    try:
        await asyncio.to_thread(tasks.send, bundle.BUILD_TASK, [str(bundle_id)])
        return True
    except Exception as exc:
        log.warning("bundle task not sent", bundle_id=str(bundle_id), error=f"{type(exc).__name__}: {exc}")
        return False


async def request_bundle(request: Request, year: int, user_id: UUID | None) -> Bundle:
    """The bundle for the current data of `year`: reused when one is done or under way, else a new one."""
    svc = request.app.state.services
    found, new = await bundle.request(svc.container.db, svc.container.reader, year, today(request), user_id)
    if new:
        await enqueue(svc.tasks, found.bundle_id)
    return found


def bundle_links(b: Bundle) -> list[tuple[str, str]]:
    base = f"/kb/verantwoording/bundels/{b.bundle_id}"
    return [
        ("Landelijke bundel (Excel)", f"{base}/landelijk-{b.year}.xlsx"),
        ("Bestanden per bibliotheek (ZIP)", f"{base}/landelijk-{b.year}.zip"),
    ]


def _bundle_partial(request: Request, b: Bundle | None, year: int) -> Template:
    ctx = {"bundle": b, "year": year, "bundle_links": bundle_links(b) if b else []}
    return page(request, "verantwoording/partials/_bundle.html.j2", **ctx)


@get("/kb/verantwoording", include_in_schema=False)
async def kb_page(request: Request) -> Template:
    kb(request)
    values = form_values(request)
    period = period_of(values["jaar"], values["kwartaal"], today(request).year)
    svc = request.app.state.services
    async with svc.container.reader.platform() as conn:
        libs = await libraries(conn)
    b = await bundle.latest(svc.container.db, period.year)
    async with svc.container.reader.platform() as conn:
        current = await fingerprint(conn, period.year, today(request))
    return page(
        request,
        "verantwoording/kb.html.j2",
        "verantwoording/partials/_kb_libraries.html.j2",
        period=period,
        years=recent_years(today(request)),
        libraries=[(lib, links(f"/kb/verantwoording/{lib.slug}", period)) for lib in libs],
        bundle=b,
        year=period.year,
        bundle_links=bundle_links(b) if b else [],
        outdated=b is not None and b.status == "done" and b.built_fingerprint != current,
    )


@get("/kb/verantwoording/{slug:str}/{filename:str}", include_in_schema=False)
async def kb_download(request: Request, slug: str, filename: str) -> Response:
    kb(request)
    tenant = await tenant_in(request, slug, None)
    period, fmt = download_period(filename, request.query_params.get("kwartaal"))
    reader = request.app.state.services.container.reader
    report = await service.reader_report(reader, tenant.tenant_id, period, today(request))
    return file_response(await service.render(report, fmt, tenant.slug))


@post("/kb/verantwoording/bundel", include_in_schema=False)
async def make_bundle(request: Request) -> Response:
    user_id = kb(request)
    form = await request.form()
    period = period_of(form.get("jaar"), None, today(request).year)
    b = await request_bundle(request, period.year, user_id)
    if not is_partial(request):
        return see_other(f"/kb/verantwoording?jaar={period.year}#bundel")
    return _bundle_partial(request, b, period.year)


@get("/kb/verantwoording/bundels/{bundle_id:uuid}", include_in_schema=False)
async def bundle_status(request: Request, bundle_id: UUID) -> Response:
    kb(request)
    b = await bundle.get(request.app.state.services.container.db, bundle_id)
    if b is None:
        raise NotFoundException()
    if not is_partial(request):
        return see_other(f"/kb/verantwoording?jaar={b.year}#bundel")
    return _bundle_partial(request, b, b.year)


@get("/kb/verantwoording/bundels/{bundle_id:uuid}/{filename:str}", include_in_schema=False)
async def bundle_download(request: Request, bundle_id: UUID, filename: str) -> Response:
    kb(request)
    return await bundle_file(request, bundle_id, filename)


async def bundle_file(request: Request, bundle_id: UUID, filename: str) -> Response:
    """`landelijk-2026.xlsx` or `.zip` of a finished bundle; anything else is a 404."""
    svc = request.app.state.services
    b = await bundle.get(svc.container.db, bundle_id)
    kind = filename.rsplit(".", 1)[-1]
    if (
        b is None
        or b.status != "done"
        or filename != f"landelijk-{b.year}.{kind}"
        or kind not in BUNDLE_TYPES
    ):
        raise NotFoundException()
    data = await bundle.content(svc.container.db, bundle_id, kind)
    if data is None:
        raise NotFoundException()
    f = service.File(data, BUNDLE_TYPES[kind], f"verantwoording-{filename}")
    return file_response(f)


@get("/kb/rapportage", include_in_schema=False)
async def status_page(request: Request) -> Template:
    """Per library: is the year complete (no warnings), its last registration day, and the warnings."""
    kb(request)
    f = {k: (request.query_params.get(k) or "").strip()[:100] for k in ("jaar", "provincie", "poi")}
    period = period_of(f["jaar"], None, today(request).year)
    async with request.app.state.services.container.reader.platform() as conn:
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
            "warnings": warnings(locations[lib.tenant_id], counts[lib.tenant_id], period, today(request)),
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
        years=recent_years(today(request)),
        rows=rows,
        complete=sum(1 for r in rows if not r["warnings"]),
        provinces=sorted({x.province for x in everyone}),
        pois=sorted({(x.poi_slug, x.poi) for x in everyone}, key=lambda p: p[1]),
        cell=display,
    )


ROUTES = [kb_page, make_bundle, bundle_status, bundle_download, kb_download, status_page]
