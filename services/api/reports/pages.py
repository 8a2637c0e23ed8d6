"""Verantwoording pages and downloads for the coordinator (/t/{slug}/verantwoording) and the POI adviser
(/poi/verantwoording: each of their libraries, and the suppressed aggregate of their POI). The KB's pages
live in services/api/reports/kb.py."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.response import Response, Template
from litestar.types import Guard
from sqlalchemy import text

from domain.accounts import Role
from domain.calendar import local_day
from domain.errors import DomainError
from domain.ports import Clock
from domain.report import Period, Report, summary
from infra.platform.accounts import Accounts
from infra.reports import service
from infra.reports.cells import display
from infra.reports.data import libraries
from infra.store.db import Database
from services.api.scope import COORDINATOR, POI_ADVISERS, Library, library
from services.api.web import page, require_who

FORMATS = ("xlsx", "csv", "pdf")
FORMAT_LABELS = {"xlsx": "Excel (XLSX)", "csv": "CSV", "pdf": "PDF"}
_FILENAME = re.compile(r"^(\d{4})\.(xlsx|csv|pdf)$")


def period_of(year: str | int | None, quarter: str | int | None, default_year: int) -> Period:
    """Raises: DomainError (field jaar or kwartaal)."""
    try:
        y = int(year) if year not in (None, "") else default_year
    except ValueError:
        raise DomainError("Kies een jaar, bijvoorbeeld 2026.", field="jaar") from None
    if not 2000 <= y <= 2100:
        raise DomainError("Kies een jaar tussen 2000 en 2100.", field="jaar")
    if quarter in (None, "", "0"):
        return Period(y)
    if str(quarter) not in ("1", "2", "3", "4"):
        raise DomainError("Kies kwartaal 1, 2, 3 of 4, of het hele jaar.", field="kwartaal")
    return Period(y, int(quarter))


def download_period(filename: str, quarter: str | None) -> tuple[Period, str]:
    """`2026.xlsx` (+ ?kwartaal=2) → the period and the format; anything else is a 404."""
    m = _FILENAME.match(filename)
    if not m:
        raise NotFoundException()
    try:
        return period_of(m.group(1), quarter, 0), m.group(2)
    except DomainError:
        raise NotFoundException() from None


def file_response(f: service.File) -> Response:
    return Response(
        content=f.content,
        media_type=f.media_type,
        headers={"Content-Disposition": f.disposition, "Cache-Control": "private, no-store"},
    )


def links(base: str, period: Period) -> list[tuple[str, str]]:
    query = f"?kwartaal={period.quarter}" if period.quarter else ""
    return [(FORMAT_LABELS[fmt], f"{base}/{period.year}.{fmt}{query}") for fmt in FORMATS]


def report_context(report: Report) -> dict[str, Any]:
    return {"report": report, "summary": summary(report), "cell": display}


def form_values(request: Request) -> dict[str, str]:
    return {k: (request.query_params.get(k) or "").strip()[:10] for k in ("jaar", "kwartaal")}


# Coordinator


@get("/t/{slug:str}/verantwoording", include_in_schema=False, dependencies={"lib": COORDINATOR})
async def library_page(request: Request, lib: Library, db: Database, clock: Clock) -> Template:
    today = local_day(clock())
    values = form_values(request)
    period = period_of(values["jaar"], values["kwartaal"], today.year)
    report = await service.tenant_report(db, lib.tenant_id, period, today)
    return page(
        request,
        "verantwoording/library.html.j2",
        "verantwoording/partials/_library_results.html.j2",
        lib=lib,
        period=period,
        years=recent_years(today),
        downloads=links(f"/t/{lib.slug}/verantwoording", period),
        kb_form_downloads=kb_form_links(lib.slug, period),
        **report_context(report),
    )


@get(
    "/t/{slug:str}/verantwoording/{filename:str}", include_in_schema=False, dependencies={"lib": COORDINATOR}
)
async def library_download(
    request: Request, lib: Library, filename: str, db: Database, clock: Clock
) -> Response:
    period, fmt = download_period(filename, request.query_params.get("kwartaal"))
    report = await service.tenant_report(db, lib.tenant_id, period, local_day(clock()))
    return file_response(await service.render(report, fmt, lib.slug))


def kb_form_links(slug: str, period: Period) -> list[tuple[str, str]]:
    """The KB-outputregistratie of the period (services/api/reports/kb_form.py serves it)."""
    query = f"?kwartaal={period.quarter}" if period.quarter else ""
    base = f"/t/{slug}/verantwoording/kb-outputregistratie/{period.year}"
    return [(FORMAT_LABELS[fmt], f"{base}.{fmt}{query}") for fmt in ("xlsx", "csv")]


def recent_years(now: date) -> list[int]:
    return list(range(now.year, now.year - 5, -1))


async def reader_download(reader: Database, clock: Clock, lib: Library, filename: str, quarter: str | None):
    """A library's file for someone outside it (its POI's advisers, the KB), read across libraries."""
    period, fmt = download_period(filename, quarter)
    report = await service.reader_report(reader, lib.tenant_id, period, local_day(clock()))
    return file_response(await service.render(report, fmt, lib.slug))


def reader_download_route(path: str, role: Role, guard: Guard) -> HTTPRouteHandler:
    """The route of a library's files (`path` with {slug} and {filename}) for the users of `role` who reach it,
    behind the role's `guard`."""

    @get(path, include_in_schema=False, guards=[guard], dependencies={"lib": library(role)})
    async def download(
        request: Request, lib: Library, filename: str, reader: Database, clock: Clock
    ) -> Response:
        return await reader_download(reader, clock, lib, filename, request.query_params.get("kwartaal"))

    return download


