"""Figures beside the previous period and a year earlier: the change in Dutch ("+11 %", "−4 %", "nieuw", "—"),
no data before the first registration, ratios, and suppression that no shown change can undo."""

from __future__ import annotations

from datetime import date

import pytest

from domain.comparison import (
    HIDDEN,
    NEW,
    NO_DATA,
    Counts,
    Row,
    board,
    change,
    counted,
    counted_from,
    figure_text,
    headline,
    known,
    per_label,
    ratio,
    summed,
    suppressed,
)
from domain.periods import compare
from domain.report import SUPPRESSED


@pytest.mark.parametrize(
    ("current", "earlier", "text"),
    [
        (312, 280, "+11\u00a0%"),
        (312, 250, "+25\u00a0%"),
        (96, 100, "\u22124\u00a0%"),  # a minus sign, not a hyphen
        (100, 100, "0\u00a0%"),
        (1001, 1000, "0\u00a0%"),  # +0,1 %: rounds to no change, without a sign
        (0, 10, "\u2212100\u00a0%"),
        (5, 0, NEW),
        (0, 0, "0\u00a0%"),
        (1350, 100, "+1.250\u00a0%"),  # Dutch thousands
        (3, 2, "+50\u00a0%"),
        (1, 8, "\u221288\u00a0%"),  # -87,5 %: a half rounds away from zero
        (9, 8, "+13\u00a0%"),  # +12,5 %
        (1.31, 1.25, "+5\u00a0%"),  # a ratio
        (10, None, NO_DATA),
        (None, 10, NO_DATA),
        (SUPPRESSED, 10, HIDDEN),
        (10, SUPPRESSED, HIDDEN),
        (SUPPRESSED, 0, HIDDEN),  # "nieuw" beside "<5" would say nothing more, but one rule is simpler
    ],
)
def test_the_change_is_a_signed_dutch_percentage_or_a_word(current, earlier, text):
    assert change(current, earlier) == text


def test_figures_read_as_dutch_numbers_and_no_data_as_a_dash():
    assert [figure_text(v) for v in (1234, 0, None, SUPPRESSED)] == ["1.234", "0", "—", "<5"]
    assert figure_text(1.305, 2) == "1,31" and figure_text(12.25, 1) == "12,3"


def test_an_earlier_period_before_the_first_registration_has_no_data_not_zero():
    c = compare(date(2026, 4, 1), date(2026, 6, 30))  # previous: Q1 2026; a year earlier: Q2 2025
    assert known(c, date(2026, 2, 15)) == (True, True, False)
    assert known(c, None) == (False, False, False)
    assert known(c, date(2026, 5, 1)) == (True, False, False)
    row = counted("Vragen", (12, 0, 0), known(c, date(2026, 2, 15)))
    assert row == Row("Vragen", 12, 0, None)
    assert (row.previous_change, row.year_change) == (NEW, NO_DATA)
    assert row.texts == ("12", "0", "—")
    nothing_yet = counted("Vragen", (0, 0, 0), known(c, None))
    assert nothing_yet.values == (0, None, None)  # the period itself shows its zero


def test_a_ratio_is_computed_per_period_and_follows_its_figures():
    questions = Row("Vragen", 21, 10, None)
    visitors = Row("Bezoekers", 16, 0, None)
    r = ratio("Vragen per bezoeker", questions, visitors)
    assert r.values == (1.31, None, None) and r.texts == ("1,31", "—", "—")
    hidden = ratio("Vragen per bezoeker", Row("", 21, 10, 8), Row("", 16, SUPPRESSED, 6))
    assert hidden.values == (1.31, SUPPRESSED, 1.33)
    assert (hidden.previous_change, hidden.year_change) == (HIDDEN, "\u22122\u00a0%")


def test_rows_add_up_per_period_and_a_period_without_any_data_stays_without():
    rows = [Row("A", 10, 7, None), Row("B", 3, None, None)]
    assert summed("Totaal", rows) == Row("Totaal", 13, 7, None)


