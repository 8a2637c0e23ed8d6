"""Reports on demand: one library's verantwoording (its own transaction under RLS, or the cross-tenant reader
for a POI adviser or the KB), a POI's suppressed aggregate, and rendering to XLSX, CSV or PDF."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.report import Period, Report
from domain.survey_results import for_library, for_others
from domain.verantwoording import library_report
from domain.verantwoording_aggregate import aggregate
from infra.reports import csv as csv_format
from infra.reports import pdf, xlsx
from infra.reports.data import libraries, load_library
from infra.store.db import Database

FORMATS = {"xlsx": xlsx, "csv": csv_format, "pdf": pdf}
_PDF_SLOTS = threading.BoundedSemaphore(2)  # a PDF holds a core while it renders: two at a time per process


@dataclass(frozen=True)
class File:
    content: bytes
    media_type: str
    filename: str

    @property
    def disposition(self) -> str:
        return f'attachment; filename="{self.filename}"'


async def tenant_report(db: Database, tenant_id: UUID, period: Period, today: date) -> Report:
    """For the library's own users: a tenant transaction, so row-level security applies as well. The survey's
    small cells are hidden."""
    async with db.tenant(tenant_id) as conn:
        data = await load_library(conn, tenant_id, period)
    return for_library(library_report(data, period, today))


async def reader_report(reader: Database, tenant_id: UUID, period: Period, today: date) -> Report:
    """For a POI adviser or the KB, after the caller checked the library is in their scope: without the
    survey, which they see summed over libraries only."""
    async with reader.platform() as conn:
        data = await load_library(conn, tenant_id, period)
    return for_others(library_report(data, period, today))


async def poi_report(reader: Database, poi_id: UUID, label: str, period: Period, today: date) -> Report:
    """The POI's libraries summed, small cells suppressed."""
    async with reader.platform() as conn:
        datas = [await load_library(conn, lib.tenant_id, period) for lib in await libraries(conn, [poi_id])]
    return aggregate([library_report(d, period, today) for d in datas], label, "poi", period, today)


def render_sync(report: Report, fmt: str) -> bytes:
    if fmt == "pdf":
        with _PDF_SLOTS:
            return pdf.render(report)
    return FORMATS[fmt].render(report)


async def render(report: Report, fmt: str, name: str) -> File:
    """Raises: KeyError for an unknown format (the caller answers 404)."""
    module = FORMATS[fmt]
    content = await asyncio.to_thread(render_sync, report, fmt)
    return File(content, module.MEDIA_TYPE, f"verantwoording-{name}-{report.period.slug}.{fmt}")
