"""The first-run guide of a new library's coordinator (/t/{slug}/aan-de-slag): five steps with progress, each
linking to its page, done when what it asks for has happened (domain/first_run.py). Two steps are short enough
to do on the guide itself: a local partner (name and kind) and a desk member's invitation."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Response, Template

from domain.accounts import Role
from domain.catalogue import CATALOGUE
from domain.errors import DomainError
from domain.first_run import Guide
from infra.platform.partners import Partners
from infra.queries.first_run import guide_facts
from infra.store.db import Database
from services.api.accounts import inviting
from services.api.accounts.inviting import Inviter, Outcome
from services.api.scope import COORDINATOR, Library
from services.api.web import page, see_other

NOTICES = {
    "partner": "De partner is toegevoegd.",
    "uitgenodigd": "De uitnodiging is verstuurd.",
}


class GuideController(Controller):
    path = "/t/{slug:str}/aan-de-slag"
    dependencies = {"lib": COORDINATOR}

    async def _page(
        self, request: Request, lib: Library, db: Database, status: int = 200, **extra: Any
    ) -> Template:
        ctx = {
            "lib": lib,
            "steps": Guide.of(await guide_facts(db, lib.tenant_id)),
            "kinds": CATALOGUE.partner_kinds,
            "message": NOTICES.get(request.query_params.get("melding", "")),
            "error": None,
            "error_form": None,
            "values": {},
            "shown": None,
            **extra,
        }
        return page(request, "guide/page.html.j2", status=status, **ctx)

    @get("/", include_in_schema=False)
    async def guide(self, request: Request, lib: Library, db: Database) -> Template:
        return await self._page(request, lib, db)

    @post("/partner", include_in_schema=False)
    async def add_partner(self, request: Request, lib: Library, db: Database, partners: Partners) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            await partners.add(lib.tenant_id, {"name": form.get("name", ""), "kind": form.get("kind", "")})
        except DomainError as err:
            return await self._page(request, lib, db, 422, error=err, error_form="partner", values=form)
        return see_other(f"/t/{lib.slug}/aan-de-slag?melding=partner#gids-partners")

    @post("/uitnodigen", include_in_schema=False)
    async def invite(self, request: Request, lib: Library, db: Database, inviter: Inviter) -> Response:
        """A desk member's invitation; when the mail cannot be sent, the link is shown here once."""
        email = (await inviting.form_values(request)).get("email", "")
        outcome: Outcome = await inviter.invite(lib.who, email, Role.DESK, tenant_id=lib.tenant_id)
        if outcome.error:
            values = {"email": email}
            return await self._page(
                request, lib, db, 422, error=outcome.error, error_form="staff", values=values
            )
        if outcome.shown:
            return await self._page(request, lib, db, shown=outcome.shown)
        return see_other(f"/t/{lib.slug}/aan-de-slag?melding=uitgenodigd#gids-staff")
