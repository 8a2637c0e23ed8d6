"""The versioned list of Dutch gemeenten (CBS code, name, province) that an IDO location lies in.

A herindeling changes the list every year or so, so each list is a version (its year) with its source, like the
catalogue. A location's events keep the CBS code and the list version it was chosen from; the name and the
province are looked up in that version when read. A later list that renames a gemeente therefore shows the new
name only once the location is moved to that version (set its gemeente again). Pure: the lists are literals
(domain/gemeenten_data.py), built once."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from domain import gemeenten_data as data
from domain.errors import DomainError

NO_GEMEENTE = "Geen gemeente opgegeven"
CODE = re.compile(r"^GM\d{4}$")
# Names that libraries write for a gemeente whose CBS name differs (for the form's default only)
ALIASES = {"den haag": "'s-Gravenhage", "den bosch": "'s-Hertogenbosch"}


@dataclass(frozen=True, slots=True)
class Gemeente:
    code: str  # CBS code, GM and four digits
    name: str
    province: str  # spelled as domain.onboarding.PROVINCES


@dataclass(frozen=True)
class GemeenteList:
    """One version of the list. `get` raises DomainError (Dutch, field `gemeente`) for a code not in it."""

    version: str
    source: str
    gemeenten: tuple[Gemeente, ...]
    _index: dict[str, Gemeente] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {g.code: g for g in self.gemeenten}
        if len(index) != len(self.gemeenten) or not all(CODE.match(c) for c in index):
            raise ValueError(f"gemeente codes of list {self.version} are not unique CBS codes")
        object.__setattr__(self, "_index", index)

    def __contains__(self, code: object) -> bool:
        return code in self._index

    def get(self, code: str) -> Gemeente:
        try:
            return self._index[code]
        except KeyError:
            raise DomainError(
                f"Deze gemeentecode staat niet in de lijst van gemeenten ({self.version}). "
                "Kies een gemeente uit de lijst.",
                field="gemeente",
            ) from None

    def provinces(self) -> tuple[str, ...]:
        return tuple(sorted({g.province for g in self.gemeenten}))

    def by_province(self) -> list[tuple[str, tuple[Gemeente, ...]]]:
        """For a select: the provinces in alphabetical order, each with its gemeenten by name."""
        return [
            (p, tuple(sorted((g for g in self.gemeenten if g.province == p), key=_name_key)))
            for p in self.provinces()
        ]

    def matching(self, names: Iterable[str]) -> Gemeente | None:
        """The one gemeente whose name a library wrote among `names` (its free-text municipalities, any case,
        with or without "gemeente"), or None when none or more than one match."""
        by_name = {g.name.casefold(): g for g in self.gemeenten}
        found = {by_name[key].code: by_name[key] for name in names if (key := _written(name)) in by_name}
        return next(iter(found.values())) if len(found) == 1 else None


def _name_key(g: Gemeente) -> str:
    return g.name.lstrip("'").casefold()


def _written(name: str) -> str:
    key = " ".join(name.split()).casefold().removeprefix("gemeente ").strip()
    return ALIASES.get(key, key).casefold()


LISTS = {
    version: GemeenteList(version, source, tuple(Gemeente(*row) for row in rows))
    for version, (source, rows) in data.LISTS.items()
}
CURRENT = LISTS[data.CURRENT]


def lookup(code: str | None, version: str | None) -> Gemeente | None:
    """The gemeente a location's events name (code and list version), or None: no gemeente given, or one that
    no list holds (which a decision never lets through)."""
    if not code or not version or version not in LISTS or code not in LISTS[version]:
        return None
    return LISTS[version].get(code)
