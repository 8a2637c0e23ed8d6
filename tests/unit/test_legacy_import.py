"""Legacy Excel import rules: header guessing, values by code, label or synonym, and refused rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from uuid import uuid4

import pytest

from domain import legacy_import as li
from domain import questions as q
from domain.calendar import TZ
from domain.errors import DomainError
from domain.legacy_cells import (
    match_option,
    match_party,
    match_topic,
    match_warmth,
    parse_count,
    parse_date,
    parse_time,
    referred_by,
)

NOW = datetime(2026, 11, 28, 14, 30, tzinfo=UTC)
LOC = uuid4()
TENANT = uuid4()
CTX = q.DeskContext(now=NOW, locations={LOC: date(2026, 1, 1)}, partners=frozenset())
HEADERS = ["Datum", "Tijd", "Dienstverlener", "Onderwerp", "Hoe geholpen", "Aantal", "Opmerking"]
MAPPING = li.guess_mapping(HEADERS).mapping


def decide(values, row=5, file_hash="abc", mapping=MAPPING):
    return li.decide_row(
        row, values, mapping, tenant_id=TENANT, file_hash=file_hash, location_id=LOC, ctx=CTX, tz=TZ
    )


# Header guessing


def test_dutch_headers_are_recognised_whatever_their_case_and_punctuation():
    g = li.guess_mapping(
        ["DATUM", "tijdstip", "NPD-partij", "onderwerp:", "Soort hulp", "Soort vraag", "Kanaal"]
    )
    assert g.mapping == {
        "date": 0,
        "time": 1,
        "party": 2,
        "topic": 3,
        "help": 4,
        "kind": 5,
        "channel": 6,
    }
    assert g.ambiguous == {}


def test_english_headers_are_recognised():
    g = li.guess_mapping(["Date", "Time", "Provider", "Topic", "Help", "Count", "Notes"])
    assert g.mapping == {"date": 0, "time": 1, "party": 2, "topic": 3, "help": 4, "count": 5, "note": 6}


def test_a_header_containing_a_field_word_is_recognised_below_an_exact_one():
    g = li.guess_mapping(["Datum van registratie", "Vraag", "Onderwerp", "Organisatie", "Hulp"])
    assert g.mapping["date"] == 0 and g.mapping["topic"] == 2 and g.mapping["party"] == 3


def test_two_equally_good_columns_make_the_field_ambiguous_and_unmapped():
    g = li.guess_mapping(["Datum", "Datum", "Dienstverlener", "Hulp"])
    assert "date" not in g.mapping and g.ambiguous == {"date": (0, 1)}
    with pytest.raises(DomainError, match=r"Welke kolom is Datum: A \(Datum\) of B \(Datum\)"):
        li.mapping_with(g, {}, ["Datum", "Datum", "Dienstverlener", "Hulp"])
    assert li.mapping_with(g, {"date": 1}, ["Datum", "Datum", "Dienstverlener", "Hulp"])["date"] == 1


def test_unknown_headers_map_to_nothing():
    assert li.guess_mapping(["Kolom1", None, "", 42]).mapping == {}


def test_the_header_row_is_found_below_a_title():
    rows = [("Registratie IDO 2026", None), (None, None), ("Datum", "Dienstverlener"), ("1-3-2026", "CBR")]
    assert li.find_header_row(rows) == 2


def test_a_mapping_without_a_required_field_or_with_a_column_twice_is_refused():
    with pytest.raises(DomainError, match="Kies een kolom voor: Hoe geholpen"):
        li.check_mapping({"date": 0, "party": 1}, 3)
    with pytest.raises(DomainError, match="Kolom B is gekozen voor zowel"):
        li.check_mapping({"date": 0, "party": 1, "help": 1}, 3)
    with pytest.raises(DomainError, match="bestaat niet"):
        li.check_mapping({"date": 0, "party": 1, "help": 7}, 3)


def test_a_column_is_chosen_by_letter_or_by_header():
    assert li.column_of("C", HEADERS) == 2
    assert li.column_of("hoe geholpen", HEADERS) == 4
    with pytest.raises(DomainError, match="bestaat niet"):
        li.column_of("Z", HEADERS)


def test_column_letters_go_past_z():
    assert [li.column_letter(i) for i in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]


# Values


@pytest.mark.parametrize(
    "cell, code",
    [
        ("cbr", "cbr"),
        ("CBR", "cbr"),
        ("UWV", "uwv"),
        ("Belastingdienst/Toeslagen", "belastingdienst"),
        ("belastingdienst", "belastingdienst"),
        ("Toeslagen", "belastingdienst"),
        ("DigiD", "logius"),
        ("Logius (DigiD)", "logius"),
        ("Mijn Overheid", "logius"),
        ("Sociale Verzekeringsbank", "svb"),
        ("Centraal Administratiekantoor", "cak"),
        ("Raad voor Rechtsbijstand", "rvr"),
        ("Gemeente Utrecht", "gemeente"),
        ("IND", "andere_overheid"),
        ("Geen overheid", "geen_overheid"),
    ],
)
def test_parties_are_found_by_code_name_or_common_name(cell, code):
    assert match_party(cell) == code


def test_an_unknown_party_is_refused_with_its_name():
    with pytest.raises(DomainError, match="Onbekende dienstverlener 'NASA'"):
        match_party("NASA")


def test_topics_are_found_within_their_party_and_empty_means_overig():
    assert match_topic("belastingdienst", "Toeslagen") == "belastingdienst.toeslagen"
    assert match_topic("logius", "digid aanvragen") == "logius.digid_aanvragen"
    assert match_topic("uwv", "WIA") == "uwv.wia"
    assert match_topic("cbr", "examen") == "cbr.examen"
    assert match_topic("cbr", None) == "cbr.overig"
    assert match_topic("cbr", "Anders") == "cbr.overig"
    with pytest.raises(DomainError, match="Onbekend onderwerp 'Paspoort' bij CBR"):
        match_topic("cbr", "Paspoort")


@pytest.mark.parametrize(
    "field, cell, code",
    [
        ("help", "Informatie gegeven / wegwijzer", "wegwijzer"),
        ("help", "informatie gegeven", "wegwijzer"),
        ("help", "Samen gezocht op de website", "samen_gezocht"),
        ("help", "KLANTENSERVICE", "klantenservice"),
        ("help", "niet geholpen", "niet_geholpen"),
        ("kind", "Bibliotheek", "bibliotheekdienst"),
        ("channel", "Telefonisch", "telefoon"),
        ("channel", "e-mail", "email"),
    ],
)
def test_code_lists_accept_codes_labels_and_synonyms(field, cell, code):
    assert match_option(field, cell) == code


def test_an_unknown_kind_of_help_lists_the_choices():
    with pytest.raises(DomainError, match="Onbekende soort hulp 'toveren'. Gebruik een van: Informatie"):
        match_option("help", "toveren")


@pytest.mark.parametrize(
    "cell, day, at_time",
    [
        (datetime(2026, 3, 2), date(2026, 3, 2), None),
        (datetime(2026, 3, 2, 9, 15), date(2026, 3, 2), time(9, 15)),
        (date(2026, 3, 2), date(2026, 3, 2), None),
        ("2-3-2026", date(2026, 3, 2), None),
        ("02/03/26", date(2026, 3, 2), None),
        ("2026-03-02", date(2026, 3, 2), None),
        ("2 maart 2026", date(2026, 3, 2), None),
        ("2 mrt 2026", date(2026, 3, 2), None),
        (46083, date(2026, 3, 2), None),
    ],
)
def test_dates_are_read_from_cells_text_and_serial_numbers(cell, day, at_time):
    assert parse_date(cell) == (day, at_time)


@pytest.mark.parametrize("cell", ["31-02-2026", "gisteren", "1-1-1990", True])
def test_a_bad_date_is_refused(cell):
    with pytest.raises(DomainError, match="datum"):
        parse_date(cell)


@pytest.mark.parametrize(
    "cell, at_time",
    [
        ("14:30", time(14, 30)),
        ("9.05", time(9, 5)),
        ("14u30", time(14, 30)),
        (time(8, 0), time(8)),
        (0.5, time(12)),
    ],
)
def test_times_are_read_in_the_usual_ways(cell, at_time):
    assert parse_time(cell) == at_time


def test_counts_default_to_one_and_stay_within_bounds():
    assert (
        parse_count(None) == 1 and parse_count(3) == 3 and parse_count(4.0) == 4 and parse_count(" 7 ") == 7
    )
    for bad in (0, 2.5, "veel", li.cells.MAX_COUNT + 1):
        with pytest.raises(DomainError, match="aantal"):
            parse_count(bad)


# Rows


def test_a_row_becomes_a_registration_at_noon_amsterdam_when_no_time_is_given():
    [(_, e)] = decide([date(2026, 3, 2), None, "DigiD", "DigiD aanvragen", "informatie gegeven", None, None])
    assert e.what.asked_at == datetime(2026, 3, 2, 12, 0, tzinfo=TZ)
    assert (e.what.npd_party, e.what.topic, e.what.help) == ("logius", "logius.digid_aanvragen", "wegwijzer")
    assert (e.what.kind, e.what.channel, e.what.location_id) == ("digitale_overheid", "balie", LOC)
    assert e.catalogue_version == q.CATALOGUE.version


def test_ids_depend_on_tenant_file_and_row_so_a_second_import_repeats_them():
    values = [date(2026, 3, 2), "10:00", "CBR", "", "wegwijzer", None, None]
    first, again = decide(values), decide(values)
    assert first == again
    assert decide(values, row=6)[0][0] != first[0][0]
    assert decide(values, file_hash="other")[0][0] != first[0][0]
    assert first[0][1].question_id == first[0][0].question_id


def test_a_count_becomes_that_many_registrations_and_the_note_goes_with_the_first():
    events = decide([date(2026, 3, 2), "10:00", "UWV", "WW-uitkering", "samen gezocht", 3, "drukke ochtend"])
    assert len(events) == 3 and len({e.question_id for _, e in events}) == 3
    assert [e.note for _, e in events] == ["drukke ochtend", "", ""]
    assert all(e.what.topic == "uwv.ww" and e.what.count == 1 for _, e in events)


def test_a_row_names_all_its_problems_at_once():
    with pytest.raises(DomainError) as err:
        decide(["gisteren", None, "NASA", None, "toveren", "veel", None])
    message = err.value.message
    assert "De datum 'gisteren'" in message and "'NASA'" in message and "'toveren'" in message
    assert "aantal" in message


def test_a_row_without_date_party_or_help_is_refused():
    with pytest.raises(
        DomainError, match="Vul de datum in. Vul de dienstverlener .* Vul in hoe er geholpen is."
    ):
        decide([None, None, None, None, None, None, "alleen een notitie"])


@pytest.mark.parametrize(
    "note, found",
    [
        ("BSN 111222333", "burgerservicenummer"),
        ("mail jan@example.nl", "e-mailadres"),
        ("06-12345678", "telefoon"),
    ],
)
def test_a_row_with_personal_data_in_the_note_is_refused(note, found):
    with pytest.raises(DomainError, match=found):
        decide([date(2026, 3, 2), None, "CBR", None, "wegwijzer", None, note])


def test_the_question_aggregate_refuses_future_dates_and_dates_before_the_subsidy_year():
    with pytest.raises(DomainError, match="toekomst"):
        decide([date(2026, 12, 24), None, "CBR", None, "wegwijzer", None, None])
    with pytest.raises(DomainError, match="registreert pas vanaf 01-01-2026"):
        decide([date(2025, 12, 24), None, "CBR", None, "wegwijzer", None, None])


def test_a_topic_of_another_party_is_explained():
    with pytest.raises(DomainError, match="hoort bij SVB"):
        decide([date(2026, 3, 2), None, "CBR", "svb.aow", "wegwijzer", None, None])


def test_personal_data_in_an_unknown_value_is_never_repeated_in_the_message():
    with pytest.raises(DomainError) as err:
        decide([date(2026, 3, 2), None, "jan@example.nl", None, "wegwijzer", None, None])
    assert "jan@example.nl" not in err.value.message and "niet getoond" in err.value.message


def test_empty_rows_are_recognised():
    assert li.is_empty([None, "  ", ""]) and not li.is_empty([None, 0])


# Issue 19: warm or cold, and the partner that sent the visitor


def test_the_optional_referral_columns_are_recognised_by_their_headers():
    g = li.guess_mapping([*HEADERS, "Warm / koud", "Doorverwezen door"])
    assert (g.mapping["warmth"], g.mapping["referred_by"]) == (7, 8)
    assert (
        li.guess_mapping(["Datum", "Dienstverlener", "Hoe geholpen", "Verwezen door"]).mapping["referred_by"]
        == 3
    )
    assert "warmth" not in MAPPING and "referred_by" not in MAPPING


@pytest.mark.parametrize(
    "cell, code",
    [("warm", "warm"), ("Warm: contact gelegd", "warm"), ("KOUD", "koud"), ("adres meegegeven", "koud")],
)
def test_warm_or_cold_is_read_from_its_code_or_label(cell, code):
    assert match_warmth(cell) == code


def test_an_unknown_warmth_is_refused_with_the_choices():
    with pytest.raises(DomainError, match="Gebruik warm .* of koud"):
        match_warmth("lauw")


def test_who_sent_the_visitor_is_no_one_a_partner_not_named_or_a_name():
    assert referred_by("nee") is None and referred_by("Nee") is None
    assert referred_by("ja") == "" and referred_by("X") == ""
    assert referred_by("Taalhuis Oost") == "taalhuisoost"


def test_a_referral_without_warmth_imports_as_not_recorded_and_a_named_partner_as_that_partner():
    mapping = {**MAPPING, "warmth": 7, "referred_by": 8}
    taal = uuid4()
    ctx = q.DeskContext(now=NOW, locations={LOC: date(2026, 1, 1)}, partners=frozenset({taal}))

    def row(help_, warmth, by):
        [(cmd, e)] = li.decide_row(
            5,
            [date(2026, 3, 2), None, "CBR", None, help_, None, None, warmth, by],
            mapping,
            tenant_id=TENANT,
            file_hash="abc",
            location_id=LOC,
            ctx=ctx,
            tz=TZ,
            partners={"taalhuisoost": taal},
        )
        return cmd, e

    cmd, e = row("lokale partner", None, None)
    assert cmd.warmth == "onbekend" and e.what.warmth is None and e.what.help == "lokale_partner"
    _, e = row("lokale partner", "koud", "Taalhuis Oost")
    assert (e.what.warmth, e.what.referred_by_partner_id, e.what.referred_by_unlisted) == (
        "koud",
        taal,
        False,
    )
    _, e = row("wegwijzer", None, "ja")
    assert (e.what.referred_by_partner_id, e.what.referred_by_unlisted) == (None, True)
    with pytest.raises(DomainError, match="alleen bij"):
        row("wegwijzer", "warm", None)
