"""Platform admin (/beheer/…): POIs and libraries (create, edit, webhook secrets, deactivate), inviting a
library's coordinator, a POI's advisers and KB analysts, and the log of these changes."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Response, Template

from domain.accounts import Role
from domain.errors import DomainError
from domain.onboarding import PROVINCES
from infra.platform import admin_audit
from infra.platform.organisations import Organisations
from infra.platform.staff import Staff
from services.api import inviting
from services.api.web import Who, page, require_who, see_other

NOTICES = {
    **inviting.NOTICES,
    "aangemaakt": "Aangemaakt.",
    "opgeslagen": "De wijzigingen zijn opgeslagen.",
    "gedeactiveerd": "De bibliotheek is gedeactiveerd: haar gebruikers kunnen niet meer inloggen. "
    "Registraties en rapportages blijven bewaard.",
    "heractiveerd": "De bibliotheek is weer actief.",
    "gebruiker-gedeactiveerd": "Het account is gedeactiveerd: de gebruiker is overal uitgelogd en API-tokens "
    "werken niet meer.",
    "gebruiker-heractiveerd": "Het account is weer actief.",
    "gebruiker-gedeblokkeerd": "De blokkering is opgeheven: de gebruiker kan meteen weer inloggen.",
}
_BACK = re.compile(r"/beheer/(pois|bibliotheken)/[0-9a-f-]{36}|/beheer/kb-analisten")


def admin_scope(request: Request) -> Who:
    w = require_who(request)
    if Role.PLATFORM_ADMIN not in w.roles():
        raise PermissionDeniedException("Deze pagina is voor platformbeheerders.")
    return w


def _orgs(request: Request) -> Organisations:
    return Organisations(request.app.state.services.container.db)


def _staff(request: Request) -> Staff:
    svc = request.app.state.services
    return Staff(svc.container.db, svc.sessions, svc.throttle, svc.clock)


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("melding", ""))


class AdminController(Controller):
    path = "/beheer"
    dependencies = {"admin": Provide(admin_scope, sync_to_thread=False)}

    # POIs

    @get("/pois", include_in_schema=False)
    async def pois(self, request: Request, admin: Who) -> Template:
        return await self._pois(request)

    async def _pois(self, request: Request, status: int = 200, **extra: Any) -> Template:
        ctx = {
            "pois": await _orgs(request).pois(),
            "provinces": PROVINCES,
            "error": None,
            "values": {},
            **extra,
        }
        return page(request, "admin/pois.html.j2", status=status, **ctx)

    @post("/pois", include_in_schema=False)
    async def create_poi(self, request: Request, admin: Who) -> Response:
        values = await inviting.form_values(request)
        try:
            poi_id, secret = await _orgs(request).create_poi(
                admin.user_id, values.get("slug", "").strip(), values
            )
        except DomainError as err:
            return await self._pois(request, 422, error=err, values=values)
        if secret:
            return await self._poi(request, poi_id, secret=secret, message=NOTICES["aangemaakt"])
        return see_other(f"/beheer/pois/{poi_id}?melding=aangemaakt")

    @get("/pois/{poi_id:uuid}", include_in_schema=False)
    async def poi(self, request: Request, admin: Who, poi_id: UUID) -> Template:
        return await self._poi(request, poi_id, message=_notice(request))

    async def _poi(self, request: Request, poi_id: UUID, status: int = 200, **extra: Any) -> Template:
        orgs = _orgs(request)
        poi = await orgs.poi(poi_id)
        ctx = {
            "poi": poi,
            "values": {**poi.__dict__, "provinces": list(poi.provinces)},
            "provinces": PROVINCES,
            "libraries": await orgs.libraries(poi_id),
            "people": await _staff(request).of_poi([poi_id]),
            "pending": await inviting.invitations(request).pending(poi_ids=[poi_id]),
            "now": request.app.state.services.clock(),
            "secret": None,
            "error": None,
            "invite_error": None,
            "message": None,
            **extra,
        }
        return page(request, "admin/poi.html.j2", status=status, **ctx)

    @post("/pois/{poi_id:uuid}", include_in_schema=False)
    async def update_poi(self, request: Request, admin: Who, poi_id: UUID) -> Response:
        values = await inviting.form_values(request)
        try:
            secret = await _orgs(request).update_poi(admin.user_id, poi_id, values)
        except DomainError as err:
            return await self._poi(request, poi_id, 422, error=err, values=values)
        if secret:
            return await self._poi(request, poi_id, secret=secret, message=NOTICES["opgeslagen"])
        return see_other(f"/beheer/pois/{poi_id}?melding=opgeslagen")

    @post("/pois/{poi_id:uuid}/geheim", include_in_schema=False)
    async def renew_secret(self, request: Request, admin: Who, poi_id: UUID) -> Template:
        """The answer shows the secret once (not a redirect: it never lands in a URL)."""
        secret = await _orgs(request).renew_secret(admin.user_id, poi_id)
        return await self._poi(request, poi_id, secret=secret)

    @post("/pois/{poi_id:uuid}/uitnodigen", include_in_schema=False)
    async def invite_adviser(self, request: Request, admin: Who, poi_id: UUID) -> Response:
        await _orgs(request).poi(poi_id)
        email = (await inviting.form_values(request)).get("email", "")
        outcome = await inviting.invite(request, admin, email, Role.POI_ADVISER, poi_id=poi_id)
        if outcome.error:
            return await self._poi(
                request, poi_id, 422, invite_error=outcome.error, invite_values=outcome.values
            )
        return see_other(f"/beheer/pois/{poi_id}?melding={outcome.code}")

    # libraries

    @get("/bibliotheken", include_in_schema=False)
    async def libraries(self, request: Request, admin: Who) -> Template:
        return await self._libraries(request)

    async def _libraries(self, request: Request, status: int = 200, **extra: Any) -> Template:
        orgs = _orgs(request)
        ctx = {
            "libraries": await orgs.libraries(),
            "pois": await orgs.pois(),
            "provinces": PROVINCES,
            "error": None,
            "values": {},
            **extra,
        }
        return page(request, "admin/libraries.html.j2", status=status, **ctx)

    @post("/bibliotheken", include_in_schema=False)
    async def create_library(self, request: Request, admin: Who) -> Response:
        values = await inviting.form_values(request)
        try:
            tenant_id = await _orgs(request).create_library(
                admin.user_id, values.get("slug", "").strip(), values
            )
        except DomainError as err:
            return await self._libraries(request, 422, error=err, values=values)
        return see_other(f"/beheer/bibliotheken/{tenant_id}?melding=aangemaakt")

    @get("/bibliotheken/{tenant_id:uuid}", include_in_schema=False)
    async def library(self, request: Request, admin: Who, tenant_id: UUID) -> Template:
        return await self._library(request, tenant_id, message=_notice(request))

    async def _library(self, request: Request, tenant_id: UUID, status: int = 200, **extra: Any) -> Template:
        orgs = _orgs(request)
        lib = await orgs.library(tenant_id)
        ctx = {
            "lib": lib,
            "values": {
                **lib.__dict__,
                "municipalities": "\n".join(lib.municipalities),
                "poi_id": str(lib.poi_id),
            },
            "pois": await orgs.pois(),
            "provinces": PROVINCES,
            "people": await _staff(request).of_library(tenant_id),
            "pending": await inviting.invitations(request).pending(tenant_id=tenant_id),
            "now": request.app.state.services.clock(),
            "error": None,
            "invite_error": None,
            "message": None,
            **extra,
        }
        return page(request, "admin/library.html.j2", status=status, **ctx)

    @post("/bibliotheken/{tenant_id:uuid}", include_in_schema=False)
    async def update_library(self, request: Request, admin: Who, tenant_id: UUID) -> Response:
        values = await inviting.form_values(request)
        try:
            await _orgs(request).update_library(admin.user_id, tenant_id, values)
        except DomainError as err:
            return await self._library(request, tenant_id, 422, error=err, values=values)
        return see_other(f"/beheer/bibliotheken/{tenant_id}?melding=opgeslagen")

    @post("/bibliotheken/{tenant_id:uuid}/deactiveren", include_in_schema=False)
    async def deactivate_library(self, request: Request, admin: Who, tenant_id: UUID) -> Response:
        await _orgs(request).set_library_active(admin.user_id, tenant_id, False)
        return see_other(f"/beheer/bibliotheken/{tenant_id}?melding=gedeactiveerd")

    @post("/bibliotheken/{tenant_id:uuid}/heractiveren", include_in_schema=False)
    async def reactivate_library(self, request: Request, admin: Who, tenant_id: UUID) -> Response:
        await _orgs(request).set_library_active(admin.user_id, tenant_id, True)
        return see_other(f"/beheer/bibliotheken/{tenant_id}?melding=heractiveerd")

    @post("/bibliotheken/{tenant_id:uuid}/uitnodigen", include_in_schema=False)
    async def invite_coordinator(self, request: Request, admin: Who, tenant_id: UUID) -> Response:
        await _orgs(request).library(tenant_id)
        email = (await inviting.form_values(request)).get("email", "")
        outcome = await inviting.invite(request, admin, email, Role.COORDINATOR, tenant_id=tenant_id)
        if outcome.error:
            return await self._library(
                request, tenant_id, 422, invite_error=outcome.error, invite_values=outcome.values
            )
        return see_other(f"/beheer/bibliotheken/{tenant_id}?melding={outcome.code}")

    # KB analysts, invitations, the log

    @get("/kb-analisten", include_in_schema=False)
    async def analysts(self, request: Request, admin: Who) -> Template:
        return await self._analysts(request, message=_notice(request))

    async def _analysts(self, request: Request, status: int = 200, **extra: Any) -> Template:
        ctx = {
            "people": await _staff(request).kb_analysts(),
            "pending": await inviting.invitations(request).pending(role=Role.KB_ANALYST),
            "now": request.app.state.services.clock(),
            "invite_error": None,
            "message": None,
            **extra,
        }
        return page(request, "admin/analysts.html.j2", status=status, **ctx)

    @post("/kb-analisten", include_in_schema=False)
    async def invite_analyst(self, request: Request, admin: Who) -> Response:
        email = (await inviting.form_values(request)).get("email", "")
        outcome = await inviting.invite(request, admin, email, Role.KB_ANALYST)
        if outcome.error:
            return await self._analysts(
                request, 422, invite_error=outcome.error, invite_values=outcome.values
            )
        return see_other(f"/beheer/kb-analisten?melding={outcome.code}")

    @post(
        "/bibliotheken/{tenant_id:uuid}/uitnodigingen/{invitation_id:uuid}/opnieuw", include_in_schema=False
    )
    async def resend_library(
        self, request: Request, admin: Who, tenant_id: UUID, invitation_id: UUID
    ) -> Response:
        return await self._resend(request, admin, invitation_id, tenant_id)

    @post("/uitnodigingen/{invitation_id:uuid}/opnieuw", include_in_schema=False)
    async def resend(self, request: Request, admin: Who, invitation_id: UUID) -> Response:
        """POI advisers and KB analysts: a library's invitation is under its tenant policy (resend_library)."""
        return await self._resend(request, admin, invitation_id, None)

    async def _resend(
        self, request: Request, admin: Who, invitation_id: UUID, tenant_id: UUID | None
    ) -> Response:
        try:
            inv = await inviting.invitations(request).get(invitation_id, tenant_id)
        except DomainError:
            raise NotFoundException() from None
        outcome = await inviting.renew(request, admin, inv)
        back = (
            f"/beheer/bibliotheken/{inv.tenant_id}"
            if inv.tenant_id
            else f"/beheer/pois/{inv.poi_id}"
            if inv.poi_id
            else "/beheer/kb-analisten"
        )
        if outcome.error:
            raise outcome.error
        return see_other(f"{back}?melding={outcome.code}")

    @post("/gebruikers/{user_id:uuid}/{action:str}", include_in_schema=False)
    async def change_user(self, request: Request, admin: Who, user_id: UUID, action: str) -> Response:
        if action not in ("deactiveren", "heractiveren", "deblokkeren"):
            raise NotFoundException()
        back = (await inviting.form_values(request)).get("terug", "")
        if not _BACK.fullmatch(back):
            back = "/beheer"
        if action == "deblokkeren":
            await _staff(request).unlock(admin.user_id, user_id)
            return see_other(f"{back}?melding=gebruiker-gedeblokkeerd")
        await _staff(request).set_active(admin.user_id, user_id, action == "heractiveren")
        code = "gebruiker-heractiveerd" if action == "heractiveren" else "gebruiker-gedeactiveerd"
        return see_other(f"{back}?melding={code}")

    @get("/wijzigingen", include_in_schema=False)
    async def changes(self, request: Request, admin: Who) -> Template:
        changes = await admin_audit.recent(request.app.state.services.container.db, 200)
        return page(request, "admin/changes.html.j2", changes=changes)
