"""Roles, scopes and the rules for slugs, e-mail addresses and passwords."""

from __future__ import annotations

import re
from enum import StrEnum

from domain.common_passwords import COMMON_PASSWORDS
from domain.errors import DomainError


class Role(StrEnum):
    DESK = "desk"
    COORDINATOR = "coordinator"
    POI_ADVISER = "poi_adviser"
    KB_ANALYST = "kb_analyst"
    PLATFORM_ADMIN = "platform_admin"


ROLE_LABELS = {
    Role.DESK: "Baliemedewerker",
    Role.COORDINATOR: "Coördinator",
    Role.POI_ADVISER: "POI-adviseur",
    Role.KB_ANALYST: "KB-analist",
    Role.PLATFORM_ADMIN: "Platformbeheerder",
}
ROLE_NOUNS = {  # the role inside a sentence: "uitgenodigd als coördinator"
    Role.DESK: "baliemedewerker",
    Role.COORDINATOR: "coördinator",
    Role.POI_ADVISER: "POI-adviseur",
    Role.KB_ANALYST: "KB-analist",
    Role.PLATFORM_ADMIN: "platformbeheerder",
}
TENANT_ROLES = frozenset({Role.DESK, Role.COORDINATOR})
POI_ROLES = frozenset({Role.POI_ADVISER})

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD_LENGTH = 12


def check_slug(slug: str) -> str:
    if not _SLUG.fullmatch(slug):
        raise DomainError(
            f"{slug!r} is geen geldige korte naam: gebruik 2 tot 63 kleine letters, cijfers of streepjes.",
            field="slug",
        )
    return slug


def check_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.fullmatch(email) or len(email) > 254:
        raise DomainError(f"{email!r} is geen geldig e-mailadres.", field="email")
    return email


def check_name(name: str, what: str) -> str:
    name = name.strip()
    if not name:
        raise DomainError(f"Geef {what} een naam.", field="name")
    if len(name) > 200:
        raise DomainError("Een naam heeft hoogstens 200 tekens.", field="name")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens.", field="password")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        raise DomainError(
            "Dit wachtwoord is te gangbaar en makkelijk te raden; kies een ander.", field="password"
        )
    return password


def check_scope(role: Role, tenant: str | None, poi: str | None) -> None:
    """A desk or coordinator belongs to a library, a POI adviser to a POI, the others to neither."""
    if role in TENANT_ROLES and (not tenant or poi):
        raise DomainError(f"De rol {role.value} hoort bij een bibliotheek: geef --tenant op (en geen --poi).")
    if role in POI_ROLES and (not poi or tenant):
        raise DomainError(f"De rol {role.value} hoort bij een POI: geef --poi op (en geen --tenant).")
    if role not in TENANT_ROLES | POI_ROLES and (tenant or poi):
        raise DomainError(f"De rol {role.value} hoort niet bij een bibliotheek of POI.")
