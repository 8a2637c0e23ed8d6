"""Local referral partners (coordinator): the library's sociaal-educatieve kaart — list, add, edit, deactivate, mark
as checked today; the entries not checked for more than six months stand out."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.response import Response, Template

from domain import partners as rules
from domain.calendar import local_day
from domain.catalogue import CATALOGUE
from domain.errors import DomainError
from domain.ports import Clock
from infra.platform.partners import Partner, Partners
from services.api.partners.forms import partner_values
from services.api.scope import COORDINATOR, Library
from services.api.web import is_partial, page, see_other

MESSAGES = {
    "opgeslagen": "De partner is opgeslagen.",
    "gecontroleerd": "De controle van vandaag is vastgelegd.",
}


def _form_context(today: date, **extra: Any) -> dict[str, Any]:
    """What the partner form shows besides the values: the catalogue's parties and topics, the kinds of partner
    and the ways of referral."""
    return {
        "kinds": CATALOGUE.partner_kinds,
        "parties": CATALOGUE.active_parties(),
        "ways": rules.REFERRAL_WAYS,
        "today": today,
        "stale_months": rules.STALE_AFTER_MONTHS,
        **extra,
    }


def _edit_values(p: Partner) -> dict[str, Any]:
    values: dict[str, Any] = dict(p.__dict__)
    values["checked_on"] = p.checked_on.isoformat() if p.checked_on else ""
    return values


class PartnersController(Controller):
    path = "/t/{slug:str}/partners"
    dependencies = {"lib": COORDINATOR}

    async def _page(
        self, request: Request, lib: Library, partners: Partners, today: date, status: int = 200, **extra: Any
    ) -> Template:
        listed = await partners.list(lib.tenant_id)
        ctx = {
            "lib": lib,
            "partners": listed,
            "due": [p for p in listed if p.active and p.stale(today)],
            "error": None,
            "values": {"checked_on": today.isoformat()},
            "message": None,
            **_form_context(today),
            **extra,
        }
        return page(
            request, "partners/page.html.j2", "partners/partials/_partners.html.j2", status=status, **ctx
        )

    @get("/", include_in_schema=False)
    async def list_partners(
        self, request: Request, lib: Library, partners: Partners, clock: Clock
    ) -> Template:
        message = MESSAGES.get(request.query_params.get("melding", ""))
        return await self._page(request, lib, partners, local_day(clock()), message=message)

    @post("/", include_in_schema=False)
    async def add(self, request: Request, lib: Library, partners: Partners, clock: Clock) -> Response:
        today = local_day(clock())
        form = partner_values(await request.form())
        try:
            await partners.add(lib.tenant_id, form, today)
        except DomainError as err:
            return await self._page(request, lib, partners, today, status=422, error=err, values=form)
        if is_partial(request):
            return await self._page(
                request, lib, partners, today, message=f"{form['name'].strip()} is toegevoegd."
            )
        return see_other(f"/t/{lib.slug}/partners?melding=opgeslagen")

    @get("/{partner_id:uuid}", include_in_schema=False)
    async def edit_form(
        self, request: Request, lib: Library, partners: Partners, partner_id: UUID, clock: Clock
    ) -> Template:
        partner = await partners.get(lib.tenant_id, partner_id)
        return page(
            request,
            "partners/edit.html.j2",
            lib=lib,
            partner=partner,
            error=None,
            values=_edit_values(partner),
            **_form_context(local_day(clock())),
        )

    @post("/{partner_id:uuid}", include_in_schema=False)
    async def update(
        self, request: Request, lib: Library, partners: Partners, partner_id: UUID, clock: Clock
    ) -> Response:
        today = local_day(clock())
        form = partner_values(await request.form())
        partner = await partners.get(lib.tenant_id, partner_id)
        try:
            await partners.update(
                lib.tenant_id, partner_id, form, active=form.get("active") == "1", today=today
            )
        except DomainError as err:
            return page(
                request,
                "partners/edit.html.j2",
                status=422,
                lib=lib,
                partner=partner,
                error=err,
                values=form,
                **_form_context(today),
            )
        return see_other(f"/t/{lib.slug}/partners?melding=opgeslagen")

    @post("/{partner_id:uuid}/gecontroleerd", include_in_schema=False)
    async def checked(
        self, request: Request, lib: Library, partners: Partners, partner_id: UUID, clock: Clock
    ) -> Response:
        """The entry was checked today (a plain form post; htmx swaps the list)."""
        today = local_day(clock())
        await partners.mark_checked(lib.tenant_id, partner_id, today)
        if is_partial(request):
            return await self._page(request, lib, partners, today, message=MESSAGES["gecontroleerd"])
        return see_other(f"/t/{lib.slug}/partners?melding=gecontroleerd")
