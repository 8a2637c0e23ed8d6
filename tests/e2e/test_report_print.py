"""The library's XLSX prints: LibreOffice headless renders it to PDF, and the pages are read back with pypdf
(the library the report tests already read PDFs with)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pypdf
import pytest

from domain.report import Period
from infra.reports import xlsx
from infra.reports.service import tenant_report
from tests.clock import TODAY
from tests.e2e.report_data import YEAR, known_library

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (Debian: apt-get install libreoffice-calc-nogui)"
)


@pytest.fixture(scope="module")
async def known(container):
    return await known_library(container)


def printed(content: bytes, tmp_path) -> list[str]:
    """Each page's text, as LibreOffice prints the workbook (every sheet, its own print settings)."""
    (tmp_path / "r.xlsx").write_bytes(content)
    profile = tmp_path / "profile"  # a profile of its own: no lock shared with another soffice
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "r.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    reader = pypdf.PdfReader(io.BytesIO((tmp_path / "r.pdf").read_bytes()))
    return [page.extract_text() for page in reader.pages]


async def test_the_library_xlsx_prints_one_page_per_table_and_the_chart_whole(container, known, tmp_path):
    """Page count: every sheet is fitted to one page wide, so a sheet is only as many pages as its rows take. An
    A4 page holds at least 30 rows of 15 pt (landscape: 595 pt less 86 pt of margins and the footer is 33 rows;
    portrait 48), so a section of n rows with its title, blank row, header and total takes at most
    ceil((n + 4) / 30) pages, and a section under 26 rows exactly one; the summary takes one, and its chart, on a
    chart sheet of its own ("Grafiek"), the next. Before the layout, LibreOffice printed the wide sheets over two
    pages each and the summary's title and chart across pages; with the chart under the summary's figures and a
    page break before it, LibreOffice still cut the chart across two pages.

    No chart split: the footer names the sheet of each page ("&A"). The chart's text (its title, every party on
    its axis, the bars' labels) is on the chart sheet's one page, and none of it on the summary's."""
    report = await tenant_report(container.db, known.lib.tenant_id, Period(YEAR), TODAY)
    pages = printed(xlsx.render(report), tmp_path)

    sheet_of = [re.match(r"\s*(.+?) Pagina \d+ van \d+", p).group(1) for p in pages]
    assert sheet_of[:2] == ["Samenvatting", xlsx.CHART_SHEET], sheet_of
    assert "Samenvatting" not in sheet_of[2:] and xlsx.CHART_SHEET not in sheet_of[2:]
    names = {"samenvatting", xlsx.CHART_SHEET.lower()}  # the sheets are named as xlsx.render names them
    for s in report.sections:
        rows = len(s.rows) + 4
        pages_of = sheet_of.count(xlsx.sheet_name(s, names))
        assert pages_of == 1 if rows < 30 else 1 <= pages_of <= -(-rows // 30), (s.key, len(s.rows), pages_of)
    bound = 2 + sum(-(-(len(s.rows) + 4) // 30) for s in report.sections)
    assert len(report.sections) + 2 <= len(pages) <= bound, sheet_of

    first, chart_page = pages[0], pages[1]
    assert "Verantwoording Informatiepunt Digitale Overheid" in first and report.library in first
    assert "Vragen, alle soorten" in first and "Cursisten afgerond" in first, "the summary runs over a page"
    npd = report.section("npd")
    assert chart_page.rstrip().endswith(npd.title), "the chart's title, drawn last"
    for label, _ in npd.rows:
        assert label in chart_page, label
    assert re.search(r"\b17\b", chart_page), "the CBR bar's label"
    assert "Logius (DigiD)" not in first and "Raad voor Rechtsbijstand" not in first, (
        "the chart starts on page 1"
    )


async def test_the_wide_sheets_print_landscape_with_the_header_on_every_page(container, known, tmp_path):
    report = await tenant_report(container.db, known.lib.tenant_id, Period(YEAR), TODAY)
    wb = xlsx.render(report)
    # the workbook's own print settings, as Excel reads them
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(wb))
    used = {"samenvatting", xlsx.CHART_SHEET.lower()}  # the sheets are named as xlsx.render names them
    for s in report.sections:
        ws = book[xlsx.sheet_name(s, used)]
        assert ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage, s.key
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, (
            s.key
        )  # 1: the default
        assert ws.print_title_rows == "$1:$3", s.key
        wide = sum(xlsx.widths(s)) > xlsx.LANDSCAPE_FROM
        assert ws.page_setup.orientation == ("landscape" if wide else "portrait"), s.key
    from openpyxl.chartsheet import Chartsheet

    assert book.sheetnames[:2] == ["Samenvatting", xlsx.CHART_SHEET]
    assert isinstance(book[xlsx.CHART_SHEET], Chartsheet), "the chart on a sheet of its own: one page"
    assert book["Samenvatting"].page_setup.orientation == "portrait"
