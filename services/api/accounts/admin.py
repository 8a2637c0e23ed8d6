"""Platform admin (/beheer/…): POIs and libraries (create, edit, webhook secrets, deactivate), inviting a
library's coordinator, a POI's advisers and KB analysts, and the log of these changes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template

from domain.accounts import Role, check_email
from domain.errors import DomainError
from domain.onboarding import PROVINCES
from domain.ports import Clock
from infra.platform import admin_audit
from infra.platform.accounts import Accounts
from infra.platform.invitations import Invitations
from infra.platform.organisations import Organisations
from infra.platform.staff import Staff
from infra.store.db import Database
from services.api.accounts import inviting
from services.api.accounts.inviting import Inviter
from services.api.scope import PLATFORM_ADMINS
from services.api.web import Who, page, require_who, see_other

NOTICES = {
    **inviting.NOTICES,
    "aangemaakt": "Aangemaakt.",
    "aangemaakt-uitgenodigd": "De bibliotheek is aangemaakt en de coördinator heeft een uitnodiging gekregen.",
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


def _coordinator_email(value: str) -> str:
    try:
        return check_email(value)
    except DomainError as err:
        raise DomainError(err.message, field="coordinator_email") from None


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("melding", ""))


@dataclass(frozen=True)
class Pages:
    """What the admin's pages show and change: organisations, their people and invitations."""

    orgs: Organisations
    staff: Staff
    invitations: Invitations
    inviter: Inviter
    clock: Clock

    def _people(self, people: list, pending: list) -> dict[str, Any]:
        """Who has access and who is invited, with the invitation form's state."""
        return {
            "people": people,
            "pending": pending,
            "now": self.clock(),
            "invite_error": None,
            "message": None,
        }

    async def pois(self, request: Request, status: int = 200, **extra: Any) -> Template:
        ctx = {"pois": await self.orgs.pois(), "provinces": PROVINCES, "error": None, "values": {}, **extra}
        return page(request, "admin/pois.html.j2", status=status, **ctx)

    async def poi(self, request: Request, poi_id: UUID, status: int = 200, **extra: Any) -> Template:
        poi = await self.orgs.poi(poi_id)
        ctx = {
            "poi": poi,
            "values": {**poi.__dict__, "provinces": list(poi.provinces)},
            "provinces": PROVINCES,
            "libraries": await self.orgs.libraries(poi_id),
            **self._people(
                await self.staff.of_poi([poi_id]), await self.invitations.pending(poi_ids=[poi_id])
            ),
            "secret": None,
            "error": None,
            **extra,
        }
        return page(request, "admin/poi.html.j2", status=status, **ctx)

    async def libraries(self, request: Request, status: int = 200, **extra: Any) -> Template:
        ctx = {
            "libraries": await self.orgs.libraries(),
            "pois": await self.orgs.pois(),
            "provinces": PROVINCES,
            "error": None,
            "values": {},
            **extra,
        }
        return page(request, "admin/libraries.html.j2", status=status, **ctx)

    async def library(self, request: Request, tenant_id: UUID, status: int = 200, **extra: Any) -> Template:
        lib = await self.orgs.library(tenant_id)
        ctx = {
            "lib": lib,
            "values": {
                **lib.__dict__,
                "municipalities": "\n".join(lib.municipalities),
                "poi_id": str(lib.poi_id),
            },
            "pois": await self.orgs.pois(),
            "provinces": PROVINCES,
            **self._people(
                await self.staff.of_library(tenant_id), await self.invitations.pending(tenant_id=tenant_id)
            ),
            "error": None,
            **extra,
        }
        return page(request, "admin/library.html.j2", status=status, **ctx)

    async def analysts(self, request: Request, status: int = 200, **extra: Any) -> Template:
        pending = await self.invitations.pending(role=Role.KB_ANALYST)
        ctx = {**self._people(await self.staff.kb_analysts(), pending), **extra}
        return page(request, "admin/analysts.html.j2", status=status, **ctx)


