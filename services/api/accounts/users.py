"""People of a library (coordinator, /t/{slug}/gebruikers) and colleagues of a POI (adviser, /poi/collegas):
who has access, invitations, and (for the library) switching accounts off and on."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template

from domain.accounts import ROLE_LABELS, Role
from domain.errors import DomainError, NotFound
from domain.ports import Clock
from infra.platform.invitations import Invitations
from infra.platform.organisations import Organisations
from infra.platform.staff import Staff
from services.api.accounts import inviting
from services.api.accounts.inviting import Inviter
from services.api.scope import COORDINATOR, POI_ADVISERS, Library
from services.api.web import Who, is_partial, page, require_who, see_other

LIBRARY_ROLES = (Role.DESK, Role.COORDINATOR)
NOTICES = {
    **inviting.NOTICES,
    "ingetrokken": "De uitnodiging is ingetrokken.",
    "gedeactiveerd": "Het account is gedeactiveerd: de gebruiker is overal uitgelogd en API-tokens werken niet meer.",
    "heractiveerd": "Het account is weer actief. De gebruiker kan weer inloggen.",
    "gedeblokkeerd": "De blokkering is opgeheven: de gebruiker kan meteen weer inloggen.",
}


async def _after(request: Request, base: str, outcome: inviting.Outcome, render) -> Response:
    """HTMX: the list again with the message (or error); a plain form: 303 back to the list (PRG). A link to
    pass on (the mail failed) is answered directly, never through a redirect."""
    if outcome.error is not None or outcome.shown is not None or is_partial(request):
        return await render(outcome)
    return see_other(f"{base}?melding={outcome.code}")


@dataclass(frozen=True)
class People:
    """Who has access, and who is invited: what the people pages show."""

    staff: Staff
    invitations: Invitations
    inviter: Inviter
    organisations: Organisations
    clock: Clock


def people(
    staff: Staff, invitations: Invitations, inviter: Inviter, organisations: Organisations, clock: Clock
) -> People:
    return People(staff, invitations, inviter, organisations, clock)


class LibraryUsersController(Controller):
    path = "/t/{slug:str}/gebruikers"
    dependencies = {"lib": COORDINATOR, "people": Provide(people, sync_to_thread=False)}

    async def _page(
        self, request: Request, lib: Library, people: People, outcome: inviting.Outcome | None = None
    ) -> Template:
        outcome = outcome or inviting.Outcome(message=NOTICES.get(request.query_params.get("melding", "")))
        ctx = {
            "lib": lib,
            "base": f"/t/{lib.slug}/gebruikers",
            "people": await people.staff.of_library(lib.tenant_id),
            "pending": await people.invitations.pending(tenant_id=lib.tenant_id),
            "roles": [(r.value, ROLE_LABELS[r]) for r in LIBRARY_ROLES],
            "now": people.clock(),
            "message": outcome.message,
            "error": outcome.error,
            "invite_values": outcome.values or {},
            "shown": outcome.shown,
        }
        status = 422 if outcome.error else 200
        return page(
            request, "accounts/users.html.j2", "accounts/partials/_users.html.j2", status=status, **ctx
        )

    async def _after(
        self, request: Request, lib: Library, people: People, outcome: inviting.Outcome
    ) -> Response:
        return await _after(
            request, f"/t/{lib.slug}/gebruikers", outcome, lambda o: self._page(request, lib, people, o)
        )

    @get("/", include_in_schema=False)
    async def list_users(self, request: Request, lib: Library, people: People) -> Template:
        return await self._page(request, lib, people)

    @post("/uitnodigen", include_in_schema=False)
    async def invite(self, request: Request, lib: Library, people: People) -> Response:
        data = await inviting.form_values(request)
        try:
            role = inviting.role_from(data.get("role", ""), LIBRARY_ROLES)
        except DomainError as err:
            return await self._page(
                request, lib, people, inviting.Outcome(error=err, values={"email": data.get("email", "")})
            )
        outcome = await people.inviter.invite(lib.who, data.get("email", ""), role, tenant_id=lib.tenant_id)
        return await self._after(request, lib, people, outcome)

    @post("/uitnodigingen/{invitation_id:uuid}/opnieuw", include_in_schema=False)
    async def resend(self, request: Request, lib: Library, people: People, invitation_id: UUID) -> Response:
        inv = await _own_invitation(
            people, invitation_id, lambda i: i.tenant_id == lib.tenant_id, lib.tenant_id
        )
        return await self._after(request, lib, people, await people.inviter.renew(lib.who, inv))

    @post("/uitnodigingen/{invitation_id:uuid}/intrekken", include_in_schema=False)
    async def revoke(self, request: Request, lib: Library, people: People, invitation_id: UUID) -> Response:
        await _own_invitation(people, invitation_id, lambda i: i.tenant_id == lib.tenant_id, lib.tenant_id)
        await people.invitations.revoke(lib.who.user_id, invitation_id, people.clock(), lib.tenant_id)
        return await self._after(
            request, lib, people, inviting.Outcome(code="ingetrokken", message=NOTICES["ingetrokken"])
        )

    @get("/{user_id:uuid}/deactiveren", include_in_schema=False)
    async def confirm_deactivate(
        self, request: Request, lib: Library, people: People, user_id: UUID
    ) -> Template:
        """Asks first, on a page of its own: the confirmation works without JavaScript."""
        person = next((p for p in await people.staff.of_library(lib.tenant_id) if p.user_id == user_id), None)
        if person is None:
            raise NotFoundException()
        base = f"/t/{lib.slug}/gebruikers"
        return page(
            request,
            "confirm.html.j2",
            lib=lib,
            nav_template="library_nav.html.j2",
            active="gebruikers",
            title=f"Account van {person.email} deactiveren?",
            explain=[
                f"{person.email} wordt meteen overal uitgelogd en kan niet meer inloggen; API-tokens van dit "
                "account werken niet meer.",
                "De registraties blijven bewaard. U kunt het account later weer activeren.",
            ],
            action=f"{base}/{user_id}/deactiveren",
            confirm="Ja, deactiveren",
            cancel=f"{base}/",
        )

    @post("/{user_id:uuid}/deactiveren", include_in_schema=False)
    async def deactivate(self, request: Request, lib: Library, people: People, user_id: UUID) -> Response:
        return await self._set_active(request, lib, people, user_id, False)

    @post("/{user_id:uuid}/heractiveren", include_in_schema=False)
    async def reactivate(self, request: Request, lib: Library, people: People, user_id: UUID) -> Response:
        return await self._set_active(request, lib, people, user_id, True)

    async def _set_active(
        self, request: Request, lib: Library, people: People, user_id: UUID, active: bool
    ) -> Response:
        code = "heractiveerd" if active else "gedeactiveerd"
        try:
            await people.staff.set_active_in_library(lib.who.user_id, lib.tenant_id, user_id, active)
        except NotFound:
            raise
        except DomainError as err:
            return await self._page(request, lib, people, inviting.Outcome(error=err))
        return await self._after(request, lib, people, inviting.Outcome(code=code, message=NOTICES[code]))

    @post("/{user_id:uuid}/deblokkeren", include_in_schema=False)
    async def unlock(self, request: Request, lib: Library, people: People, user_id: UUID) -> Response:
        try:
            await people.staff.unlock_in_library(lib.who.user_id, lib.tenant_id, user_id)
        except NotFound:
            raise
        except DomainError as err:
            return await self._page(request, lib, people, inviting.Outcome(error=err))
        outcome = inviting.Outcome(code="gedeblokkeerd", message=NOTICES["gedeblokkeerd"])
        return await self._after(request, lib, people, outcome)


async def _own_invitation(people: People, invitation_id: UUID, mine, tenant_id: UUID | None = None):
    """Someone else's invitation does not exist, as far as this page is concerned. `tenant_id`: the library's
    (its invitations are under its tenant policy); None for POI invitations. Raises: NotFound."""
    inv = await people.invitations.get(invitation_id, tenant_id)
    if not mine(inv):
        raise NotFoundException()
    return inv


class PoiColleaguesController(Controller):
    path = "/poi/collegas"
    guards = [POI_ADVISERS]
    dependencies = {
        "adviser": Provide(require_who, sync_to_thread=False),
        "people": Provide(people, sync_to_thread=False),
    }

    async def _page(
        self, request: Request, adviser: Who, people: People, outcome: inviting.Outcome | None = None
    ) -> Template:
        pois = adviser.pois
        outcome = outcome or inviting.Outcome(message=NOTICES.get(request.query_params.get("melding", "")))
        ctx = {
            "base": "/poi/collegas",
            "pois": [await people.organisations.poi(p) for p in pois],
            "people": await people.staff.of_poi(pois),
            "pending": await people.invitations.pending(poi_ids=pois, role=Role.POI_ADVISER),
            "now": people.clock(),
            "message": outcome.message,
            "error": outcome.error,
            "invite_values": outcome.values or {},
            "shown": outcome.shown,
        }
        status = 422 if outcome.error else 200
        return page(
            request,
            "accounts/colleagues.html.j2",
            "accounts/partials/_colleagues.html.j2",
            status=status,
            **ctx,
        )

    async def _after(
        self, request: Request, adviser: Who, people: People, outcome: inviting.Outcome
    ) -> Response:
        return await _after(
            request, "/poi/collegas", outcome, lambda o: self._page(request, adviser, people, o)
        )

    @get("/", include_in_schema=False)
    async def list_colleagues(self, request: Request, adviser: Who, people: People) -> Template:
        return await self._page(request, adviser, people)

    @post("/", include_in_schema=False)
    async def invite(self, request: Request, adviser: Who, people: People) -> Response:
        w, pois = adviser, adviser.pois
        data = await inviting.form_values(request)
        poi_id = next((p for p in pois if str(p) == data.get("poi_id")), pois[0] if len(pois) == 1 else None)
        if poi_id is None:
            raise NotFoundException()
        outcome = await people.inviter.invite(w, data.get("email", ""), Role.POI_ADVISER, poi_id=poi_id)
        return await self._after(request, adviser, people, outcome)

    @post("/uitnodigingen/{invitation_id:uuid}/opnieuw", include_in_schema=False)
    async def resend(self, request: Request, adviser: Who, people: People, invitation_id: UUID) -> Response:
        w, pois = adviser, adviser.pois
        inv = await _own_invitation(people, invitation_id, lambda i: i.poi_id in pois)
        return await self._after(request, adviser, people, await people.inviter.renew(w, inv))
