"""The verantwoording builders: rows in, sections out; completeness warnings; aggregates and suppression."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import product
from uuid import UUID, uuid4

import pytest

from domain.catalogue import CATALOGUE
from domain.completeness import LocationRow, MonthCount, open_in_month, warnings
from domain.help_time import HelpTime
from domain.report import SUPPRESSED, Period, Report, Section, summary, suppress
from domain.verantwoording import (
    NOT_RECORDED,
    UNLISTED_PARTNER,
    CourseRow,
    LibraryData,
    QuestionRow,
    ReferralRow,
    TimeWhatRow,
    TimeWhenRow,
    VisitRow,
    help_section,
    kinds_section,
    library_report,
    month_section,
    party_section,
    programme_section,
    referral_kind_section,
    time_section,
    topic_section,
    visitor_section,
)
from domain.verantwoording_aggregate import aggregate, sum_sections

LOC = UUID(int=1)
LOC2 = UUID(int=2)
YEAR = Period(2025)
AFTER = date(2026, 2, 1)


def q(
    month: int,
    party="cbr",
    topic="cbr.rijbewijs_75",
    kind="digitale_overheid",
    help_="wegwijzer",
    n=1,
    loc=LOC,
):
    return QuestionRow(date(2025, month, 1), loc, party, topic, kind, help_, n)


def location(loc=LOC, name="IDO Centrum", opened=date(2025, 1, 1), status="open", **kw) -> LocationRow:
    return LocationRow(
        loc, name, "basis", status, kw.pop("planned", opened), opened, kw.pop("closed_from", None), None, 8.0
    )


def data(questions=(), referrals=(), courses=(), locations=None, name="Bieb") -> LibraryData:
    locations = (location(),) if locations is None else locations
    return LibraryData(
        uuid4(), "bieb", name, "POI", "Utrecht", tuple(questions), tuple(referrals), tuple(courses), locations
    )


def test_kinds_are_counted_apart_and_total_everything():
    s = kinds_section([q(1, n=3), q(2, kind="bibliotheekdienst", n=2), q(3, kind="overig")])
    assert s.rows == (("Digitale overheid", 3), ("Bibliotheekdienst", 2), ("Overig", 1))
    assert s.total == ("Totaal", 6)


def test_party_section_lists_every_kb_category_and_counts_digital_government_questions_only():
    s = party_section([q(1, n=4), q(1, party="skgz", topic="skgz.klacht"), q(2, kind="overig", n=9)])
    counts = dict(s.rows)
    assert counts["CBR"] == 4
    assert counts["Overige NPD-partij (nog niet aangesloten)"] == 1
    assert counts["Belastingdienst/Toeslagen"] == 0
    assert s.total == ("Totaal", 5)
    assert len(s.rows) == len({p.kb_category for p in CATALOGUE.parties})


def test_tallies_show_as_not_recorded_topic_and_help():
    rows = [q(1, n=2), q(1, topic="", help_="", n=7)]
    assert ("CBR", NOT_RECORDED, 7) in topic_section(rows).rows
    assert dict(help_section(rows).rows)[NOT_RECORDED] == 7
    assert dict(help_section(rows).rows)["Informatie gegeven / wegwijzer"] == 2


def test_referrals_by_kind_of_partner():
    refs = [
        ReferralRow(uuid4(), "Formulierenbrigade Oost", "formulierenbrigade", 3),
        ReferralRow(uuid4(), "Brigade West", "formulierenbrigade", 2),
        ReferralRow(uuid4(), "Welzijn", "welzijn", 1),
    ]
    s = referral_kind_section(refs)
    assert dict(s.rows)["Formulierenbrigade"] == 5
    assert dict(s.rows)["Welzijnsorganisatie"] == 1
    assert s.total == ("Totaal", 6)


NO_PARTNER = UUID(int=0)


def to(partner, name, kind, n, warmth="", question_kind="digitale_overheid") -> ReferralRow:
    return ReferralRow(partner, name, kind, n, question_kind, direction="naar", warmth=warmth)


def by(partner, name, kind, n, question_kind="digitale_overheid") -> ReferralRow:
    return ReferralRow(partner, name, kind, n, question_kind, direction="door")


def test_referrals_to_a_partner_not_listed_make_the_partner_tables_add_up_to_hoe_geholpen():
    taal = uuid4()
    refs = [to(taal, "Taalhuis", "taalhuis", 2, "warm"), to(NO_PARTNER, "Onbekende partner", "", 3, "koud")]
    qs = [q(1, help_="lokale_partner", n=5), q(2, help_="wegwijzer", n=4)]
    r = library_report(data(qs, refs), YEAR, AFTER)
    referred = dict(r.section("hulp").rows)["Doorverwezen naar lokale partner"]
    partners, kinds = r.section("partner"), r.section("verwijzing")
    assert partners.rows == (("Taalhuis", "Taalhuis", 2, 0, 0, 2, 0), (UNLISTED_PARTNER, "", 0, 3, 0, 3, 0))
    assert dict(kinds.rows)[UNLISTED_PARTNER] == 3
    assert partners.total[5] == kinds.total[-1] == referred == 5
    # without unlisted referrals both tables keep the row, at 0 (every library the same rows)
    r = library_report(data([q(1, help_="lokale_partner", n=2)], refs[:1]), YEAR, AFTER)
    assert r.section("partner").rows[-1] == (UNLISTED_PARTNER, "", 0, 0, 0, 0, 0)
    assert dict(r.section("verwijzing").rows)[UNLISTED_PARTNER] == 0


def test_the_partner_tables_count_the_kinds_of_question_hoe_geholpen_counts():
    taal = uuid4()
    refs = [
        to(taal, "Taalhuis", "taalhuis", 2, "koud"),
        to(taal, "Taalhuis", "taalhuis", 4, "warm", question_kind="bibliotheekdienst"),
        to(uuid4(), "Welzijn", "welzijn", 1, "warm", question_kind="overig"),
        to(NO_PARTNER, "Onbekende partner", "", 1, "warm"),
        by(taal, "Taalhuis", "taalhuis", 7, question_kind="overig"),
    ]
    qs = [
        q(1, help_="lokale_partner", n=3),
        q(1, kind="bibliotheekdienst", help_="lokale_partner", n=4),
        q(1, kind="overig", help_="lokale_partner", n=2),
    ]
    r = library_report(data(qs, refs), YEAR, AFTER)
    assert dict(r.section("hulp").rows)["Doorverwezen naar lokale partner"] == 3
    assert r.section("partner").rows == (
        ("Taalhuis", "Taalhuis", 0, 2, 0, 2, 0),
        (UNLISTED_PARTNER, "", 1, 0, 0, 1, 0),
    )
    assert r.section("verwijzing").total[-1] == r.section("warmte").total[-1] == 3
    assert r.section("verwijzing_door").total[-1] == 0


def test_warm_cold_and_not_recorded_add_up_to_the_referrals_and_each_partner_shows_both_ways():
    """Referrals to partners warm, cold and recorded before warm or cold was asked; visitors sent by partners,
    also by one that sent but received no referral, and by one not listed."""
    taal, raad, welzijn = uuid4(), uuid4(), uuid4()
    refs = [
        to(taal, "Taalhuis", "taalhuis", 4, "warm"),
        to(taal, "Taalhuis", "taalhuis", 1, "koud"),
        to(raad, "Raadslieden", "sociaal_raadslieden", 2, "koud"),
        to(raad, "Raadslieden", "sociaal_raadslieden", 3, ""),
        to(NO_PARTNER, "Onbekende partner", "", 1, "warm"),
        by(taal, "Taalhuis", "taalhuis", 2),
        by(welzijn, "Welzijn Zuid", "welzijn", 6),
        by(NO_PARTNER, "Onbekende partner", "", 1),
    ]
    qs = [q(1, help_="lokale_partner", n=11), q(1, n=9)]
    r = library_report(data(qs, refs), YEAR, AFTER)
    warmth = r.section("warmte")
    assert warmth.rows == (("Warm: contact gelegd", 5), ("Koud: adres meegegeven", 3), ("Niet vastgelegd", 3))
    assert (
        warmth.total == ("Totaal", 11)
        and dict(r.section("hulp").rows)["Doorverwezen naar lokale partner"] == 11
    )
    both = r.section("partner")
    assert both.columns == (
        "Lokale partner",
        "Soort partner",
        "Naar: warm",
        "Naar: koud",
        "Naar: niet vastgelegd",
        "Naar: totaal",
        "Door",
    )
    assert both.rows == (
        ("Raadslieden", "Sociaal raadslieden", 0, 2, 3, 5, 0),
        ("Taalhuis", "Taalhuis", 4, 1, 0, 5, 2),
        ("Welzijn Zuid", "Welzijnsorganisatie", 0, 0, 0, 0, 6),
        (UNLISTED_PARTNER, "", 1, 0, 0, 1, 1),
    )
    assert both.total == ("Totaal", "", 5, 3, 3, 11, 9)
    received = dict(r.section("verwijzing_door").rows)
    assert (received["Taalhuis"], received["Welzijnsorganisatie"], received[UNLISTED_PARTNER]) == (2, 6, 1)
    assert r.section("verwijzing_door").total == ("Totaal", 9)


def test_the_aggregate_sums_warm_cold_and_received_and_hides_small_cells_from_the_total():
    """Two libraries: warm 3 + 0, cold 20 + 4, not recorded 0 + 0. Warm (3) is hidden; since it could be
    worked out from the total (27) less cold, the next smallest shown cell (cold, 24) is hidden too."""
    one = [to(uuid4(), "A", "taalhuis", 3, "warm"), to(uuid4(), "B", "welzijn", 20, "koud")]
    two = [to(uuid4(), "C", "welzijn", 4, "koud"), by(uuid4(), "C", "welzijn", 12)]
    reports = [
        library_report(data([q(1, help_="lokale_partner", n=23)], one, name="Een"), YEAR, AFTER),
        library_report(data([q(1, help_="lokale_partner", n=4)], two, name="Twee"), YEAR, AFTER),
    ]
    agg = aggregate(reports, "POI", "poi", YEAR, AFTER)
    assert agg.section("warmte").rows == (
        ("Warm: contact gelegd", SUPPRESSED),
        ("Koud: adres meegegeven", SUPPRESSED),
        ("Niet vastgelegd", 0),
    )
    assert agg.section("warmte").total == ("Totaal", 27)
    assert dict(agg.section("verwijzing_door").rows)["Welzijnsorganisatie"] == 12
    assert not agg.has("partner")  # partners are the library's own


def test_every_month_of_the_period_has_a_row():
    s = month_section([q(2, n=3), q(2, kind="overig")], Period(2025, 1))
    assert [r[0] for r in s.rows] == ["januari 2025", "februari 2025", "maart 2025"]
    assert s.rows[1] == ("februari 2025", 3, 0, 1)
    assert s.total == ("Totaal", 3, 0, 1)


def test_programmes_sum_courses_without_cancelled_ones():
    def course(programme, status="afgerond", enrolled=10):
        return CourseRow(programme, "x", LOC, date(2025, 3, 1), status, enrolled, 8, 6, 2, 1)

    s = programme_section([course("klik_tik"), course("klik_tik"), course("digisterker", "geannuleerd")])
    klik = next(r for r in s.rows if r[0] == "Klik & Tik")
    assert klik == ("Klik & Tik", 2, 20, 16, 12, 4, 2)
    assert next(r for r in s.rows if r[0] == "Digisterker")[1:] == (0, 0, 0, 0, 0, 0)
    assert s.total == ("Totaal", 2, 20, 16, 12, 4, 2)


def test_a_library_report_keeps_figures_consistent_between_sections():
    qs = [q(m, n=m) for m in range(1, 13)] + [q(5, kind="overig", n=2)]
    r = library_report(data(qs), YEAR, AFTER)
    assert r.section("soort").total == ("Totaal", 80)
    assert r.section("npd").total == ("Totaal", 78)
    assert r.section("maand").total == ("Totaal", 78, 0, 2)
    assert r.section("locatie").rows == (("IDO Centrum", 78, 0, 2),)
    assert dict(summary(r))["Vragen, alle soorten"] == 80
    assert r.warnings == ()
    assert r.catalogue_version and r.kb_form_version


def test_open_month_without_registrations_is_a_warning():
    r = library_report(data([q(m) for m in range(1, 13) if m != 4]), YEAR, AFTER)
    assert r.warnings == ("IDO Centrum: open in april 2025, maar niets geregistreerd.",)


def test_a_location_without_any_registration_gives_one_warning_not_twelve():
    locs = (location(), location(LOC2, "IDO Bieb Noord"))
    r = library_report(data([q(m) for m in range(1, 13)], locations=locs), YEAR, AFTER)
    assert r.warnings == ("IDO Bieb Noord: geen enkele registratie in 2025, terwijl het IDO open was.",)


def test_a_month_with_tallies_only_is_a_warning():
    qs = [q(m) for m in range(1, 13) if m != 6] + [q(6, topic="", help_="", n=30)]
    r = library_report(data(qs), YEAR, AFTER)
    assert r.warnings == (
        "IDO Centrum: in juni 2025 alleen totalen geteld, geen vragen met onderwerp en hulp.",
    )


def test_months_before_opening_and_a_running_period_are_handled():
    loc = location(opened=date(2025, 11, 20))
    found = warnings([loc], [MonthCount(date(2025, 11, 1), LOC, 3, 0)], YEAR, date(2025, 12, 15))
    assert found == ("De periode 2025 is nog niet voorbij: de cijfers zijn voorlopig.",)


@pytest.mark.parametrize(
    ("status", "closed_from", "expected"),
    [("open", None, True), ("gesloten", date(2025, 3, 1), False), ("gepland", None, False)],
)
def test_open_in_month_follows_the_current_state(status, closed_from, expected):
    loc = location(status=status, closed_from=closed_from)
    assert open_in_month(loc, date(2025, 4, 1)) is expected


def _section(*counts: int, total=True) -> Section:
    rows = tuple((f"r{i}", n) for i, n in enumerate(counts))
    return Section("s", "S", ("Label", "Aantal"), rows, (1,), ("Totaal", sum(counts)) if total else None)


def _report(*sections: Section) -> Report:
    return Report("x", "poi", YEAR, "v", "f", AFTER, sections)


def _candidates(s: Section, col: int = 1) -> list[tuple[int, ...]]:
    """Every assignment of the hidden cells that agrees with the published total (small cells 1..4, a
    secondary cell at least 5)."""
    hidden = [i for i, r in enumerate(s.rows) if r[col] == SUPPRESSED]
    shown = sum(r[col] for r in s.rows if r[col] != SUPPRESSED)
    rest = s.total[col] - shown
    ranges = [range(1, rest + 1)] * len(hidden)
    return [c for c in product(*ranges) if sum(c) == rest]


def test_a_single_small_cell_cannot_be_recovered_from_the_total():
    s = suppress(_report(_section(3, 40, 12, 9))).sections[0]
    assert s.rows[0][1] == SUPPRESSED and s.total == ("Totaal", 64)
    assert s.rows[3][1] == SUPPRESSED  # the next smallest
    values = {c[0] for c in _candidates(s)}
    assert len(values) > 1, "the hidden cell is determined by the total"


def test_two_hidden_ones_are_protected_by_a_third_cell():
    s = suppress(_report(_section(1, 1, 30, 7))).sections[0]
    assert [r[1] for r in s.rows] == [SUPPRESSED, SUPPRESSED, 30, SUPPRESSED]
    assert len({c[0] for c in _candidates(s)}) > 1


def test_small_totals_and_zeros():
    s = suppress(_report(_section(2, 0, 0))).sections[0]
    assert s.total == ("Totaal", SUPPRESSED)
    assert [r[1] for r in s.rows] == [SUPPRESSED, 0, 0]


def test_sum_sections_adds_rows_by_label():
    a = _section(1, 2)
    b = Section("s", "S", ("Label", "Aantal"), (("r1", 5), ("r9", 1)), (1,), ("Totaal", 6))
    s = sum_sections([a, b])
    assert s.rows == (("r0", 1), ("r1", 7), ("r9", 1))
    assert s.total == ("Totaal", 9)


def test_aggregate_has_a_row_per_library_and_is_suppressed():
    big = library_report(data([q(m, n=10) for m in range(1, 13)], name="Groot"), YEAR, AFTER)
    small = library_report(data([q(1, n=2)] + [q(m, n=1) for m in range(2, 13)], name="Klein"), YEAR, AFTER)
    agg = aggregate([big, small], "POI Test", "poi", YEAR, AFTER)
    assert agg.suppressed
    libs = agg.section("bibliotheek")
    assert [r[0] for r in libs.rows] == ["Groot", "Klein"]
    assert libs.total[1] == 133
    assert agg.section("soort").rows[0] == ("Digitale overheid", 133)
    assert agg.section("maand").rows[0][1] == 12
    assert agg.section("maand").rows[1][1] == 11
    assert not agg.has("partner") and not agg.has("cursussen")


def test_aggregate_refuses_suppressed_input():
    r = library_report(data([q(1)]), YEAR, AFTER)
    with pytest.raises(ValueError):
        aggregate([suppress(r)], "x", "poi", YEAR, AFTER)


def test_quarters():
    assert Period(2025, 2).first == date(2025, 4, 1) and Period(2025, 2).last == date(2025, 6, 30)
    assert Period(2025, 4).month_starts()[-1] == date(2025, 12, 1)


# visitors and time spent


def _time(*rows: tuple[str, int, int, float]) -> Section:
    """(label, questions, with a duration, minutes) rows as the time-spent sections hold them."""
    return time_section("t", "T", ("Label",), [((lab,), HelpTime(n, t, m)) for lab, n, t, m in rows])


def test_a_time_section_gives_minutes_hours_and_the_average_over_questions_with_a_duration():
    s = _time(("a", 10, 4, 100.0), ("b", 3, 0, 0.0))
    assert s.rows == (("a", 10, 4, 100.0, 1.67, 25.0), ("b", 3, 0, 0.0, 0.0, None))
    assert s.total == ("Totaal", 13, 4, 100.0, 1.67, 25.0)


def test_hidden_counts_hide_the_minutes_hours_and_averages_that_follow_from_them():
    s = suppress(_report(_time(("a", 40, 30, 300.0), ("b", 6, 2, 15.0), ("c", 9, 8, 80.0)))).sections[0]
    assert s.rows[1] == ("b", 6, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED)
    assert s.rows[2] == ("c", 9, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED), "the next smallest, too"
    assert s.rows[0] == ("a", 40, 30, 300.0, 5.0, 10.0)
    assert s.total == ("Totaal", 55, 40, 395.0, 6.58, 9.9)


def test_questions_per_visitor_is_hidden_with_either_of_its_counts():
    s = visitor_section("v", "V", "Plaats", [("a", 30, 40), ("b", 8, 9), ("c", 2, 3)])
    assert s.rows[0] == ("a", 30, 40, 1.33)
    hidden = suppress(_report(s)).sections[0]
    assert hidden.rows[2] == ("c", SUPPRESSED, SUPPRESSED, SUPPRESSED)
    assert hidden.rows[1] == ("b", SUPPRESSED, SUPPRESSED, SUPPRESSED)  # the next smallest of each column
    assert hidden.rows[0] == ("a", 30, 40, 1.33) and hidden.total == ("Totaal", 40, 52, 1.3)


def test_sum_sections_adds_minutes_and_computes_the_ratios_again():
    s = sum_sections([_time(("a", 4, 2, 12.5)), _time(("a", 6, 3, 45.0), ("b", 1, 1, 2.5))])
    assert s.rows == (("a", 10, 5, 57.5, 0.96, 11.5), ("b", 1, 1, 2.5, 0.04, 2.5))
    assert s.total == ("Totaal", 11, 6, 60.0, 1.0, 10.0)
    assert s.label_columns == (0,)


def _visits(*months: tuple[int, int, int]) -> tuple[VisitRow, ...]:
    return tuple(VisitRow(date(2025, m, 1), LOC, v, n) for m, v, n in months)


def test_the_library_report_has_visitors_per_location_and_month_and_time_spent():
    d = replace(
        data([q(1, n=5), q(3, n=1)]),
        visits=_visits((1, 3, 5), (3, 1, 1)),
        time_what=(
            TimeWhatRow("cbr", "cbr.rijbewijs_75", "5-15", 4),
            TimeWhatRow("cbr", "cbr.rijbewijs_75", "", 2),
        ),
        time_when=(TimeWhenRow(date(2025, 1, 6), LOC, "5-15", 4), TimeWhenRow(date(2025, 3, 3), LOC, "", 2)),
    )
    r = library_report(d, YEAR, AFTER)
    assert r.section("bezoekers").rows == (("IDO Centrum", 4, 6, 1.5),)
    assert r.section("bezoekers_maand").rows[0] == ("januari 2025", 3, 5, 1.67)
    assert r.section("bezoekers_maand").rows[1] == ("februari 2025", 0, 0, None)
    parties = {row[0]: row[1:] for row in r.section("tijd_partij").rows}
    assert parties["CBR"] == (6, 4, 40.0, 0.67, 10.0) and parties["CAK"] == (0, 0, 0.0, 0.0, None)
    assert r.section("tijd_onderwerp").rows == (
        ("CBR", "CBR – Rijbewijs verlengen 75+", 6, 4, 40.0, 0.67, 10.0),
    )
    weeks = {row[0]: row[1:] for row in r.section("tijd_week").rows}
    assert len(weeks) == 53 and weeks["week 2 2025"] == (date(2025, 1, 6), 4, 4, 40.0, 0.67, 10.0)
    assert r.section("tijd_locatie").rows == (("IDO Centrum", 6, 4, 40.0, 0.67, 10.0),)
    figures = dict(summary(r))
    assert figures["Bezoekers"] == 4 and figures["Vragen per bezoeker"] == 1.5
    assert (figures["Vragen met een duur"], figures["Hulptijd (uren)"]) == (4, 0.67)


def test_the_aggregate_has_visitors_and_time_spent_per_library_suppressed():
    big = library_report(replace(data([q(1, n=30)], name="Groot"), visits=_visits((1, 20, 30))), YEAR, AFTER)
    small = library_report(replace(data([q(1, n=3)], name="Klein"), visits=_visits((1, 2, 3))), YEAR, AFTER)
    agg = aggregate([big, small], "POI", "poi", YEAR, AFTER)
    per = {row[0]: row[1:] for row in agg.section("bezoekers_bibliotheek").rows}
    assert per == {"Groot": (SUPPRESSED,) * 3, "Klein": (SUPPRESSED,) * 3}
    assert agg.section("bezoekers_bibliotheek").total == ("Totaal", 22, 33, 1.5)
    assert agg.section("bezoekers_maand").rows[0] == ("januari 2025", 22, 33, 1.5)
    assert agg.section("tijd_bibliotheek").total == ("Totaal", 0, 0, 0.0, 0.0, None)  # no time rows
    assert dict(summary(agg))["Bezoekers"] == 22


# --- the gemeente of the locations, inside or outside the library


def _placed(loc, name, gemeente=None, inside=True) -> LocationRow:
    found = {"GM0363": ("Amsterdam", "Noord-Holland"), "GM0080": ("Leeuwarden", "Fryslân")}
    gname, province = found.get(gemeente, (None, None))
    return replace(
        location(loc, name),
        inside_library=inside,
        gemeente=gemeente,
        gemeente_name=gname,
        gemeente_province=province,
    )


def test_the_locations_show_their_gemeente_and_whether_they_lie_in_the_library():
    places = (_placed(LOC, "IDO Centrum", "GM0363"), _placed(LOC2, "IDO Wijkpunt", inside=False))
    r = library_report(data([q(1)], locations=places), YEAR, AFTER)
    ido = {row[0]: row[5:] for row in r.section("ido").rows}
    assert ido == {
        "IDO Centrum": ("In de bibliotheek", "Amsterdam", "GM0363", "Noord-Holland"),
        "IDO Wijkpunt": ("Buiten de bibliotheek", "Geen gemeente opgegeven", "", ""),
    }
    assert r.section("ido").columns[5:] == (
        "In of buiten de bibliotheek",
        "Gemeente",
        "Gemeentecode (CBS)",
        "Provincie",
    )


def test_visitors_and_questions_per_gemeente_never_drop_a_location_without_one_or_an_unknown_one():
    places = (
        _placed(LOC, "IDO Centrum", "GM0363"),
        _placed(LOC2, "IDO Wijkpunt"),
        _placed(UUID(int=3), "IDO Station", "GM0080"),
    )
    visits = (
        *_visits((1, 3, 5)),
        VisitRow(date(2025, 2, 1), LOC2, 2, 2),
        VisitRow(date(2025, 2, 1), UUID(int=9), 1, 1),
    )
    r = library_report(replace(data([q(1)], locations=places), visits=visits), YEAR, AFTER)
    s = r.section("gemeente")
    assert s.rows == (
        ("Leeuwarden", "GM0080", "Fryslân", 0, 0, None),
        ("Amsterdam", "GM0363", "Noord-Holland", 3, 5, 1.67),
        ("Geen gemeente opgegeven", "", "", 2, 2, 1.0),
        ("Onbekende locatie", "", "", 1, 1, 1.0),
    )
    assert s.total == ("Totaal", "", "", 6, 8, 1.33)
    assert s.total[3:5] == r.section("bezoekers").total[1:3]  # the rows add up to every visitor and question


def test_the_aggregate_sums_per_gemeente_over_libraries_and_hides_small_cells():
    a = replace(data(locations=(_placed(LOC, "IDO A", "GM0363"),), name="A"), visits=_visits((1, 20, 30)))
    b = replace(
        data(locations=(_placed(LOC2, "IDO B", "GM0363"), _placed(LOC, "IDO C")), name="B"),
        visits=(VisitRow(date(2025, 1, 1), LOC2, 2, 3), VisitRow(date(2025, 1, 1), LOC, 9, 9)),
    )
    agg = aggregate([library_report(x, YEAR, AFTER) for x in (a, b)], "POI", "poi", YEAR, AFTER)
    s = agg.section("gemeente")
    assert s.rows == (
        ("Amsterdam", "GM0363", "Noord-Holland", 22, 33, 1.5),
        ("Geen gemeente opgegeven", "", "", 9, 9, 1.0),
    )
    assert [row[6:] for row in agg.section("ido").rows] == [
        ("In de bibliotheek", "Amsterdam", "GM0363", "Noord-Holland"),
        ("In de bibliotheek", "Amsterdam", "GM0363", "Noord-Holland"),
        ("In de bibliotheek", "Geen gemeente opgegeven", "", ""),
    ]
    small = replace(b, visits=(VisitRow(date(2025, 1, 1), LOC2, 2, 3),))
    agg = aggregate([library_report(small, YEAR, AFTER)], "POI", "poi", YEAR, AFTER)
    assert agg.section("gemeente").rows[0][3:] == (SUPPRESSED, SUPPRESSED, SUPPRESSED)


def test_the_boards_table_per_gemeente_orders_by_province_and_hides_small_visitor_and_question_counts():
    from domain.report import suppress_section
    from domain.verantwoording import board_gemeente_section

    s = board_gemeente_section(
        [
            (None, None, None, 2, 1, 30, 40),
            ("GM0363", "Amsterdam", "Noord-Holland", 1, 1, 3, 4),
            ("GM0080", "Leeuwarden", "Fryslân", 3, 2, 20, 25),
        ],
        2026,
    )
    assert [r[0] for r in s.rows] == ["Leeuwarden", "Amsterdam", "Geen gemeente opgegeven"]
    assert s.total == ("Totaal", "", "", 6, 4, 53, 69)
    hidden = suppress_section(s)
    assert hidden.rows[1] == ("Amsterdam", "GM0363", "Noord-Holland", 1, 1, SUPPRESSED, SUPPRESSED)
    assert hidden.rows[0][5:] == (SUPPRESSED, SUPPRESSED)  # the next smallest, else 53 - 50 gives it away
    assert (
        hidden.rows[2][3:] == (2, 1, 30, 40) and hidden.total == s.total
    )  # the IDOs are on the board anyway