# POI adviser


@get("/poi/verantwoording", include_in_schema=False, guards=[POI_ADVISERS])
async def poi_page(request: Request, reader: Database, clock: Clock) -> Template:
    pois = require_who(request).pois
    today = local_day(clock())
    values = form_values(request)
    period = period_of(values["jaar"], values["kwartaal"], today.year)
    async with reader.platform() as conn:
        libs = await libraries(conn, pois)
    aggregates = []
    for poi_id in pois:
        poi = await _poi(reader, poi_id)
        report = await service.poi_report(reader, poi_id, poi.name, period, today)
        base = f"/poi/verantwoording/totaal/{poi.slug}"
        aggregates.append({"poi": poi, "downloads": links(base, period), **report_context(report)})
    return page(
        request,
        "verantwoording/poi.html.j2",
        "verantwoording/partials/_poi_results.html.j2",
        period=period,
        years=recent_years(today),
        libraries=[(lib, links(f"/poi/verantwoording/{lib.slug}", period)) for lib in libs],
        aggregates=aggregates,
        cell=display,
    )


async def _poi(reader: Database, poi_id: UUID):
    async with reader.platform() as conn:
        row = (
            await conn.execute(text("SELECT poi_id, slug, name FROM pois WHERE poi_id = :p"), {"p": poi_id})
        ).one()
    return row


poi_download = reader_download_route(
    "/poi/verantwoording/{slug:str}/{filename:str}", Role.POI_ADVISER, POI_ADVISERS
)


@get(
    "/poi/verantwoording/totaal/{poi_slug:str}/{filename:str}", include_in_schema=False, guards=[POI_ADVISERS]
)
async def poi_aggregate_download(
    request: Request, poi_slug: str, filename: str, accounts: Accounts, reader: Database, clock: Clock
) -> Response:
    poi = await accounts.poi_by_slug(poi_slug)
    if poi.poi_id not in require_who(request).pois:
        raise NotFoundException()
    period, fmt = download_period(filename, request.query_params.get("kwartaal"))
    report = await service.poi_report(reader, poi.poi_id, poi.name, period, local_day(clock()))
    return file_response(await service.render(report, fmt, f"poi-{poi.slug}"))


ROUTES = [library_page, library_download, poi_page, poi_download, poi_aggregate_download]
