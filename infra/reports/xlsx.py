"""The verantwoording as an Excel workbook (XlsxWriter, constant memory): a summary sheet with a native bar
chart of the questions per NPD party, and one sheet per section. Text is always written as text, so a partner
called '=HYPERLINK(…)' stays a name and never becomes a formula or a link."""

from __future__ import annotations

import io
import os
from datetime import date, datetime

import xlsxwriter

from domain.report import Cell, Report, Section, summary
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
SHEET_NAMES = {
    "soort": "Soort vraag",
    "npd": "NPD-partij",
    "onderwerp": "Onderwerp",
    "hulp": "Hoe geholpen",
    "verwijzing": "Soort partner",
    "partner": "Lokale partners",
    "locatie": "Per IDO-locatie",
    "bibliotheek": "Per bibliotheek",
    "maand": "Per maand",
    "bezoekers": "Bezoekers per IDO-locatie",
    "bezoekers_maand": "Bezoekers per maand",
    "bezoekers_bibliotheek": "Bezoekers per bibliotheek",
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
    if report.has("npd"):
        chart(wb, ws, report.section("npd"), r + 1)


def chart(wb, ws, npd: Section, at_row: int, sheet: str = SHEET_NAMES["npd"]) -> None:
    """A bar chart of the figures on the sheet `sheet` where write_table put `npd` (data from row 4)."""
    n = len(npd.rows)
    bars = wb.add_chart({"type": "bar"})
    sheet = f"'{sheet}'"
    bars.add_series(
        {
            "name": npd.title,
            "categories": f"={sheet}!$A$4:$A${3 + n}",
            "values": f"={sheet}!$B$4:$B${3 + n}",
            "data_labels": {"value": True, "num_format": INTEGER},
        }
    )
    bars.set_title({"name": npd.title})
    bars.set_legend({"none": True})
    bars.set_y_axis({"reverse": True})
    bars.set_x_axis({"num_format": INTEGER})
    bars.set_size({"width": 760, "height": 22 * n + 120})
    ws.insert_chart(at_row, 0, bars)


def add_section_sheet(wb, s: Section, st: Styles, used: set[str]) -> None:
    ws = wb.add_worksheet(sheet_name(s, used))
    for i, w in enumerate(widths(s)):
        ws.set_column(i, i, w)
    ws.write_string(0, 0, s.title, st.title)
    ws.freeze_panes(3, 0)
    write_table(ws, 2, s, st)


def render(report: Report) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, OPTIONS)
    wb.set_properties({"title": f"Verantwoording {report.library} {report.period.label}", "author": "IDO"})
    st = Styles(wb)
    _summary_sheet(wb, report, st)
    used = {"samenvatting"}
    for s in report.sections:
        add_section_sheet(wb, s, st, used)
    wb.close()
    return buf.getvalue()
