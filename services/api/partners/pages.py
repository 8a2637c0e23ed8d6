"""Local referral partners (coordinator): list, add, edit, deactivate."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.response import Response, Template

from domain.catalogue import CATALOGUE
from domain.errors import DomainError
from infra.platform.partners import Partners
from services.api.scope import COORDINATOR, Library
from services.api.web import page, see_other


class PartnersController(Controller):
    path = "/t/{slug:str}/partners"
    dependencies = {"lib": COORDINATOR}

    async def _page(
        self, request: Request, lib: Library, partners: Partners, status: int = 200, **extra
    ) -> Template:
        ctx = {
            "lib": lib,
            "partners": await partners.list(lib.tenant_id),
            "kinds": CATALOGUE.partner_kinds,
            "error": None,
            "values": {},
            "message": None,
            **extra,
        }
        return page(
            request, "partners/page.html.j2", "partners/partials/_partners.html.j2", status=status, **ctx
        )

    @get("/", include_in_schema=False)
    async def list_partners(self, request: Request, lib: Library, partners: Partners) -> Template:
        message = "De partner is opgeslagen." if request.query_params.get("melding") == "opgeslagen" else None
        return await self._page(request, lib, partners, message=message)

    @post("/", include_in_schema=False)
    async def add(self, request: Request, lib: Library, partners: Partners) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            await partners.add(lib.tenant_id, form)
        except DomainError as err:
            return await self._page(request, lib, partners, status=422, error=err, values=form)
        if request.headers.get("hx-request") == "true":
            return await self._page(request, lib, partners, message=f"{form['name'].strip()} is toegevoegd.")
        return see_other(f"/t/{lib.slug}/partners?melding=opgeslagen")

    @get("/{partner_id:uuid}", include_in_schema=False)
    async def edit_form(
        self, request: Request, lib: Library, partners: Partners, partner_id: UUID
    ) -> Template:
        partner = await partners.get(lib.tenant_id, partner_id)
        return page(
            request,
            "partners/edit.html.j2",
            lib=lib,
            partner=partner,
            kinds=CATALOGUE.partner_kinds,
            error=None,
            values=partner.__dict__,
        )

    @post("/{partner_id:uuid}", include_in_schema=False)
    async def update(self, request: Request, lib: Library, partners: Partners, partner_id: UUID) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        partner = await partners.get(lib.tenant_id, partner_id)
        try:
            await partners.update(lib.tenant_id, partner_id, form, active=form.get("active") == "1")
        except DomainError as err:
            return page(
                request,
                "partners/edit.html.j2",
                status=422,
                lib=lib,
                partner=partner,
                kinds=CATALOGUE.partner_kinds,
                error=err,
                values=form,
            )
        return see_other(f"/t/{lib.slug}/partners?melding=opgeslagen")