def pages(
    organisations: Organisations, staff: Staff, invitations: Invitations, inviter: Inviter, clock: Clock
) -> Pages:
    return Pages(organisations, staff, invitations, inviter, clock)


class AdminController(Controller):
    path = "/beheer"
    guards = [PLATFORM_ADMINS]
    dependencies = {
        "admin": Provide(require_who, sync_to_thread=False),
        "pages": Provide(pages, sync_to_thread=False),
    }

    # POIs

    @get("/pois", include_in_schema=False)
    async def pois(self, request: Request, admin: Who, pages: Pages) -> Template:
        return await pages.pois(request)

    @post("/pois", include_in_schema=False)
    async def create_poi(self, request: Request, admin: Who, pages: Pages) -> Response:
        values = await inviting.form_values(request)
        try:
            poi_id, secret = await pages.orgs.create_poi(
                admin.user_id, values.get("slug", "").strip(), values
            )
        except DomainError as err:
            return await pages.pois(request, 422, error=err, values=values)
        if secret:
            return await pages.poi(request, poi_id, secret=secret, message=NOTICES["aangemaakt"])
        return see_other(f"/beheer/pois/{poi_id}?melding=aangemaakt")

    @get("/pois/{poi_id:uuid}", include_in_schema=False)
    async def poi(self, request: Request, admin: Who, pages: Pages, poi_id: UUID) -> Template:
        return await pages.poi(request, poi_id, message=_notice(request))

    @post("/pois/{poi_id:uuid}", include_in_schema=False)
    async def update_poi(self, request: Request, admin: Who, pages: Pages, poi_id: UUID) -> Response:
        values = await inviting.form_values(request)
        try:
            secret = await pages.orgs.update_poi(admin.user_id, poi_id, values)
        except DomainError as err:
            return await pages.poi(request, poi_id, 422, error=err, values=values)
        if secret:
            return await pages.poi(request, poi_id, secret=secret, message=NOTICES["opgeslagen"])
        return see_other(f"/beheer/pois/{poi_id}?melding=opgeslagen")

    @post("/pois/{poi_id:uuid}/geheim", include_in_schema=False)
    async def renew_secret(self, request: Request, admin: Who, pages: Pages, poi_id: UUID) -> Template:
        """The answer shows the secret once (not a redirect: it never lands in a URL)."""
        secret = await pages.orgs.renew_secret(admin.user_id, poi_id)
        return await pages.poi(request, poi_id, secret=secret)

    @post("/pois/{poi_id:uuid}/uitnodigen", include_in_schema=False)
    async def invite_adviser(self, request: Request, admin: Who, pages: Pages, poi_id: UUID) -> Response:
        await pages.orgs.poi(poi_id)
        email = (await inviting.form_values(request)).get("email", "")
        outcome = await pages.inviter.invite(admin, email, Role.POI_ADVISER, poi_id=poi_id)
        if outcome.error:
            return await pages.poi(
                request, poi_id, 422, invite_error=outcome.error, invite_values=outcome.values
            )
        if outcome.shown:
            return await pages.poi(request, poi_id, shown=outcome.shown)
        return see_other(f"/beheer/pois/{poi_id}?melding={outcome.code}")

    # libraries

    @get("/bibliotheken", include_in_schema=False)
    async def libraries(self, request: Request, admin: Who, pages: Pages) -> Template:
        return await pages.libraries(request)

    @post("/bibliotheken", include_in_schema=False)
    async def create_library(self, request: Request, admin: Who, pages: Pages) -> Response:
        """Create a library and, when an address is given, invite its coordinator at once."""
        values = await inviting.form_values(request)
        coordinator = values.get("coordinator_email", "").strip()
        try:
            if coordinator:
                _coordinator_email(coordinator)
            tenant_id = await pages.orgs.create_library(admin.user_id, values.get("slug", "").strip(), values)
        except DomainError as err:
            return await pages.libraries(request, 422, error=err, values=values)
        if not coordinator:
            return see_other(f"/beheer/bibliotheken/{tenant_id}?melding=aangemaakt")
        outcome = await pages.inviter.invite(admin, coordinator, Role.COORDINATOR, tenant_id=tenant_id)
        if outcome.error:
            return await pages.library(
                request, tenant_id, 422, invite_error=outcome.error, invite_values=outcome.values
            )
        if outcome.shown:
            return await pages.library(request, tenant_id, shown=outcome.shown, message=NOTICES["aangemaakt"])
        return see_other(f"/beheer/bibliotheken/{tenant_id}?melding=aangemaakt-uitgenodigd")

    @get("/bibliotheken/{tenant_id:uuid}", include_in_schema=False)
    async def library(self, request: Request, admin: Who, pages: Pages, tenant_id: UUID) -> Template:
        return await pages.library(request, tenant_id, message=_notice(request))

    @post("/bibliotheken/{tenant_id:uuid}", include_in_schema=False)
    async def update_library(self, request: Request, admin: Who, pages: Pages, tenant_id: UUID) -> Response:
        values = await inviting.form_values(request)
        try:
            await pages.orgs.update_library(admin.user_id, tenant_id, values)
        except DomainError as err:
            return await pages.library(request, tenant_id, 422, error=err, values=values)
        return see_other(f"/beheer/bibliotheken/{tenant_id}?melding=opgeslagen")

    @get("/bibliotheken/{tenant_id:uuid}/deactiveren", include_in_schema=False)
    async def confirm_deactivate_library(
        self, request: Request, admin: Who, pages: Pages, tenant_id: UUID
    ) -> Template:
        """Asks first, on a page of its own: the confirmation works without JavaScript."""
        lib = await pages.orgs.library(tenant_id)
        back = f"/beheer/bibliotheken/{tenant_id}"
        return page(
            request,
            "confirm.html.j2",
            title=f"{lib.name} deactiveren?",
            explain=[
                "Na deactiveren kunnen de gebruikers van deze bibliotheek niet meer inloggen, ook niet met een "
                "API-token.",
                "Registraties en rapportages blijven bewaard; heractiveren kan altijd.",
            ],
            action=f"{back}/deactiveren",
            confirm="Ja, bibliotheek deactiveren",
            cancel=back,
        )

    @post("/bibliotheken/{tenant_id:uuid}/deactiveren", include_in_schema=False)
    async def deactivate_library(self, admin: Who, pages: Pages, tenant_id: UUID) -> Response:
        await pages.orgs.set_library_active(admin.user_id, tenant_id, False)
        return see_other(f"/beheer/bibliotheken/{tenant_id}?melding=gedeactiveerd")

    @post("/bibliotheken/{tenant_id:uuid}/heractiveren", include_in_schema=False)
    async def reactivate_library(self, admin: Who, pages: Pages, tenant_id: UUID) -> Response:
        await pages.orgs.set_library_active(admin.user_id, tenant_id, True)
        return see_other(f"/beheer/bibliotheken/{tenant_id}?melding=heractiveerd")

    @post("/bibliotheken/{tenant_id:uuid}/uitnodigen", include_in_schema=False)
    async def invite_coordinator(
        self,
        request: Request,
        admin: Who,
        pages: Pages,
        tenant_id: UUID,
    ) -> Response:
        await pages.orgs.library(tenant_id)
        email = (await inviting.form_values(request)).get("email", "")
        outcome = await pages.inviter.invite(admin, email, Role.COORDINATOR, tenant_id=tenant_id)
        if outcome.error:
            return await pages.library(
                request, tenant_id, 422, invite_error=outcome.error, invite_values=outcome.values
            )
        if outcome.shown:
            return await pages.library(request, tenant_id, shown=outcome.shown)
        return see_other(f"/beheer/bibliotheken/{tenant_id}?melding={outcome.code}")

    # KB analysts, invitations, the log

    @get("/kb-analisten", include_in_schema=False)
    async def analysts(self, request: Request, admin: Who, pages: Pages) -> Template:
        return await pages.analysts(request, message=_notice(request))

    @post("/kb-analisten", include_in_schema=False)
    async def invite_analyst(self, request: Request, admin: Who, pages: Pages) -> Response:
        email = (await inviting.form_values(request)).get("email", "")
        outcome = await pages.inviter.invite(admin, email, Role.KB_ANALYST)
        if outcome.error:
            return await pages.analysts(
                request, 422, invite_error=outcome.error, invite_values=outcome.values
            )
        if outcome.shown:
            return await pages.analysts(request, shown=outcome.shown)
        return see_other(f"/beheer/kb-analisten?melding={outcome.code}")

    @post(
        "/bibliotheken/{tenant_id:uuid}/uitnodigingen/{invitation_id:uuid}/opnieuw", include_in_schema=False
    )
    async def resend_library(
        self, request: Request, admin: Who, pages: Pages, tenant_id: UUID, invitation_id: UUID
    ) -> Response:
        return await _resend(request, admin, pages, invitation_id, tenant_id)

    @post("/uitnodigingen/{invitation_id:uuid}/opnieuw", include_in_schema=False)
    async def resend(self, request: Request, admin: Who, pages: Pages, invitation_id: UUID) -> Response:
        """POI advisers and KB analysts: a library's invitation is under its tenant policy (resend_library)."""
        return await _resend(request, admin, pages, invitation_id, None)

    @get("/gebruikers/{user_id:uuid}/{action:str}", include_in_schema=False)
    async def confirm_change_user(
        self, request: Request, admin: Who, accounts: Accounts, user_id: UUID, action: str
    ) -> Template:
        """Deactivating asks first, on a page of its own (the other actions need no confirmation)."""
        if action != "deactiveren":
            raise NotFoundException()
        back = request.query_params.get("terug", "")
        if not _BACK.fullmatch(back):
            back = "/beheer"
        user = await accounts.user_by_id(user_id)
        if user is None:
            raise NotFoundException()
        return page(
            request,
            "confirm.html.j2",
            title=f"Account van {user.email} deactiveren?",
            explain=[
                f"{user.email} wordt meteen overal uitgelogd en kan niet meer inloggen, in geen enkele "
                "bibliotheek of organisatie; API-tokens van dit account werken niet meer.",
                "De registraties blijven bewaard. U kunt het account later weer activeren.",
            ],
            action=f"/beheer/gebruikers/{user_id}/deactiveren",
            hidden={"terug": back},
            confirm="Ja, deactiveren",
            cancel=back,
        )

    @post("/gebruikers/{user_id:uuid}/{action:str}", include_in_schema=False)
    async def change_user(
        self, request: Request, admin: Who, staff: Staff, user_id: UUID, action: str
    ) -> Response:
        if action not in ("deactiveren", "heractiveren", "deblokkeren"):
            raise NotFoundException()
        back = (await inviting.form_values(request)).get("terug", "")
        if not _BACK.fullmatch(back):
            back = "/beheer"
        if action == "deblokkeren":
            await staff.unlock(admin.user_id, user_id)
            return see_other(f"{back}?melding=gebruiker-gedeblokkeerd")
        await staff.set_active(admin.user_id, user_id, action == "heractiveren")
        code = "gebruiker-heractiveerd" if action == "heractiveren" else "gebruiker-gedeactiveerd"
        return see_other(f"{back}?melding={code}")

    @get("/wijzigingen", include_in_schema=False)
    async def changes(self, request: Request, admin: Who, db: Database) -> Template:
        changes = await admin_audit.recent(db, 200)
        return page(request, "admin/changes.html.j2", changes=changes)


async def _resend(
    request: Request, admin: Who, pages: Pages, invitation_id: UUID, tenant_id: UUID | None
) -> Response:
    inv = await pages.invitations.get(invitation_id, tenant_id)
    outcome = await pages.inviter.renew(admin, inv)
    if outcome.shown:  # the mail failed: the new link, shown once on the page it was sent from
        if inv.tenant_id:
            return await pages.library(request, inv.tenant_id, shown=outcome.shown)
        if inv.poi_id:
            return await pages.poi(request, inv.poi_id, shown=outcome.shown)
        return await pages.analysts(request, shown=outcome.shown)
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
