"""The KB's own form: the "KB-outputregistratie" of an IDO, per location per quarter, filled from the counts of
the read models and mapped from the versioned catalogue (docs/kb-outputregistratie.md documents the mapping).

A coordinator copies it into the KB's web form (the KB takes no data from other systems), so the fields follow
the form's order and wording: visitors; questions about digital government, the library and other; questions
per NPD party; referrals; inside or outside the library and the gemeente. Every count lands in a field: a kind or a party that
the mapping does not know (a code of an older catalogue version) goes to "Overige vragen" or "Onbekende
partij", never out of the totals. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from domain.catalogue import Catalogue
from domain.errors import DomainError
from domain.gemeenten import NO_GEMEENTE
from domain.report import Period

VISITORS = "Aantal bezoekers"
QUESTIONS = "Aantal vragen (totaal)"
LOCATION = "IDO-locatie"
QUARTER = "Kwartaal"
INSIDE = "Binnen of buiten de bibliotheek"
GEMEENTE = "Gemeente"
GEMEENTE_CODE = "Gemeentecode (CBS)"
PROVINCE = "Provincie"
UNKNOWN_PARTY = "Onbekende partij"
UNKNOWN_LOCATION = "Onbekende locatie"
INSIDE_LABELS = {True: "Binnen de bibliotheek", False: "Buiten de bibliotheek", None: "Onbekend"}


@dataclass(frozen=True)
class Mapping:
    """How one catalogue version's codes fill the form: kind of question → field, help code → referral field.
    The party fields are the catalogue's own KB categories (Party.kb_category), in the desk's order."""

    catalogue_version: str
    form_version: str
    kinds: tuple[tuple[str, str], ...]
    other_kind_field: str
    referrals: tuple[tuple[str, str], ...]


MAPPINGS = {
    "2026.1": Mapping(
        catalogue_version="2026.1",
        form_version="KB-IDO-registratie 2026",
        kinds=(
            ("digitale_overheid", "Vragen over de digitale overheid"),
            ("bibliotheekdienst", "Vragen over de bibliotheek"),
            ("overig", "Overige vragen"),
        ),
        other_kind_field="Overige vragen",
        referrals=(
            ("lokale_partner", "Doorverwezen naar een lokale partner"),
            ("klantenservice", "Doorverwezen naar de klantenservice van de dienstverlener"),
        ),
    ),
}


def mapping_for(catalogue: Catalogue) -> Mapping:
    """Raises: DomainError when the catalogue version has no mapping (a new version needs one, see docs)."""
    try:
        return MAPPINGS[catalogue.version]
    except KeyError:
        raise DomainError(
            f"Voor catalogusversie {catalogue.version} is nog geen KB-outputregistratie vastgelegd."
        ) from None


def party_label(kb_category: str) -> str:
    return f"Vragen per NPD-partij: {kb_category}"


def party_fields(catalogue: Catalogue) -> list[str]:
    """The KB categories of the parties, once each, in the desk's order."""
    out: list[str] = []
    for p in catalogue.active_parties():
        if p.kb_category not in out:
            out.append(p.kb_category)
    return out


def field_labels(catalogue: Catalogue) -> list[str]:
    """Every field of the form, in the form's order."""
    m = mapping_for(catalogue)
    kinds = list(dict.fromkeys(label for _, label in m.kinds))
    return [
        LOCATION,
        QUARTER,
        INSIDE,
        GEMEENTE,
        GEMEENTE_CODE,
        PROVINCE,
        VISITORS,
        QUESTIONS,
        *kinds,
        *(party_label(c) for c in party_fields(catalogue)),
        party_label(UNKNOWN_PARTY),
        *(label for _, label in m.referrals),
    ]


@dataclass(frozen=True)
class Location:
    location_id: UUID
    name: str
    inside_library: bool | None
    gemeente: str | None = None  # CBS code; None: not given (or an unknown location)
    gemeente_name: str | None = None
    gemeente_province: str | None = None

    @property
    def gemeente_label(self) -> str:
        if self.gemeente:
            return self.gemeente_name or self.gemeente
        return "Onbekend" if self.inside_library is None else NO_GEMEENTE


@dataclass(frozen=True)
class CountRow:
    """Questions of one quarter × location × party × kind × help (rm_question_counts_v1 summed)."""

    quarter: int
    location_id: UUID
    npd_party: str
    kind: str
    help: str
    n: int


@dataclass(frozen=True)
class VisitorRow:
    quarter: int
    location_id: UUID
    visitors: int


@dataclass(frozen=True)
class Form:
    """One filled form: a location in a quarter, its fields in the form's order."""

    location: Location
    year: int
    quarter: int
    fields: tuple[tuple[str, str | int], ...]

    @property
    def title(self) -> str:
        return f"{self.location.name} – kwartaal {self.quarter} {self.year}"

    def value(self, label: str) -> str | int:
        return dict(self.fields)[label]


def quarters(period: Period) -> list[int]:
    return [period.quarter] if period.quarter else [1, 2, 3, 4]


def fill(
    catalogue: Catalogue,
    period: Period,
    locations: Iterable[Location],
    visitors: Iterable[VisitorRow],
    counts: Iterable[CountRow],
) -> list[Form]:
    """One form per location per quarter of the period: every known location (zeros where nothing was
    registered), and a location that only the counts name as "Onbekende locatie" (never dropped)."""
    m = mapping_for(catalogue)
    kind_field = dict(m.kinds)
    referral_field = dict(m.referrals)
    labels = field_labels(catalogue)
    known = {loc.location_id: loc for loc in locations}
    visitors, counts = list(visitors), list(counts)
    for loc_id in {r.location_id for r in (*visitors, *counts)} - known.keys():
        known[loc_id] = Location(loc_id, f"{UNKNOWN_LOCATION} ({str(loc_id)[:8]})", None)
    figures: dict[tuple[UUID, int], dict[str, int]] = {}

    def add(loc_id: UUID, quarter: int, label: str, n: int) -> None:
        cell = figures.setdefault((loc_id, quarter), {})
        cell[label] = cell.get(label, 0) + n

    for v in visitors:
        add(v.location_id, v.quarter, VISITORS, v.visitors)
    for c in counts:
        add(c.location_id, c.quarter, QUESTIONS, c.n)
        add(c.location_id, c.quarter, kind_field.get(c.kind, m.other_kind_field), c.n)
        add(c.location_id, c.quarter, party_label(_party_category(catalogue, c.npd_party)), c.n)
        if c.help in referral_field:
            add(c.location_id, c.quarter, referral_field[c.help], c.n)
    forms = []
    for loc in sorted(known.values(), key=lambda x: (x.name.casefold(), str(x.location_id))):
        for q in quarters(period):
            got = figures.get((loc.location_id, q), {})
            head: dict[str, str | int] = {
                LOCATION: loc.name,
                QUARTER: f"{q}e kwartaal {period.year}",
                INSIDE: INSIDE_LABELS[loc.inside_library],
                GEMEENTE: loc.gemeente_label,
                GEMEENTE_CODE: loc.gemeente or "",
                PROVINCE: loc.gemeente_province or "",
            }
            fields = tuple((label, head[label] if label in head else got.get(label, 0)) for label in labels)
            forms.append(Form(loc, period.year, q, fields))
    return forms


def _party_category(catalogue: Catalogue, code: str) -> str:
    try:
        return catalogue.party(code).kb_category
    except DomainError:
        return UNKNOWN_PARTY
