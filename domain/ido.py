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


class Slot(msgspec.Struct, frozen=True, kw_only=True):
    """One opening period on a weekday (0 = Monday), local time, as "HH:MM"."""

    weekday: int
    opens: str
    closes: str

    def minutes(self) -> tuple[int, int]:
        return _minutes(self.opens), _minutes(self.closes)


class OpeningHoursSet(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    location_id: UUID
    slots: tuple[Slot, ...]
    holidays: tuple[date, ...] = ()


WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def _minutes(hhmm: str) -> int:
    try:
        h, m = hhmm.split(":")
        value = int(h) * 60 + int(m)
    except ValueError:
        raise DomainError(
            f"'{hhmm}' is geen tijd; schrijf uu:mm, bijvoorbeeld 09:30.", field="slots"
        ) from None
    if not (len(h) == 2 and len(m) == 2 and 0 <= int(m) < 60 and 0 <= value <= 24 * 60):
        raise DomainError(f"'{hhmm}' is geen tijd; schrijf uu:mm, bijvoorbeeld 09:30.", field="slots")
    return value


def set_opening_hours(location_id: UUID, slots: list[Slot], holidays: list[date]) -> list[msgspec.Struct]:
    """Raises: DomainError for a time that is not uu:mm, a slot that closes before it opens, or two slots of
    one day that overlap."""
    for s in slots:
        if not 0 <= s.weekday <= 6:
            raise DomainError("Kies een dag van de week.", field="slots")
        start, end = s.minutes()
        if end <= start:
            raise DomainError(
                f"Op {WEEKDAYS[s.weekday]} sluit {s.opens}–{s.closes} niet na de opening.", field="slots"
            )
    ordered = sorted(slots, key=lambda s: (s.weekday, s.minutes()))
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.weekday == b.weekday and b.minutes()[0] < a.minutes()[1]:
            raise DomainError(
                f"Op {WEEKDAYS[a.weekday]} overlappen {a.opens}–{a.closes} en {b.opens}–{b.closes}.",
                field="slots",
            )
    return [
        OpeningHoursSet(location_id=location_id, slots=tuple(ordered), holidays=tuple(sorted(set(holidays))))
    ]
