"""Rules for onboarding POIs and libraries and for letting people in: provinces, webhook addresses,
municipalities, who may invite whom, the lifetime of links, and whom a coordinator may deactivate."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit
from uuid import UUID

from domain.accounts import TENANT_ROLES, Role, check_password
from domain.errors import DomainError

PROVINCES = (
    "Drenthe",
    "Flevoland",
    "Fryslân",
    "Gelderland",
    "Groningen",
    "Limburg",
    "Noord-Brabant",
    "Noord-Holland",
    "Overijssel",
    "Utrecht",
    "Zeeland",
    "Zuid-Holland",
)
API_TOKEN_ROLES = frozenset({Role.COORDINATOR, Role.KB_ANALYST})  # who may hold API tokens
INVITATION_VALID = timedelta(days=7)
RESET_VALID = timedelta(hours=1)
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_SPLIT = re.compile(r"[\n,;]+")


class MembershipLike(Protocol):
    role: Role
    tenant_id: UUID | None
    poi_id: UUID | None


def check_provinces(values: Iterable[str]) -> tuple[str, ...]:
    chosen = set(values)
    unknown = chosen - set(PROVINCES)
    if unknown:
        raise DomainError("Kies alleen provincies uit de lijst.", field="provinces")
    return tuple(p for p in PROVINCES if p in chosen)


def check_province(value: str) -> str | None:
    if not value:
        return None
    if value not in PROVINCES:
        raise DomainError("Kies een provincie uit de lijst.", field="province")
    return value


def check_webhook_url(url: str) -> str | None:
    """An https address; plain http only to this machine (for testing a receiver)."""
    url = url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    local_http = parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS
    if len(url) > 500 or not parts.hostname or (parts.scheme != "https" and not local_http):
        raise DomainError(
            "Een webhookadres begint met https:// en bevat een geldige servernaam.", field="webhook_url"
        )
    return url


def parse_municipalities(text: str) -> tuple[str, ...]:
    """One municipality per line (commas and semicolons also separate); doubles are dropped."""
    seen: dict[str, None] = {}
    for part in _SPLIT.split(text):
        name = " ".join(part.split())
        if name:
            if len(name) > 100:
                raise DomainError("Een gemeentenaam heeft hoogstens 100 tekens.", field="municipalities")
            seen.setdefault(name, None)
    if len(seen) > 100:
        raise DomainError("Geef hoogstens 100 gemeenten op.", field="municipalities")
    return tuple(seen)


def may_invite(
    inviter: Iterable[MembershipLike], role: Role, tenant_id: UUID | None, poi_id: UUID | None
) -> bool:
    """A coordinator invites desk staff and coordinators of their own library; a POI adviser colleagues of
    their own POI; the platform admin a library's coordinator, POI advisers and KB analysts."""
    for m in inviter:
        if m.role == Role.COORDINATOR and role in TENANT_ROLES and tenant_id == m.tenant_id and not poi_id:
            return True
        if m.role == Role.POI_ADVISER and role == Role.POI_ADVISER and poi_id == m.poi_id and not tenant_id:
            return True
        if m.role == Role.PLATFORM_ADMIN and (
            (role == Role.COORDINATOR and tenant_id and not poi_id)
            or (role == Role.POI_ADVISER and poi_id and not tenant_id)
            or (role == Role.KB_ANALYST and not tenant_id and not poi_id)
        ):
            return True
    return False


def check_may_invite(
    inviter: Iterable[MembershipLike], role: Role, tenant_id: UUID | None, poi_id: UUID | None
) -> None:
    if not may_invite(inviter, role, tenant_id, poi_id):
        raise DomainError("U mag voor deze rol hier niemand uitnodigen.", field="role")


class LinkState(StrEnum):
    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


def link_state(
    used_at: datetime | None, expires_at: datetime, now: datetime, revoked_at: datetime | None = None
) -> LinkState:
    if used_at is not None:
        return LinkState.USED
    if revoked_at is not None:
        return LinkState.REVOKED
    if expires_at <= now:
        return LinkState.EXPIRED
    return LinkState.OPEN


def check_may_deactivate(
    actor_id: UUID, target_id: UUID, target: Iterable[MembershipLike], tenant_id: UUID
) -> None:
    """A coordinator switches off only accounts that belong to their library alone, and never their own."""
    if actor_id == target_id:
        raise DomainError("U kunt uw eigen account niet deactiveren.")
    memberships = list(target)
    if not any(m.tenant_id == tenant_id for m in memberships):
        raise DomainError("Deze gebruiker hoort niet bij uw bibliotheek.")
    if any(m.tenant_id != tenant_id for m in memberships):
        raise DomainError(
            "Deze gebruiker werkt ook voor een andere bibliotheek of organisatie; "
            "vraag de platformbeheerder om het account te (de)activeren."
        )


def check_new_password(password: str, repeat: str, current: str | None = None) -> str:
    if password != repeat:
        raise DomainError("De twee wachtwoorden zijn niet gelijk.", field="password")
    if current is not None and password == current:
        raise DomainError("Kies een ander wachtwoord dan uw huidige.", field="password")
    return check_password(password)
