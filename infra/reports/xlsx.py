"""The verantwoording as an Excel workbook (XlsxWriter, constant memory): a summary sheet with a native bar
chart of the questions per NPD party, and one sheet per section. Text is always written as text, so a partner
called '=HYPERLINK(…)' stays a name and never becomes a formula or a link."""

from __future__ import annotations

import io
import os
from datetime import date, datetime

import xlsxwriter

from domain.report import SUPPRESSED, Cell, Report, Section, summary
from infra.reports.cells import metadata

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    # constant_memory writes a temporary file per sheet: on a RAM disk when there is one (creating and
    # removing them on a disk cost more than writing the workbook)
    **({"tmpdir": "/dev/shm"} if os.access("/dev/shm", os.W_OK) else {}),
}
# Number formats are stored in the file's own (US) notation and shown in the reader's locale: '#,##0' shows
# as #.##0 and 'dd-mm-yyyy' as dd-mm-jjjj in a Dutch Excel.
INTEGER = "#,##0"
DECIMAL = "#,##0.00"
DATE = "dd-mm-yyyy"
# Print layout: A4, fit to one page wide. The summary's chart has a sheet of its own (a chart sheet, "Grafiek"):
# a chart sheet is one page, so the chart prints whole, which a chart under the summary's figures did not (with the
# sheet fitted to one page wide, LibreOffice ignored the page break before it and cut the chart across two pages).
A4 = 9
LANDSCAPE_FROM = 100  # characters of column width: a sheet wider than this prints landscape
CHART_SHEET = "Grafiek"


def print_layout(
    ws, column_widths: list[int] | None = None, header_rows: tuple[int, int] | None = None
) -> None:
    """A4, one page wide (as many pages tall as it takes), landscape when the columns are wide, the table's header
    repeated on every page, centred."""
    ws.set_paper(A4)
    if column_widths is not None and sum(column_widths) > LANDSCAPE_FROM:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_footer("&L&A&RPagina &P van &N")
    if header_rows is not None:
        ws.repeat_rows(*header_rows)


SHEET_NAMES = {
    "soort": "Soort vraag",
    "npd": "NPD-partij",
    "onderwerp": "Onderwerp",
    "hulp": "Hoe geholpen",
    "verwijzing": "Soort partner",
    "warmte": "Warm of koud",
    "verwijzing_door": "Doorverwezen door",
    "partner": "Lokale partners",
    "locatie": "Per IDO-locatie",
    "bibliotheek": "Per bibliotheek",
    "maand": "Per maand",
    "bezoekers": "Bezoekers per IDO-locatie",
    "bezoekers_maand": "Bezoekers per maand",
    "bezoekers_bibliotheek": "Bezoekers per bibliotheek",
    "gemeente": "Per gemeente",
    "tijd_partij": "Hulptijd per NPD-partij",
    "tijd_onderwerp": "Hulptijd per onderwerp",
    "tijd_week": "Hulptijd per week",
    "tijd_locatie": "Hulptijd per IDO-locatie",
    "tijd_bibliotheek": "Hulptijd per bibliotheek",
    "cursisten": "Cursisten",
    "cursussen": "Cursussen",
    "ido": "IDO-locaties",
    "volledigheid": "Volledigheid",
}


class Styles:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.header = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
        self.integer = wb.add_format({"num_format": INTEGER})
        self.decimal = wb.add_format({"num_format": DECIMAL})
        self.date = wb.add_format({"num_format": DATE})
        self.text = wb.add_format({})
        self.bold = wb.add_format({"bold": True, "top": 1})
        self.bold_integer = wb.add_format({"bold": True, "top": 1, "num_format": INTEGER})
        self.right = wb.add_format({"align": "right"})


def write_cell(ws, row: int, col: int, value: Cell, st: Styles, bold: bool = False) -> None:
    if value is None or value == "":
        ws.write_blank(row, col, None, st.bold if bold else st.text)
    elif isinstance(value, bool):
        ws.write_string(row, col, "ja" if value else "nee")
    elif isinstance(value, int):
        ws.write_number(row, col, value, st.bold_integer if bold else st.integer)
    elif isinstance(value, float):
        ws.write_number(row, col, value, st.decimal)
    elif isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), st.date)
    else:
        ws.write_string(row, col, str(value), st.bold if bold else (st.right if value == "<5" else st.text))


