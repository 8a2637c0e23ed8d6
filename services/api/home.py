"""Start pages of the roles that register no questions: POI adviser and KB analyst (their boards live in
services/api/reports/boards.py), platform admin."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template
from sqlalchemy import text

from domain.ports import Clock
from infra.platform import admin_audit
from infra.projections.operations import status
from infra.projections.registry import projection_names
from infra.queries.boards import troubled_deliveries
from infra.store.db import Database
from services.api.reports import boards
from services.api.scope import PLATFORM_ADMINS
from services.api.web import page

_LIBRARIES = text("""
SELECT t.slug, t.name, t.active, p.name AS poi_name, p.slug AS poi_slug
FROM tenants t JOIN pois p USING (poi_id) {where} ORDER BY p.name, t.name
""")


async def _libraries(db: Database, where: str = "", **params: object) -> list:
    async with db.platform() as conn:
        return (await conn.execute(text(_LIBRARIES.text.format(where=where)), params)).all()


@get("/beheer", include_in_schema=False, guards=[PLATFORM_ADMINS])
async def admin_home(request: Request, db: Database, reader: Database, clock: Clock) -> Template:
    lags = await status(reader, projection_names())
    return page(
        request,
        "home/admin.html.j2",
        libraries=await _libraries(db),
        lags=lags,
        now=clock(),
        deliveries=await troubled_deliveries(reader),
        changes=await admin_audit.recent(db, 10),
    )


ROUTES = [*boards.ROUTES, admin_home]
