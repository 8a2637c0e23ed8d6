"""Start pages of the roles that register no questions: POI adviser and KB analyst (their boards live in
services/api/boards.py), platform admin."""

from __future__ import annotations

from litestar import Request, get
from litestar.exceptions import PermissionDeniedException
from litestar.response import Template
from sqlalchemy import text

from domain.accounts import Role
from infra.platform import admin_audit
from infra.projections.operations import status
from infra.projections.registry import projection_names
from infra.queries.boards import troubled_deliveries
from services.api import boards
from services.api.web import page, require_who

_LIBRARIES = text("""
SELECT t.slug, t.name, t.active, p.name AS poi_name, p.slug AS poi_slug
FROM tenants t JOIN pois p USING (poi_id) {where} ORDER BY p.name, t.name
""")


async def _libraries(request: Request, where: str = "", **params: object) -> list:
    async with request.app.state.services.container.db.platform() as conn:
        return (await conn.execute(text(_LIBRARIES.text.format(where=where)), params)).all()


@get("/beheer", include_in_schema=False)
async def admin_home(request: Request) -> Template:
    w = require_who(request)
    if Role.PLATFORM_ADMIN not in w.roles():
        raise PermissionDeniedException("Deze pagina is voor platformbeheerders.")
    svc = request.app.state.services
    lags = await status(svc.container.reader, projection_names())
    return page(
        request,
        "home/admin.html.j2",
        libraries=await _libraries(request),
        lags=lags,
        now=svc.clock(),
        deliveries=await troubled_deliveries(svc.container.reader),
        changes=await admin_audit.recent(svc.container.db, 10),
    )


ROUTES = [*boards.ROUTES, admin_home]
