"""The KB-outputregistratie download for the coordinator: /t/{slug}/verantwoording/kb-outputregistratie/2026.xlsx
(or .csv), ?kwartaal=1..4 for one quarter, the whole year (four quarters per location) without. Linked from
the coordinator's verantwoording page; the figures come from infra/reports/kb_form.py."""

from __future__ import annotations

import asyncio

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Response

from domain.calendar import local_day
from domain.ports import Clock
from infra.reports import kb_form
from infra.reports.service import File
from infra.store.db import Database
from services.api.reports.pages import download_period, file_response
from services.api.scope import COORDINATOR, Library

RENDER = {"xlsx": (kb_form.render_xlsx, kb_form.XLSX_TYPE), "csv": (kb_form.render_csv, kb_form.CSV_TYPE)}


@get(
    "/t/{slug:str}/verantwoording/kb-outputregistratie/{filename:str}",
    include_in_schema=False,
    dependencies={"lib": COORDINATOR},
)
async def kb_form_download(
    request: Request, lib: Library, filename: str, db: Database, clock: Clock
) -> Response:
    period, fmt = download_period(filename, request.query_params.get("kwartaal"))
    if fmt not in RENDER:
        raise NotFoundException()
    sheet = await kb_form.tenant_sheet(db, lib.tenant_id, period, local_day(clock()))
    render, media_type = RENDER[fmt]
    content = await asyncio.to_thread(render, sheet)
    return file_response(File(content, media_type, kb_form.filename(lib.slug, period, fmt)))


ROUTES = [kb_form_download]
