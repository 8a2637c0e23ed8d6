"""The verantwoording's PDF as a reader and a screen reader meet it: tagged (PDF/UA-1: structure tree, language,
title, marked content, artifacts), text that comes back as it went in, tables that break between rows with their
header repeated, and the same bytes for the same report. The figures of a real report are read back against the
XLSX and the CSV in tests/e2e/test_reports_http.py."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pypdf
from pypdf.generic import ContentStream

from domain.report import Period, Report, Section
from domain.verantwoording import library_report
from infra.reports import pdf
from tests.e2e.report_data import assert_same_figures, pdf_text
from tests.unit.test_report import AFTER, YEAR, data, q


def report(**changes) -> Report:
    r = library_report(data([q(1), q(2, n=7), q(3, kind="bibliotheekdienst")]), YEAR, AFTER)
    return replace(r, **changes)


def section(key: str, columns, rows, total=None, counts=()) -> Section:
    return Section(key, key.capitalize(), tuple(columns), tuple(map(tuple, rows)), tuple(counts), total)


def reader(content: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(content))


def elements(e, kinds=None):
    """(kind, element) of the structure tree, depth first."""
    e = e.get_object()
    out = [(str(e["/S"]), e)]
    kids = e.get("/K")
    if isinstance(kids, list):
        for k in kids:
            if isinstance(k.get_object(), dict):
                out += elements(k)
    return out


def test_the_pdf_is_tagged_with_its_language_title_and_pdf_ua_metadata():
    r = reader(pdf.render(report()))
    root = r.trailer["/Root"]
    assert root["/Lang"] == "nl"
    assert bool(root["/MarkInfo"]["/Marked"]) and bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp and "Verantwoording Bieb 2025" in xmp
    assert r.metadata.title == "Verantwoording Bieb 2025"
    assert [o.title for o in r.outline[:1]] == ["Verantwoording Informatiepunt Digitale Overheid"]
    for page in r.pages:
        assert page["/Tabs"] == "/S" and "/StructParents" in page
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert "/ToUnicode" in font
            assert "/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"]


def test_every_piece_of_text_belongs_to_a_structure_element_or_is_an_artifact():
    content = pdf.render(report(sections=report().sections * 3))  # several pages
    r = reader(content)
    tree = r.trailer["/Root"]["/StructTreeRoot"]
    [(document, top)] = elements(tree["/K"])[:1]
    assert document == "/Document"
    kinds = [k for k, _ in elements(top)]
    assert kinds[:4] == ["/Document", "/H1", "/L", "/LI"]
    assert {"/Table", "/THead", "/TBody", "/TFoot", "/TR", "/TH", "/TD", "/H2", "/Lbl", "/LBody"} <= set(
        kinds
    )
    headers = [e for k, e in elements(top) if k == "/TH"]
    assert {str(e["/A"]["/Scope"]) for e in headers} == {"/Column", "/Row"}
    parents = dict(zip(*[iter(tree["/ParentTree"]["/Nums"])] * 2, strict=True))
    assert len(r.pages) > 1 and len(parents) == len(r.pages)
    for page in r.pages:
        leaves = parents[page["/StructParents"]]
        marks, depth_marked, depth_artifact = [], 0, 0
        stack = []
        for operands, op in ContentStream(page.get_contents(), r).operations:
            if op in (b"BDC", b"BMC"):
                tag = str(operands[0])
                stack.append(tag)
                if tag == "/Artifact":
                    depth_artifact += 1
                else:
                    depth_marked += 1
                    marks.append((tag, operands[1]["/MCID"]))
            elif op == b"EMC":
                tag = stack.pop()
                depth_artifact -= tag == "/Artifact"
                depth_marked -= tag != "/Artifact"
            elif op in (b"Tj", b"TJ"):
                assert depth_marked + depth_artifact == 1, "text outside marked content"
        assert [m for _, m in marks] == list(range(len(leaves)))
        for (tag, mcid), leaf in zip(marks, leaves, strict=True):
            leaf = leaf.get_object()
            assert str(leaf["/S"]) == tag and leaf["/K"] == mcid
            assert leaf["/Pg"].get_object() == page


def test_text_reads_back_composed_with_characters_the_fonts_lack_as_a_question_mark():
    rows = [("Súdwest-Fryslân", 3), ("Ünal & Zoë (Ω) 漢", 4), ("Café\u0301 e\u0301\ttab", 5)]
    r = report(
        library="Bibliotheek Ĳsselstreek", sections=(section("namen", ("Naam", "Aantal"), rows, counts=(1,)),)
    )
    text = pdf_text(pdf.render(r))
    assert "Bibliotheek Ĳsselstreek" in text
    assert "Súdwest-Fryslân 3" in text and "Ünal & Zoë (Ω) ? 4" in text
    assert "Caf\u00e9\u0301 \u00e9 tab 5" in text  # é and a lone combining accent, composed where Unicode can


def test_a_long_table_breaks_between_rows_and_repeats_its_header_as_an_artifact():
    rows = [
        (f"Rij {i}", "een tekst die in deze smalle kolom over meer regels loopt " * 2, i) for i in range(120)
    ]
    s = section("lang", ("Rij", "Toelichting", "Aantal"), rows, ("Totaal", "", 7260), (2,))
    content = pdf.render(report(sections=(s,)))
    r = reader(content)
    assert len(r.pages) >= 4
    for page in r.pages[1:]:
        assert page.extract_text().splitlines()[0].startswith("Rij Toelichting Aantal")
    text = pdf_text(content)
    for i in (0, 59, 119):
        assert f"Rij {i} " + "een tekst die in deze smalle kolom over meer regels loopt " * 2 + str(i) in text
    tree = r.trailer["/Root"]["/StructTreeRoot"]
    heads = [e for k, e in elements(tree["/K"]) if k == "/THead"]
    assert len(heads) == 2 and len(heads[1]["/K"]) == 1  # the summary's and this one's: its header row once
    assert text.count("Totaal 7.260") == 1


def test_a_word_wider_than_its_column_breaks_and_a_wide_table_takes_the_small_font():
    word = "Arbeidsongeschiktheidsverzekeringsaanvraagformulieren" * 3
    columns = [f"Kolom{i}" for i in range(9)]
    s = section("breed", columns, [(word, *[f"01-01-202{i}" for i in range(8)])], counts=())
    content = pdf.render(report(sections=(s,)))
    page = content and reader(content).pages[-1]
    text = re.sub(r"\s+", "", page.extract_text())
    assert word in text and "01-01-2027" in text
    assert pdf.column_widths(columns, s.rows) is None
    assert pdf.column_widths(columns, s.rows, squeeze=True, size=pdf.SMALL) is not None


def test_the_same_report_gives_the_same_bytes():
    r = report()
    assert pdf.render(r) == pdf.render(r)


def test_the_figures_of_a_report_are_all_in_its_pdf():
    from infra.reports import csv, xlsx

    r = report()
    assert_same_figures(r, xlsx.render(r), csv.render(r), pdf.render(r))


def test_the_period_and_page_numbers_are_in_every_footer():
    r = reader(pdf.render(report(period=Period(2025, 3), sections=report().sections * 2)))
    n = len(r.pages)
    for i, page in enumerate(r.pages, 1):
        assert page.extract_text().endswith(f"\nVerantwoording 2025 kwartaal 3 Pagina {i} van {n}")
