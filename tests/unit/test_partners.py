"""The sociaal-educatieve kaart's rules: https links, Dutch phone numbers of the organisation, catalogue topics,
ways of referral, and the six months after which an entry is due for a check."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import DomainError
from domain.partners import (
    check_entry,
    clean_topics,
    dutch_phone,
    helps_with,
    https_url,
    months_before,
    stale,
)
from tests.clock import TODAY


def _entry(**values):
    return check_entry({"name": "Formulierenbrigade", "kind": "formulierenbrigade", **values})


@pytest.mark.parametrize(
    "phone",
    [
        "030 123 4567",
        "088-1234567",
        "010 123 45 67",
        "(020) 123-4567",
        "+31 30 123 4567",
        "0031 30 1234567",
        "0800 1234",
        "0900-1234567",
        "14 030",
        "14 0570",
        "06-12345678",
    ],
)
def test_a_dutch_phone_number_of_the_organisation_is_kept_as_written(phone):
    assert dutch_phone(phone, "phone") == phone


@pytest.mark.parametrize(
    "phone",
    ["12345", "030 123 456", "030 123 45678", "+32 2 123 45 67", "bel 030 1234567", "14 30", "0030 1234567"],
)
def test_a_phone_number_that_is_not_dutch_is_refused_with_a_dutch_message(phone):
    with pytest.raises(DomainError) as e:
        dutch_phone(phone, "professional_phone")
    assert e.value.field == "professional_phone" and "Nederlands telefoonnummer" in e.value.message


def test_links_are_https_only():
    assert https_url("https://www.hetinformatiepunt.nl/locatie/123", "gids_url") == (
        "https://www.hetinformatiepunt.nl/locatie/123"
    )
    assert https_url("HTTPS://voorbeeld.nl", "website") == "https://voorbeeld.nl"
    for bad in ("http://voorbeeld.nl", "www.voorbeeld.nl", "javascript:alert(1)", "ftp://voorbeeld.nl"):
        with pytest.raises(DomainError) as e:
            https_url(bad, "website")
        assert e.value.field == "website" and "https://" in e.value.message
    for bad in ("https://", "https://voorbeeld", "https://a b.nl", "https://user@voorbeeld.nl"):
        with pytest.raises(DomainError) as e:
            https_url(bad, "gids_url")
        assert e.value.field == "gids_url"


def test_an_entry_is_checked_field_by_field():
    e = _entry(
        website="https://formulierenbrigade.example.nl", phone="030 123 4567", email="info@fb.example.nl"
    )
    assert e.name == "Formulierenbrigade" and e.topics == () and e.referral_ways == ()
    with pytest.raises(DomainError) as err:
        _entry(name="  ")
    assert err.value.field == "name"
    with pytest.raises(DomainError) as err:
        _entry(email="geen-adres")
    assert err.value.field == "email"
    with pytest.raises(DomainError) as err:
        _entry(hours="x" * 301)
    assert err.value.field == "hours" and "maximaal 300" in err.value.message
    with pytest.raises(DomainError) as err:
        _entry(name="Naam\x00")
    assert err.value.field == "name"


def test_the_phone_line_for_professionals_is_needed_when_the_desk_refers_by_it():
    with pytest.raises(DomainError) as err:
        check_entry({"name": "Raadslieden", "kind": "sociaal_raadslieden"}, referral_ways=["telefoon"])
    assert err.value.field == "professional_phone"
    e = check_entry(
        {"name": "Raadslieden", "kind": "sociaal_raadslieden", "professional_phone": "030 765 4321"},
        referral_ways=["afspraak", "telefoon", "telefoon"],
    )
    assert e.referral_ways == ("telefoon", "afspraak")  # known order, once each
    with pytest.raises(DomainError) as err:
        check_entry({"name": "X", "kind": "welzijn"}, referral_ways=["duif"])
    assert err.value.field == "referral_ways"


def test_topics_are_catalogue_topics_or_whole_parties_in_catalogue_order():
    assert clean_topics(["uwv.ww", "belastingdienst", "uwv.ww", ""]) == ("belastingdienst", "uwv.ww")
    with pytest.raises(DomainError) as err:
        clean_topics(["uwv.bestaat_niet"])
    assert err.value.field == "topics"


def test_a_partner_helps_with_a_topic_it_names_or_every_topic_of_a_party_it_names():
    assert helps_with(("uwv.ww",), "uwv.ww")
    assert not helps_with(("uwv.ww",), "uwv.wia")
    assert helps_with(("belastingdienst",), "belastingdienst.toeslagen")
    assert not helps_with(("belastingdienst",), "uwv.ww")
    assert not helps_with(("uwv",), "onbekend.onderwerp")


def test_a_check_dated_after_today_is_refused():
    with pytest.raises(DomainError) as err:
        check_entry({"name": "X", "kind": "welzijn"}, checked_on=date(2026, 6, 11), today=TODAY)
    assert err.value.field == "checked_on"


def test_an_entry_is_due_for_a_check_when_it_is_older_than_six_months_or_was_never_checked():
    assert months_before(TODAY, 6) == date(2025, 12, 10)
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert not stale(date(2025, 12, 10), TODAY)  # six months to the day: not older yet
    assert stale(date(2025, 12, 9), TODAY)
    assert not stale(TODAY, TODAY)
    assert stale(None, TODAY)
