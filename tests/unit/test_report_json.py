"""A report as the bundle's helpers get it (JSON and back, the same report) and the fingerprint a kept PDF is
found by; the PDF's column widths."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.report import Period
from domain.verantwoording import library_report
from infra.reports import pdf, report_json
from tests.unit.test_report import AFTER, YEAR, data, q


def report():
    return library_report(data([q(1), q(2, n=7), q(3, kind="bibliotheekdienst")]), YEAR, AFTER)


def test_a_report_comes_back_from_json_as_it_went_in():
    r = replace(report(), extra={"slug": "bieb", "poi": "POI"})
    back = report_json.decode(report_json.encode(r))
    assert back == r
    assert isinstance(back.period, Period) and isinstance(back.sections[0].rows, tuple)
    assert any(isinstance(v, date) for s in back.sections for row in s.rows for v in row)


def test_json_names_only_report_types():
    with pytest.raises(KeyError):
        report_json.decode(b'{"$": "Popen", "args": ["true"]}')
    with pytest.raises(ValueError):
        report_json.decode(b'{"$": "Period", "year": 2025, "quarter": null}')


def test_the_fingerprint_leaves_out_the_day_but_not_a_figure_or_the_layout():
    r = report()
    same = report_json.fingerprint(r, pdf.LAYOUT)
    assert report_json.fingerprint(replace(r, generated_on=date(2026, 3, 1)), pdf.LAYOUT) == same
    other = library_report(data([q(1), q(2, n=8), q(3, kind="bibliotheekdienst")]), YEAR, AFTER)
    assert report_json.fingerprint(other, pdf.LAYOUT) != same
    assert report_json.fingerprint(r, "another layout") != same


def test_columns_get_at_least_their_longest_word_and_the_rest_by_what_they_lack():
    rows = [("Belastingdienst/Toeslagen", "Toeslagen (zorg-, huur-, kinderopvangtoeslag)", 12345)]
    widths = pdf.column_widths(("NPD-partij", "Onderwerp", "Vragen"), rows)
    assert widths is not None and abs(sum(widths) - 100) < 0.1
    assert widths[1] > widths[0] > widths[2]
    assert pdf.column_widths(("a", "b"), [("kort", 1)]) == pytest.approx([50, 50], abs=25)


def test_a_table_whose_longest_words_do_not_fit_keeps_the_automatic_layout():
    word = "Arbeidsongeschiktheidsverzekering"
    assert pdf.column_widths(tuple(f"k{i}" for i in range(5)), [(word,) * 5]) is None
