"""Verantwoording over the token API: a library's report (its coordinator, its POI's advisers, the KB) and the
KB's national bundle. The bundle is built by a worker: when none is ready for the current data the answer is
202 Accepted with a Location to poll (its answer links the files when done), so no request waits up to a
minute for 200 libraries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.params import QueryParameter

from domain.accounts import Role
from domain.calendar import local_day
from domain.errors import DomainError
from domain.ports import Clock
from infra.queries import visitors as visitor_figures
from infra.reports import bundle, service
from infra.reports import csv as csv_file
from infra.reports import pdf as pdf_file
from infra.reports import xlsx as xlsx_file
from infra.reports.bundle import Bundle
from infra.store.db import Database
from services.api.deps import Locations
from services.api.errors import problem_responses
from services.api.reports.kb import BUNDLE_TYPES, BUNDLES, Bundles
from services.api.reports.pages import download_period, file_response, reader_download
from services.api.scope import STAFF, Library, library
from services.api.web import require_who

TAGS = ["verantwoording"]
REPORT_TYPES = {"xlsx": xlsx_file.MEDIA_TYPE, "csv": csv_file.MEDIA_TYPE, "pdf": pdf_file.MEDIA_TYPE}


def _file_download(description: str, *media_types: str) -> type[Operation]:
    """An OpenAPI operation whose 200 is a file in one of `media_types` (Litestar documents a bare `Response`
    as JSON)."""

    @dataclass
    class FileDownload(Operation):
        def __post_init__(self) -> None:
            binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            content = {t.split(";")[0]: OpenAPIMediaType(schema=binary) for t in media_types}
            self.responses = {
                **(self.responses or {}),
                "200": OpenAPIResponse(description=description, content=content),
            }

    return FileDownload


class BundleOut(msgspec.Struct):
    bundle_id: UUID
    year: int
    status: str
    done: int
    total: int
    percent: int
    error: str | None
    links: dict[str, str]


def _out(b: Bundle) -> BundleOut:
    base = f"/api/v1/reports/bundles/{b.bundle_id}"
    links = (
        {"xlsx": f"{base}/landelijk-{b.year}.xlsx", "zip": f"{base}/landelijk-{b.year}.zip"}
        if b.status == "done"
        else {}
    )
    return BundleOut(b.bundle_id, b.year, b.status, b.done, b.total, b.percent, b.error, links)


def _is_kb(request: Request) -> bool:
    return Role.KB_ANALYST in require_who(request).roles()


@get(
    "/api/v1/t/{slug:str}/reports/verantwoording/{filename:str}",
    tags=TAGS,
    summary="A library's verantwoording as XLSX, CSV or PDF",
    description="`filename` is `{year}.xlsx`, `{year}.csv` or `{year}.pdf`. For the library's coordinator, "
    "the advisers of its POI and KB analysts; any other caller gets 404.",
    operation_class=_file_download("The report in the format of `filename`.", *REPORT_TYPES.values()),
    dependencies={"lib": library(Role.COORDINATOR, Role.POI_ADVISER, Role.KB_ANALYST)},
    responses=problem_responses(400, 401, 404, 503),
)
async def library_report_file(
    lib: Library,
    filename: str,
    quarter: Annotated[
        int | None, QueryParameter(ge=1, le=4, description="1–4; empty: the whole year")
    ] = None,
    *,
    db: Database,
    reader: Database,
    clock: Clock,
) -> Response:
    quarter_ = str(quarter) if quarter else None
    if not lib.is_coordinator:  # its POI's adviser or the KB, reading across libraries
        return await reader_download(reader, clock, lib, filename, quarter_)
    period, fmt = download_period(filename, quarter_)
    report = await service.tenant_report(db, lib.tenant_id, period, local_day(clock()))
    return file_response(await service.render(report, fmt, lib.slug))


@get(
    "/api/v1/reports/verantwoording/{filename:str}",
    tags=TAGS,
    summary="The national bundle (KB analysts only)",
    description="`filename` is `{year}.xlsx`. 200 with the workbook when a bundle for the current data is "
    "ready; otherwise 202 with a Location to poll (GET /api/v1/reports/bundles/{id}).",
    operation_class=_file_download("The national workbook.", BUNDLE_TYPES["xlsx"]),
    responses={
        202: ResponseSpec(BundleOut, description="Being built: poll the Location.", generate_examples=False),
        **problem_responses(400, 401, 404, 503),
    },
    dependencies=BUNDLES,
)
async def national_bundle(request: Request, filename: str, bundles: Bundles) -> Response:
    if not _is_kb(request):
        raise NotFoundException()
    period, fmt = download_period(filename, None)
    if fmt != "xlsx":
        raise NotFoundException()
    b = await bundles.request(period.year, require_who(request).user_id)
    if b.status == "done":
        return await bundles.file(b.bundle_id, f"landelijk-{b.year}.xlsx")
    location = f"/api/v1/reports/bundles/{b.bundle_id}"
    return Response(_out(b), status_code=202, headers={"Location": location, "Retry-After": "2"})


@get(
    "/api/v1/reports/bundles/{bundle_id:uuid}",
    tags=TAGS,
    summary="Progress of a national bundle",
    responses=problem_responses(400, 401, 404, 503),
)
async def bundle_progress(request: Request, bundle_id: UUID, db: Database) -> Response[BundleOut]:
    """200 with the progress; when done, the links to the workbook and the ZIP of per-library files."""
    if not _is_kb(request):
        raise NotFoundException()
    b = await bundle.get(db, bundle_id)
    if b is None:
        raise NotFoundException()
    headers = {} if b.finished else {"Retry-After": "2"}
    return Response(_out(b), headers=headers)


@get(
    "/api/v1/reports/bundles/{bundle_id:uuid}/{filename:str}",
    tags=TAGS,
    summary="A national bundle's file",
    operation_class=_file_download("The workbook or the ZIP, by `filename`.", *BUNDLE_TYPES.values()),
    responses=problem_responses(400, 401, 404, 503),
    dependencies=BUNDLES,
)
async def bundle_download(request: Request, bundle_id: UUID, filename: str, bundles: Bundles) -> Response:
    """`landelijk-{year}.xlsx` (the workbook) or `landelijk-{year}.zip` (every library's XLSX, CSV and PDF)."""
    if not _is_kb(request):
        raise NotFoundException()
    return await bundles.file(bundle_id, filename)


class DayOut(msgspec.Struct):
    day: date
    location_id: UUID
    questions: int
    visitors: int


class StatisticsOut(msgspec.Struct, rename={"from_": "from"}):
    from_: date
    to: date
    location_id: UUID | None
    questions: int
    visitors: int
    questions_per_visitor: float | None  # null without visitors
    days: list[DayOut]


@get(
    "/api/v1/t/{slug:str}/statistics",
    tags=["vragen"],
    summary="Questions and visitors per day and location",
    description="A visitor is one visit (one or more questions sharing a `visit_id`; a tally counts its own "
    "visitors, one per question when it gave no number), counted on the day and at the location of the visit's "
    "first question, so the days and locations add up to the totals. Days without questions are left out. "
    "The period is at most a year; `location_id` narrows it to one of the library's IDOs.",
    dependencies={"lib": STAFF},
    responses=problem_responses(400, 401, 404, 422, 503),
)
async def statistics(
    lib: Library,
    from_: Annotated[date, QueryParameter(name="from")],
    to: date,
    db: Database,
    locations: Locations,
    location_id: UUID | None = None,
) -> StatisticsOut:
    if to < from_ or to - from_ > timedelta(days=365):
        raise DomainError("Kies een periode van hoogstens een jaar, met 'from' niet na 'to'.", field="from")
    if from_ < date(2000, 1, 1) or to > date(2100, 12, 31):
        raise DomainError("Kies datums tussen 2000 en 2100.", field="from" if from_.year < 2000 else "to")
    if location_id is not None and location_id not in {x.location_id for x in await locations(lib.tenant_id)}:
        raise DomainError("Dit IDO hoort niet bij uw bibliotheek.", field="location_id")
    days = await visitor_figures.statistics(db, lib.tenant_id, from_, to, location_id)
    questions, visitors = sum(d.questions for d in days), sum(d.visitors for d in days)
    return StatisticsOut(
        from_=from_,
        to=to,
        location_id=location_id,
        questions=questions,
        visitors=visitors,
        questions_per_visitor=visitor_figures.ratio(questions, visitors),
        days=[DayOut(d.day, d.location_id, d.questions, d.visitors) for d in days],
    )


ROUTES = [library_report_file, national_bundle, bundle_progress, bundle_download, statistics]