def test_a_hidden_cell_hides_its_changes_and_cannot_be_computed_back_from_the_total():
    rows = [
        Row("Bibliotheek A", 312, 280, 250),
        Row("Bibliotheek B", 3, 20, None),  # 3 now: "+3" beside "<5"... would give it away
        Row("Bibliotheek C", 40, 2, 0),
        Row("Bibliotheek D", 0, 0, None),
    ]
    shown, total = suppressed(rows, summed("Totaal", rows))
    by = {r.label: r for r in shown}
    # now: B is hidden, and then the next smallest (C, 40) too, or the total 355 would give B's 3 away
    assert by["Bibliotheek B"].current == SUPPRESSED and by["Bibliotheek C"].current == SUPPRESSED
    assert by["Bibliotheek A"].current == 312 and total.current == 355
    # every change beside a hidden cell is hidden, whichever side it is on
    assert (by["Bibliotheek B"].previous_change, by["Bibliotheek B"].year_change) == (HIDDEN, NO_DATA)
    assert (by["Bibliotheek C"].previous_change, by["Bibliotheek C"].year_change) == (HIDDEN, HIDDEN)
    # the previous period: C's 2 hidden, and the next smallest (B's 20)
    assert by["Bibliotheek C"].previous == SUPPRESSED and by["Bibliotheek B"].previous == SUPPRESSED
    assert by["Bibliotheek A"].previous == 280 and total.previous == 302
    assert (
        by["Bibliotheek A"].previous_change == "+11\u00a0%"
        and by["Bibliotheek A"].year_change == "+25\u00a0%"
    )
    # zeros and no data stay as they are
    assert by["Bibliotheek D"].values == (0, 0, None) and by["Bibliotheek C"].year_earlier == 0
    assert total.previous_change == "+18\u00a0%" and total.year_change == "+42\u00a0%"
    # no shown figure next to a hidden one in the same period column can be combined into it
    for i in range(3):
        hidden = [r for r in shown if r.values[i] == SUPPRESSED]
        assert len(hidden) != 1


def test_a_small_total_is_hidden_with_its_changes():
    rows = [Row("Bibliotheek A", 2, 9, 1), Row("Bibliotheek B", 0, None, 1)]
    shown, total = suppressed(rows, summed("Totaal", rows))
    assert total.values == (SUPPRESSED, 9, SUPPRESSED)
    assert (total.previous_change, total.year_change) == (HIDDEN, HIDDEN)
    assert shown[0].values == (SUPPRESSED, 9, SUPPRESSED)


def test_the_dashboard_headline_has_questions_visitors_their_ratio_and_hours():
    c = compare(date(2026, 1, 1), date(2026, 3, 31))
    rows = headline(c, (30, 25, 20), (25, 20, 16), (0.75, 0.0, 0.0), date(2025, 2, 10))
    assert [r.label for r in rows] == ["Vragen", "Bezoekers", "Vragen per bezoeker", "Hulptijd (uren)"]
    assert [r.texts for r in rows] == [
        ("30", "25", "20"),
        ("25", "20", "16"),
        ("1,20", "1,25", "1,25"),
        ("0,8", "0,0", "0,0"),  # 45 minutes, rounded half up as shown
    ]
    assert [(r.previous_change, r.year_change) for r in rows] == [
        ("+20\u00a0%", "+50\u00a0%"),
        ("+25\u00a0%", "+56\u00a0%"),
        ("\u22124\u00a0%", "\u22124\u00a0%"),
        (NEW, NEW),
    ]


def test_parties_are_listed_most_asked_first_and_only_with_a_figure():
    c = compare(date(2026, 1, 1), date(2026, 3, 31))
    rows = per_label(c, {"SVB": (12, 10, 0), "CBR": (18, 15, 20), "UWV": (0, 0, 0), "DUO": (0, 4, 1)}, None)
    assert [r.label for r in rows] == ["CBR", "SVB", "DUO"]
    assert rows[2].values == (0, None, None)  # nothing registered yet: the earlier figures are no data


def test_the_first_registration_is_named_when_an_earlier_period_began_before_it():
    c = compare(date(2026, 1, 1), date(2026, 3, 31))  # earlier periods from 1 January 2025
    assert counted_from(c, date(2025, 2, 10)) == date(2025, 2, 10)
    assert counted_from(c, date(2025, 1, 1)) is None and counted_from(c, date(2020, 5, 1)) is None
    assert counted_from(c, None) is None


def test_a_board_sums_a_groups_libraries_each_from_its_own_first_registration():
    c = compare(date(2026, 1, 1), date(2026, 3, 31))
    old = Counts((30, 25, 20), (25, 20, 16), date(2025, 2, 10))
    new = Counts((12, 10, 9), (12, 10, 9), date(2025, 12, 1))  # the 9 a year before cannot be: ignored
    per_library = board(c, [("Oud", [old]), ("Nieuw", [new])])
    assert [r.values for r in per_library.questions.rows] == [(30, 25, 20), (12, 10, None)]
    assert per_library.questions.total.values == (42, 35, 20)
    per_poi = board(c, [("POI", [old, new])])
    assert per_poi.questions.rows[0].values == (42, 35, 20) == per_poi.questions.total.values
    assert [r.label for r in per_poi.headline] == ["Vragen", "Bezoekers", "Vragen per bezoeker"]
    assert per_poi.headline[2].values == (1.14, 1.17, 1.25)
