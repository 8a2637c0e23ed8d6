"""People of a library (coordinator, /t/{slug}/gebruikers) and colleagues of a POI (adviser, /poi/collegas):
who has access, invitations, and (for the library) switching accounts off and on."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Response, Template

from domain.accounts import ROLE_LABELS, Role
from domain.errors import DomainError
from infra.platform.organisations import Organisations
from infra.platform.staff import Staff
from services.api import inviting
from services.api.scope import Library, coordinator_scope
from services.api.web import Who, is_partial, page, require_who, see_other

LIBRARY_ROLES = (Role.DESK, Role.COORDINATOR)
NOTICES = {
    **inviting.NOTICES,
    "ingetrokken": "De uitnodiging is ingetrokken.",
    "gedeactiveerd": "Het account is gedeactiveerd: de gebruiker is overal uitgelogd en API-tokens werken niet meer.",
    "heractiveerd": "Het account is weer actief. De gebruiker kan weer inloggen.",
    "gedeblokkeerd": "De blokkering is opgeheven: de gebruiker kan meteen weer inloggen.",
}


def _staff(request: Request) -> Staff:
    svc = request.app.state.services
    return Staff(svc.container.db, svc.sessions, svc.throttle, svc.clock)


async def _after(request: Request, base: str, outcome: inviting.Outcome, render) -> Response:
    """HTMX: the list again with the message (or error); a plain form: 303 back to the list (PRG)."""
    if outcome.error is not None or is_partial(request):
        return await render(outcome)
    return see_other(f"{base}?melding={outcome.code}")


class LibraryUsersController(Controller):
    path = "/t/{slug:str}/gebruikers"
    dependencies = {"lib": Provide(coordinator_scope)}

    async def _page(
        self, request: Request, lib: Library, outcome: inviting.Outcome | None = None
    ) -> Template:
        outcome = outcome or inviting.Outcome(message=NOTICES.get(request.query_params.get("melding", "")))
        ctx = {
            "lib": lib,
            "base": f"/t/{lib.slug}/gebruikers",
            "people": await _staff(request).of_library(lib.tenant_id),
            "pending": await inviting.invitations(request).pending(tenant_id=lib.tenant_id),
            "roles": [(r.value, ROLE_LABELS[r]) for r in LIBRARY_ROLES],
            "now": request.app.state.services.clock(),
            "message": outcome.message,
            "error": outcome.error,
            "invite_values": outcome.values or {},
        }
        status = 422 if outcome.error else 200
        return page(
            request, "accounts/users.html.j2", "accounts/partials/_users.html.j2", status=status, **ctx
        )

    async def _after(self, request: Request, lib: Library, outcome: inviting.Outcome) -> Response:
        return await _after(
            request, f"/t/{lib.slug}/gebruikers", outcome, lambda o: self._page(request, lib, o)
        )

    @get("/", include_in_schema=False)
    async def list_users(self, request: Request, lib: Library) -> Template:
        return await self._page(request, lib)

    @post("/uitnodigen", include_in_schema=False)
    async def invite(self, request: Request, lib: Library) -> Response:
        data = await inviting.form_values(request)
        try:
            role = inviting.role_from(data.get("role", ""), LIBRARY_ROLES)
        except DomainError as err:
            return await self._page(
                request, lib, inviting.Outcome(error=err, values={"email": data.get("email", "")})
            )
        outcome = await inviting.invite(
            request, lib.who, data.get("email", ""), role, tenant_id=lib.tenant_id
        )
        return await self._after(request, lib, outcome)

    @post("/uitnodigingen/{invitation_id:uuid}/opnieuw", include_in_schema=False)
    async def resend(self, request: Request, lib: Library, invitation_id: UUID) -> Response:
        inv = await _own_invitation(
            request, invitation_id, lambda i: i.tenant_id == lib.tenant_id, lib.tenant_id
        )
        return await self._after(request, lib, await inviting.renew(request, lib.who, inv))

    @post("/uitnodigingen/{invitation_id:uuid}/intrekken", include_in_schema=False)
    async def revoke(self, request: Request, lib: Library, invitation_id: UUID) -> Response:
        await _own_invitation(request, invitation_id, lambda i: i.tenant_id == lib.tenant_id, lib.tenant_id)
        await inviting.invitations(request).revoke(
            lib.who.user_id, invitation_id, request.app.state.services.clock(), lib.tenant_id
        )
        return await self._after(
            request, lib, inviting.Outcome(code="ingetrokken", message=NOTICES["ingetrokken"])
        )

    @post("/{user_id:uuid}/deactiveren", include_in_schema=False)
    async def deactivate(self, request: Request, lib: Library, user_id: UUID) -> Response:
        return await self._set_active(request, lib, user_id, False)

    @post("/{user_id:uuid}/heractiveren", include_in_schema=False)
    async def reactivate(self, request: Request, lib: Library, user_id: UUID) -> Response:
        return await self._set_active(request, lib, user_id, True)

    async def _set_active(self, request: Request, lib: Library, user_id: UUID, active: bool) -> Response:
        code = "heractiveerd" if active else "gedeactiveerd"
        try:
            await _staff(request).set_active_in_library(lib.who.user_id, lib.tenant_id, user_id, active)
        except DomainError as err:
            if err.code == "not-found":
                raise NotFoundException() from None
            return await self._page(request, lib, inviting.Outcome(error=err))
        return await self._after(request, lib, inviting.Outcome(code=code, message=NOTICES[code]))

    @post("/{user_id:uuid}/deblokkeren", include_in_schema=False)
    async def unlock(self, request: Request, lib: Library, user_id: UUID) -> Response:
        try:
            await _staff(request).unlock_in_library(lib.who.user_id, lib.tenant_id, user_id)
        except DomainError as err:
            if err.code == "not-found":
                raise NotFoundException() from None
            return await self._page(request, lib, inviting.Outcome(error=err))
        outcome = inviting.Outcome(code="gedeblokkeerd", message=NOTICES["gedeblokkeerd"])
        return await self._after(request, lib, outcome)


async def _own_invitation(request: Request, invitation_id: UUID, mine, tenant_id: UUID | None = None):
    """Someone else's invitation does not exist, as far as this page is concerned. `tenant_id`: the library's
    (its invitations are under its tenant policy); None for POI invitations."""
    try:
        inv = await inviting.invitations(request).get(invitation_id, tenant_id)
    except DomainError:
        raise NotFoundException() from None
    if not mine(inv):
        raise NotFoundException()
    return inv


def poi_scope(request: Request) -> tuple[Who, list[UUID]]:
    w = require_who(request)
    pois = [m.poi_id for m in w.user.memberships if m.role == Role.POI_ADVISER and m.poi_id]
    if not pois:
        raise PermissionDeniedException("Deze pagina is voor POI-adviseurs.")
    return w, pois


class PoiColleaguesController(Controller):
    path = "/poi/collegas"
    dependencies = {"team": Provide(poi_scope, sync_to_thread=False)}

    async def _page(self, request: Request, team, outcome: inviting.Outcome | None = None) -> Template:
        _, pois = team
        outcome = outcome or inviting.Outcome(message=NOTICES.get(request.query_params.get("melding", "")))
        orgs = Organisations(request.app.state.services.container.db)
        ctx = {
            "base": "/poi/collegas",
            "pois": [await orgs.poi(p) for p in pois],
            "people": await _staff(request).of_poi(pois),
            "pending": await inviting.invitations(request).pending(poi_ids=pois, role=Role.POI_ADVISER),
            "now": request.app.state.services.clock(),
            "message": outcome.message,
            "error": outcome.error,
            "invite_values": outcome.values or {},
        }
        status = 422 if outcome.error else 200
        return page(
            request,
            "accounts/colleagues.html.j2",
            "accounts/partials/_colleagues.html.j2",
            status=status,
            **ctx,
        )

    async def _after(self, request: Request, team, outcome: inviting.Outcome) -> Response:
        return await _after(request, "/poi/collegas", outcome, lambda o: self._page(request, team, o))

    @get("/", include_in_schema=False)
    async def list_colleagues(self, request: Request, team: tuple[Who, list[UUID]]) -> Template:
        return await self._page(request, team)

    @post("/", include_in_schema=False)
    async def invite(self, request: Request, team: tuple[Who, list[UUID]]) -> Response:
        w, pois = team
        data = await inviting.form_values(request)
        poi_id = next((p for p in pois if str(p) == data.get("poi_id")), pois[0] if len(pois) == 1 else None)
        if poi_id is None:
            raise NotFoundException()
        outcome = await inviting.invite(request, w, data.get("email", ""), Role.POI_ADVISER, poi_id=poi_id)
        return await self._after(request, team, outcome)

    @post("/uitnodigingen/{invitation_id:uuid}/opnieuw", include_in_schema=False)
    async def resend(self, request: Request, team: tuple[Who, list[UUID]], invitation_id: UUID) -> Response:
        w, pois = team
        inv = await _own_invitation(request, invitation_id, lambda i: i.poi_id in pois)
        return await self._after(request, team, await inviting.renew(request, w, inv))
