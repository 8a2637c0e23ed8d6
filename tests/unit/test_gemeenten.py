"""The list of gemeenten, version 2025: its size, its provinces, its codes, a few known rows, the lookups."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from domain import gemeenten
from domain.errors import DomainError
from domain.onboarding import PROVINCES

LIST = gemeenten.LISTS["2025"]


def test_the_2025_list_holds_the_342_gemeenten_of_cbs_with_the_count_per_province():
    assert gemeenten.CURRENT is LIST and LIST.version == "2025"
    assert len(LIST.gemeenten) == 342
    assert Counter(g.province for g in LIST.gemeenten) == {
        "Groningen": 10,
        "Fryslân": 18,
        "Drenthe": 12,
        "Overijssel": 25,
        "Flevoland": 6,
        "Gelderland": 51,
        "Utrecht": 26,
        "Noord-Holland": 44,
        "Zuid-Holland": 50,
        "Zeeland": 13,
        "Noord-Brabant": 56,
        "Limburg": 31,
    }
    assert set(LIST.provinces()) == set(PROVINCES)  # spelled as the onboarding spells them


def test_codes_are_unique_cbs_codes():
    codes = [g.code for g in LIST.gemeenten]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"GM\d{4}", c) for c in codes)


@pytest.mark.parametrize(
    "code, name, province",
    [
        ("GM0363", "Amsterdam", "Noord-Holland"),
        ("GM1992", "Voorne aan Zee", "Zuid-Holland"),
        ("GM0080", "Leeuwarden", "Fryslân"),
        ("GM0518", "'s-Gravenhage", "Zuid-Holland"),
    ],
)
def test_known_rows(code, name, province):
    assert LIST.get(code) == gemeenten.Gemeente(code, name, province)


@pytest.mark.parametrize(
    "gone", ["GM0457", "GM0501", "GM0530", "GM0614"]
)  # Weesp; Brielle, Hellevoetsluis, Westvoorne
def test_the_herindelingen_since_2022_are_in(gone):
    assert gone not in LIST


@pytest.mark.parametrize("code", ["GM9999", "gm0363", "0363", "", "Amsterdam"])
def test_a_code_not_in_the_list_is_a_dutch_error_naming_the_field(code):
    with pytest.raises(DomainError) as e:
        LIST.get(code)
    assert e.value.field == "gemeente"
    assert "staat niet in de lijst van gemeenten (2025)" in e.value.message


def test_lookup_reads_a_code_in_the_version_its_event_names():
    assert gemeenten.lookup("GM0363", "2025").name == "Amsterdam"
    assert gemeenten.lookup(None, None) is None
    assert gemeenten.lookup("GM0363", "1999") is None
    assert gemeenten.lookup("GM9999", "2025") is None


def test_a_list_with_a_double_or_malformed_code_is_refused():
    g = gemeenten.Gemeente("GM0001", "A", "Utrecht")
    with pytest.raises(ValueError):
        gemeenten.GemeenteList("x", "test", (g, g))
    with pytest.raises(ValueError):
        gemeenten.GemeenteList("x", "test", (gemeenten.Gemeente("0001", "A", "Utrecht"),))


def test_by_province_groups_every_gemeente_once_by_name():
    groups = LIST.by_province()
    assert [p for p, _ in groups] == sorted(PROVINCES)
    assert sum(len(gs) for _, gs in groups) == 342
    zh = dict(groups)["Zuid-Holland"]
    assert zh[0].name == "Alblasserdam" and any(g.name == "'s-Gravenhage" for g in zh)


@pytest.mark.parametrize(
    "names, code",
    [
        (("Leeuwarden",), "GM0080"),
        (("  gemeente  leeuwarden ",), "GM0080"),
        (("Den Haag",), "GM0518"),
        (("Leeuwarden", "Nergenshuizen"), "GM0080"),
        (("Leeuwarden", "Harlingen"), None),  # two match: no default
        (("Nergenshuizen",), None),
        ((), None),
    ],
)
def test_the_default_is_the_one_gemeente_the_library_names(names, code):
    found = LIST.matching(names)
    assert (found.code if found else None) == code
