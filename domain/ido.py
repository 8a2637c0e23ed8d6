"""The IDO location aggregate (stream `ido-<location id>`): registration and planning."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

import msgspec

from domain.errors import DomainError


class Variant(StrEnum):
    BASIS = "basis"
    ALTIJD_BESCHIKBAAR = "altijd_beschikbaar"
    BREDE_DIENSTVERLENING = "brede_dienstverlening"


VARIANT_LABELS = {
    Variant.BASIS: "Basis",
    Variant.ALTIJD_BESCHIKBAAR: "Altijd beschikbaar",
    Variant.BREDE_DIENSTVERLENING: "Brede dienstverlening",
}


class IdoRegistered(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    location_id: UUID
    name: str
    branch: str
    variant: Variant
    inside_library: bool
    subsidy_year: int
    planned_opening: date


class RegisterIdo(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: UUID
    location_id: UUID
    name: str
    branch: str
    variant: Variant
    inside_library: bool
    subsidy_year: int
    planned_opening: date


def stream_id(location_id: UUID) -> str:
    return f"ido-{location_id}"


def register(cmd: RegisterIdo, today: date) -> list[msgspec.Struct]:
    """Decide the registration of a new IDO location.

    Raises:
        DomainError: a name or branch missing, or a subsidy year far from the planned opening.
    """
    if not cmd.name.strip():
        raise DomainError("Geef het IDO een naam.", field="name")
    if not cmd.branch.strip():
        raise DomainError("Geef de vestiging op waar het IDO zit.", field="branch")
    if not 2019 <= cmd.subsidy_year <= today.year + 5:
        raise DomainError(f"Het subsidiejaar {cmd.subsidy_year} is niet geldig.", field="subsidy_year")
    return [
        IdoRegistered(
            location_id=cmd.location_id,
            name=cmd.name.strip(),
            branch=cmd.branch.strip(),
            variant=cmd.variant,
            inside_library=cmd.inside_library,
            subsidy_year=cmd.subsidy_year,
            planned_opening=cmd.planned_opening,
        )
    ]