def write_table(ws, first_row: int, s: Section, st: Styles) -> int:
    """Header, rows and total from `first_row`; answer the next free row."""
    for c, name in enumerate(s.columns):
        ws.write_string(first_row, c, name, st.header)
    r = first_row + 1
    for row in s.rows:
        for c, v in enumerate(row):
            write_cell(ws, r, c, v, st)
        r += 1
    if s.total is not None:
        for c, v in enumerate(s.total):
            write_cell(ws, r, c, v, st, bold=True)
        r += 1
    return r


def widths(s: Section) -> list[int]:
    out = [len(c) for c in s.columns]
    for row in s.rows[:500]:
        for i, v in enumerate(row):
            out[i] = max(out[i], len(str(v)) if isinstance(v, str) else 12)
    return [min(max(w + 2, 10), 60) for w in out]


def sheet_name(s: Section, used: set[str]) -> str:
    base = SHEET_NAMES.get(s.key, s.title)[:31]
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:28]} {n}", n + 1
    used.add(name.lower())
    return name


def _summary_sheet(wb, report: Report, st: Styles) -> None:
    ws = wb.add_worksheet("Samenvatting")
    ws.set_column(0, 0, 38)
    ws.set_column(1, 1, 60)
    ws.write_string(0, 0, "Verantwoording Informatiepunt Digitale Overheid", st.title)
    r = 2
    for k, v in metadata(report):
        ws.write_string(r, 0, k, st.header)
        ws.write_string(r, 1, v)
        r += 1
    r += 1
    for k, v in summary(report):
        ws.write_string(r, 0, k)
        write_cell(ws, r, 1, v, st)
        r += 1
    summary_print(ws, r)
    if report.has("npd"):
        chart(wb, report.section("npd"))


def summary_print(ws, last_row: int) -> None:
    """The summary on one page: the print area over columns A and B down to its last row."""
    print_layout(ws)
    ws.print_area(0, 0, last_row, 1)


def chart(
    wb, npd: Section, sheet: str = SHEET_NAMES["npd"], columns: str = "AB", n: int | None = None
) -> None:
    """A bar chart of the figures on the sheet `sheet` where `npd`'s labels and counts stand in `columns`
    (data from row 4, `n` rows: all of `npd` unless said), on a chart sheet of its own: one A4 page, landscape."""
    n = len(npd.rows) if n is None else n
    label, value = columns
    bars = wb.add_chart({"type": "bar"})
    sheet = f"'{sheet}'"
    bars.add_series(
        {
            "name": npd.title,
            "categories": f"={sheet}!${label}$4:${label}${3 + n}",
            "values": f"={sheet}!${value}$4:${value}${3 + n}",
            "data_labels": {"value": True, "num_format": INTEGER},
        }
    )
    hidden = sum(1 for row in npd.rows if row[1] == SUPPRESSED)
    title = npd.title if not hidden else f"{npd.title} (zonder {hidden} met <5)"
    bars.set_title({"name": title})
    bars.set_legend({"none": True})
    bars.set_y_axis({"reverse": True})
    bars.set_x_axis({"num_format": INTEGER})
    sheet_of_chart = wb.add_chartsheet(CHART_SHEET)
    sheet_of_chart.set_chart(bars)
    sheet_of_chart.set_paper(A4)
    sheet_of_chart.set_landscape()
    sheet_of_chart.set_footer("&L&A&RPagina &P van &N")


def add_section_sheet(wb, s: Section, st: Styles, used: set[str]) -> None:
    ws = wb.add_worksheet(sheet_name(s, used))
    column_widths = widths(s)
    for i, w in enumerate(column_widths):
        ws.set_column(i, i, w)
    print_layout(ws, column_widths, (0, 2))
    ws.write_string(0, 0, s.title, st.title)
    ws.freeze_panes(3, 0)
    write_table(ws, 2, s, st)


def render(report: Report) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, OPTIONS)
    wb.set_properties({"title": f"Verantwoording {report.library} {report.period.label}", "author": "IDO"})
    st = Styles(wb)
    _summary_sheet(wb, report, st)
    used = {"samenvatting", CHART_SHEET.lower()}
    for s in report.sections:
        add_section_sheet(wb, s, st, used)
    wb.close()
    return buf.getvalue()
