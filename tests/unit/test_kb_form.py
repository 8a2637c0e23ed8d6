"""The KB-outputregistratie's mapping: which counts fill which field of the KB's form, per location per quarter."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain import kb_form
from domain.catalogue import CATALOGUE, Catalogue
from domain.errors import DomainError
from domain.report import Period

INSIDE, OUTSIDE, GONE = uuid4(), uuid4(), uuid4()
LOCATIONS = [kb_form.Location(INSIDE, "IDO Centrale", True), kb_form.Location(OUTSIDE, "IDO Wijkpunt", False)]


def count(quarter, loc, party, kind="digitale_overheid", help_="wegwijzer", n=1):
    return kb_form.CountRow(quarter, loc, party, kind, help_, n)


def test_every_catalogue_version_in_use_has_a_mapping_of_its_own_codes():
    m = kb_form.mapping_for(CATALOGUE)
    assert m.catalogue_version == CATALOGUE.version
    assert m.form_version == CATALOGUE.kb_form_version
    assert {code for code, _ in m.kinds} == {o.code for o in CATALOGUE.question_kinds}
    assert {code for code, _ in m.referrals} <= {o.code for o in CATALOGUE.help_kinds}
    assert "lokale_partner" in dict(m.referrals)


def test_a_catalogue_version_without_a_mapping_is_a_clear_error():
    newer = Catalogue(**{**_fields(CATALOGUE), "version": "2099.1"})
    with pytest.raises(DomainError, match="catalogusversie 2099.1"):
        kb_form.mapping_for(newer)


def _fields(c: Catalogue) -> dict:
    names = ("version", "kb_form_version", "parties", "question_kinds", "help_kinds", "channels", "durations")
    return {n: getattr(c, n) for n in (*names, "partner_kinds", "extra_party_codes")}


def test_the_fields_follow_the_form_and_every_party_category_appears_once():
    labels = kb_form.field_labels(CATALOGUE)
    assert labels[:8] == [
        kb_form.LOCATION,
        kb_form.QUARTER,
        kb_form.INSIDE,
        kb_form.GEMEENTE,
        kb_form.GEMEENTE_CODE,
        kb_form.PROVINCE,
        kb_form.VISITORS,
        kb_form.QUESTIONS,
    ]
    assert labels[8:11] == [
        "Vragen over de digitale overheid",
        "Vragen over de bibliotheek",
        "Overige vragen",
    ]
    assert len(labels) == len(set(labels))
    parties = [x for x in labels if x.startswith("Vragen per NPD-partij: ")]
    assert "Vragen per NPD-partij: Belastingdienst/Toeslagen" in parties
    assert (
        "Vragen per NPD-partij: Overige NPD-partij (nog niet aangesloten)" in parties
    )  # five parties, one field
    assert labels[-2:] == [
        "Doorverwezen naar een lokale partner",
        "Doorverwezen naar de klantenservice van de dienstverlener",
    ]


def test_counts_fill_the_form_per_location_per_quarter():
    counts = [
        count(2, INSIDE, "cbr", n=3),
        count(2, INSIDE, "belastingdienst", help_="lokale_partner", n=2),
        count(2, INSIDE, "kvk", n=1),
        count(2, INSIDE, "huurcommissie", help_="klantenservice", n=1),
        count(2, INSIDE, "geen_overheid", kind="bibliotheekdienst"),
        count(2, INSIDE, "gemeente", kind="overig", help_=""),  # a tally: no help
        count(2, OUTSIDE, "svb", n=4),
    ]
    visitors = [kb_form.VisitorRow(2, INSIDE, 6), kb_form.VisitorRow(2, OUTSIDE, 2)]
    forms = kb_form.fill(CATALOGUE, Period(2026, 2), LOCATIONS, visitors, counts)
    assert [(f.location.name, f.quarter) for f in forms] == [("IDO Centrale", 2), ("IDO Wijkpunt", 2)]
    inside, outside = forms
    assert inside.value(kb_form.INSIDE) == "Binnen de bibliotheek"
    assert outside.value(kb_form.INSIDE) == "Buiten de bibliotheek"
    assert inside.value(kb_form.QUARTER) == "2e kwartaal 2026"
    assert inside.value(kb_form.VISITORS) == 6
    assert inside.value(kb_form.QUESTIONS) == 9
    assert inside.value("Vragen over de digitale overheid") == 7
    assert inside.value("Vragen over de bibliotheek") == 1
    assert inside.value("Overige vragen") == 1
    assert inside.value("Vragen per NPD-partij: CBR") == 3
    assert inside.value("Vragen per NPD-partij: Belastingdienst/Toeslagen") == 2
    assert inside.value("Vragen per NPD-partij: Overige NPD-partij (nog niet aangesloten)") == 2
    assert inside.value("Vragen per NPD-partij: Gemeente") == 1
    assert inside.value("Vragen per NPD-partij: SVB") == 0
    assert inside.value("Doorverwezen naar een lokale partner") == 2
    assert inside.value("Doorverwezen naar de klantenservice van de dienstverlener") == 1
    assert outside.value(kb_form.QUESTIONS) == outside.value("Vragen per NPD-partij: SVB") == 4
    party_sum = sum(v for k, v in inside.fields if k.startswith("Vragen per NPD-partij"))
    assert party_sum == inside.value(kb_form.QUESTIONS)


def test_a_year_gives_four_quarters_per_location_with_zeros():
    forms = kb_form.fill(CATALOGUE, Period(2026), LOCATIONS, [], [count(3, OUTSIDE, "uwv")])
    assert [(f.location.name, f.quarter) for f in forms] == [
        *(("IDO Centrale", q) for q in (1, 2, 3, 4)),
        *(("IDO Wijkpunt", q) for q in (1, 2, 3, 4)),
    ]
    assert [f.value(kb_form.QUESTIONS) for f in forms] == [0, 0, 0, 0, 0, 0, 1, 0]
    assert forms[0].value(kb_form.VISITORS) == 0


def test_nothing_is_dropped_an_unknown_location_party_or_kind_still_counts():
    counts = [count(1, GONE, "oude_partij", kind="oude_soort", n=5)]
    (gone,) = kb_form.fill(CATALOGUE, Period(2026, 1), [], [kb_form.VisitorRow(1, GONE, 4)], counts)
    assert gone.location.name.startswith("Onbekende locatie")
    assert gone.value(kb_form.INSIDE) == "Onbekend" and gone.value(kb_form.GEMEENTE) == "Onbekend"
    assert gone.value(kb_form.QUESTIONS) == 5
    assert gone.value("Overige vragen") == 5
    assert gone.value("Vragen per NPD-partij: Onbekende partij") == 5
    assert gone.value(kb_form.VISITORS) == 4


def test_each_location_names_its_gemeente_or_says_it_has_none():
    located = kb_form.Location(INSIDE, "IDO Centrale", True, "GM0080", "Leeuwarden", "Fryslân")
    forms = kb_form.fill(CATALOGUE, Period(2026, 1), [located, LOCATIONS[1]], [], [])
    by_name = {f.location.name: f for f in forms}
    centrale, wijkpunt = by_name["IDO Centrale"], by_name["IDO Wijkpunt"]
    assert [centrale.value(x) for x in (kb_form.GEMEENTE, kb_form.GEMEENTE_CODE, kb_form.PROVINCE)] == [
        "Leeuwarden",
        "GM0080",
        "Fryslân",
    ]
    assert wijkpunt.value(kb_form.GEMEENTE) == "Geen gemeente opgegeven"
    assert (
        wijkpunt.value(kb_form.GEMEENTE_CODE) == ""
        and wijkpunt.value(kb_form.INSIDE) == "Buiten de bibliotheek"
    )
