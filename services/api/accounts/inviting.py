"""Sending an invitation from any of the three places that invite (library, POI, platform admin): store it,
mail the link, and say in Dutch what happened. Also the form reading every controller of these pages shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from litestar import Request

from domain.accounts import Role
from domain.errors import DomainError
from domain.ports import Clock
from infra.notify import account_mail
from infra.notify.mail import MailError
from infra.platform.invitations import Invitation, Invitations
from infra.settings import Settings
from services.api.web import Who

log = structlog.get_logger()


@dataclass(frozen=True)
class LinkToPass:
    """An invitation whose e-mail could not be sent: its link, shown once to the inviter to pass on (never in a
    URL, a log or the database: only its hash is stored). It expires like the mailed one."""

    email: str
    link: str
    expires_at: datetime


@dataclass(frozen=True)
class Outcome:
    """What to tell: `message` to an HTMX request, `code` in the redirect of a plain form (PRG). With `shown`
    the page is answered directly (no redirect: the link must not land in a URL or the history)."""

    code: str | None = None
    message: str | None = None
    error: DomainError | None = None
    values: dict[str, str] | None = None  # what was typed, to show again with the error
    shown: LinkToPass | None = None


NOTICES = {
    "uitgenodigd": "De uitnodiging is verstuurd.",
    "opnieuw": "Er is een nieuwe uitnodiging verstuurd; de vorige link werkt niet meer.",
}


async def form_values(request: Request) -> dict[str, Any]:
    """Single values as text (the first, if repeated); provinces as a list (checkboxes)."""
    form = await request.form()
    values: dict[str, Any] = {k: str(form.get(k) or "") for k in form.keys()}
    values["provinces"] = [str(v) for v in form.getall("provinces")] if "provinces" in form else []
    return values


def role_from(value: str, allowed: tuple[Role, ...]) -> Role:
    try:
        role = Role(value)
    except ValueError:
        role = None
    if role not in allowed:
        raise DomainError("Kies een rol uit de lijst.", field="role")
    return role


@dataclass(frozen=True)
class Inviter:
    """Invitations sent, and sent again, by whoever may invite (the rules are infra.platform.invitations')."""

    invitations: Invitations
    clock: Clock
    settings: Settings

    async def invite(
        self,
        who: Who,
        email: str,
        role: Role,
        *,
        tenant_id: UUID | None = None,
        poi_id: UUID | None = None,
    ) -> Outcome:
        try:
            inv, token = await self.invitations.create(
                who.user_id,
                who.user.memberships,
                email,
                role,
                tenant_id=tenant_id,
                poi_id=poi_id,
                now=self.clock(),
            )
        except DomainError as err:
            return Outcome(error=err, values={"email": email, "role": role.value})
        return await self._mail(
            who, inv, token, "uitgenodigd", f"De uitnodiging aan {inv.email} is verstuurd."
        )

    async def renew(self, who: Who, invitation: Invitation) -> Outcome:
        try:
            inv, token = await self.invitations.renew(
                who.user_id,
                who.user.memberships,
                invitation.invitation_id,
                self.clock(),
                invitation.tenant_id,
            )
        except DomainError as err:
            return Outcome(error=err)
        message = f"Er is een nieuwe uitnodiging naar {inv.email} verstuurd; de vorige link werkt niet meer."
        return await self._mail(who, inv, token, "opnieuw", message)

    async def _mail(self, who: Who, inv: Invitation, token: str, code: str, message: str) -> Outcome:
        """Mail the link; when that fails, the link for the inviter to pass on. The audit log says which."""
        try:
            await account_mail.send_invitation(self.settings, inv, token)
        except MailError as exc:
            log.warning(
                "invitation mail not sent", invitation_id=str(inv.invitation_id), error=type(exc).__name__
            )
            await self.invitations.record_delivery(who.user_id, inv, "link_shown")
            link = account_mail.link(self.settings, "uitnodiging", token)
            return Outcome(shown=LinkToPass(inv.email, link, inv.expires_at))
        await self.invitations.record_delivery(who.user_id, inv, "mailed")
        return Outcome(code=code, message=message)
