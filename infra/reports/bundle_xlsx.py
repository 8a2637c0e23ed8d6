"""The KB's national workbook: the suppressed national summary with its chart and its figures per gemeente, a row
per library on an overview sheet, and per section a sheet with a row per library and a column per category
(XlsxWriter, constant memory)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import xlsxwriter

from domain.report import Cell, Report, Section, summary
from infra.reports.cells import metadata
from infra.reports.xlsx import (
    CHART_SHEET,
    OPTIONS,
    Styles,
    chart,
    sheet_name,
    summary_print,
    widths,
    write_cell,
    write_table,
)

WIDE = (
    "soort",
    "npd",
    "onderwerp",
    "hulp",
    "verwijzing",
    "warmte",
    "verwijzing_door",
    "maand",
    "bezoekers_maand",
    "tijd_partij",
    "cursisten",
)
NATIONAL_NPD = "Landelijk per NPD-partij"
NATIONAL_GEMEENTE = "Landelijk per gemeente"
CHART_COLUMNS = "DE"  # where the national NPD sheet holds the chart's figures
LIBRARY_COLUMNS = ("Bibliotheek", "Korte naam", "POI", "Provincie")


def _library_cells(r: Report) -> tuple[Cell, ...]:
    return (r.library, r.extra.get("slug", ""), r.extra.get("poi", ""), r.extra.get("province", ""))


def header(labels: Sequence[Cell]) -> str:
    """The labels joined by ' – ', without a label the next one already starts with: a topic's KB category names
    its party ('CBR – Rijbewijs verlengen 75+'), so the header is that, not 'CBR – CBR – Rijbewijs verlengen 75+'."""
    parts = [str(x) for x in labels if x]
    kept = [p for p, after in zip(parts, [*parts[1:], ""], strict=True) if not after.startswith(f"{p} – ")]
    return " – ".join(kept)


def wide_columns(sections: Sequence[Section]) -> list[tuple[tuple[Cell, ...], int, str]]:
    """(labels, count column, header) for every category that any library has, in first-seen order."""
    first = sections[0]
    figures = (*first.count_columns, *(m for m, _ in first.measures))  # what adds up (not ratios)
    seen: dict[tuple[tuple[Cell, ...], int], str] = {}
    for s in sections:
        for row in s.rows:
            labels = tuple(row[i] for i in s.label_columns)
            for col in figures:
                name = header(labels)
                if len(figures) > 1:
                    name = f"{name} – {first.columns[col]}"
                seen.setdefault((labels, col), name)
    return [(labels, col, name) for (labels, col), name in seen.items()]


def _wide_sheet(wb, st: Styles, key: str, reports: Sequence[Report], used: set[str]) -> None:
    sections = [r.section(key) for r in reports]
    columns = wide_columns(sections)
    ws = wb.add_worksheet(sheet_name(sections[0], used))
    ws.set_column(0, 0, 36)
    ws.set_column(1, 3, 16)
    ws.set_column(4, 4 + len(columns), 14)
    ws.write_string(0, 0, f"{sections[0].title}, per bibliotheek", st.title)
    ws.freeze_panes(3, 1)
    for c, name in enumerate((*LIBRARY_COLUMNS, *(n for _, _, n in columns))):
        ws.write_string(2, c, name, st.header)
    totals: list[int | float] = [0] * len(columns)
    for i, (r, s) in enumerate(zip(reports, sections, strict=True)):
        index = {tuple(row[j] for j in s.label_columns): row for row in s.rows}
        for c, v in enumerate(_library_cells(r)):
            write_cell(ws, 3 + i, c, v, st)
        for c, (labels, col, _) in enumerate(columns):
            row = index.get(labels)
            value = row[col] if row is not None else 0
            write_cell(ws, 3 + i, 4 + c, value, st)
            totals[c] += value if isinstance(value, int | float) else 0
    last = 3 + len(reports)
    ws.write_string(last, 0, "Totaal", st.bold)
    for c, v in enumerate(totals):
        write_cell(ws, last, 4 + c, v, st, bold=True)


def _long_sheet(wb, st: Styles, key: str, reports: Sequence[Report], used: set[str]) -> None:
    """Sections with rows of their own per library (IDO locations, warnings): the library columns in front."""
    first = reports[0].section(key)
    ws = wb.add_worksheet(sheet_name(first, used))
    ws.set_column(0, 0, 36)
    ws.set_column(1, 3, 16)
    ws.set_column(4, 4 + len(first.columns), 24)
    ws.write_string(0, 0, f"{first.title}, per bibliotheek", st.title)
    ws.freeze_panes(3, 1)
    for c, name in enumerate((*LIBRARY_COLUMNS, *first.columns)):
        ws.write_string(2, c, name, st.header)
    n = 3
    for r in reports:
        for row in r.section(key).rows:
            for c, v in enumerate((*_library_cells(r), *row)):
                write_cell(ws, n, c, v, st)
            n += 1


def _overview_sheet(wb, st: Styles, reports: Sequence[Report]) -> None:
    ws = wb.add_worksheet("Bibliotheken")
    ws.set_column(0, 0, 36)
    ws.set_column(1, 3, 16)
    ws.set_column(4, 12, 14)
    ws.write_string(0, 0, "Een regel per bibliotheek", st.title)
    ws.freeze_panes(3, 1)
    figures = [k for k, _ in summary(reports[0])] if reports else []
    for c, name in enumerate((*LIBRARY_COLUMNS, *figures, "Volledig")):
        ws.write_string(2, c, name, st.header)
    for i, r in enumerate(reports):
        cells = (*_library_cells(r), *(v for _, v in summary(r)), "ja" if not r.warnings else "nee")
        for c, v in enumerate(cells):
            write_cell(ws, 3 + i, c, v, st)


def _summary_sheet(wb, st: Styles, national: Report) -> None:
    ws = wb.add_worksheet("Samenvatting")
    ws.set_column(0, 0, 38)
    ws.set_column(1, 1, 60)
    ws.write_string(0, 0, "Landelijke bundel verantwoording IDO", st.title)
    r = 2
    for k, v in (*metadata(national), ("Bibliotheken", national.extra.get("libraries", ""))):
        ws.write_string(r, 0, k, st.header)
        ws.write_string(r, 1, v)
        r += 1
    r += 1
    for k, v in summary(national):
        ws.write_string(r, 0, k)
        write_cell(ws, r, 1, v, st)
        r += 1
    bars = len(_charted(national.section("npd"))) if national.has("npd") else None
    summary_print(ws, r)
    if bars is not None:
        chart(wb, national.section("npd"), NATIONAL_NPD, CHART_COLUMNS, bars)


def _national_npd_sheet(wb, st: Styles, national: Report, used: set[str]) -> None:
    """The suppressed national figures per NPD party, and beside them what the summary's chart draws: the parties
    with a figure (a "<5" is text, which a chart draws as an empty bar, as if the party had none). Written row by
    row (constant memory: a row is final once the next one is written)."""
    s = national.section("npd")
    ws = wb.add_worksheet(NATIONAL_NPD)
    used.add(NATIONAL_NPD.lower())
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 14)
    ws.set_column(3, 3, 44)
    ws.set_column(4, 4, 14)
    ws.write_string(0, 0, f"{s.title}, landelijk", st.title)
    for c, name in enumerate((*s.columns, "", "In de grafiek (zonder <5)", s.columns[1])):
        if name:
            ws.write_string(2, c, name, st.header)
    charted = _charted(s)
    body = [*s.rows, *([s.total] if s.total is not None else [])]
    for i in range(max(len(body), len(charted))):
        if i < len(body):
            for c, v in enumerate(body[i]):
                write_cell(ws, 3 + i, c, v, st, bold=i >= len(s.rows))
        if i < len(charted):
            write_cell(ws, 3 + i, 3, charted[i][0], st)
            write_cell(ws, 3 + i, 4, charted[i][1], st)


def _national_sheet(wb, st: Styles, s: Section, name: str, used: set[str]) -> None:
    """A section of the suppressed national aggregate as it stands (the visitors and questions per gemeente)."""
    ws = wb.add_worksheet(name)
    used.add(name.lower())
    for i, w in enumerate(widths(s)):
        ws.set_column(i, i, w)
    ws.write_string(0, 0, f"{s.title}, landelijk", st.title)
    ws.freeze_panes(3, 0)
    write_table(ws, 2, s, st)


def _charted(npd: Section) -> list[tuple[Cell, ...]]:
    return [row for row in npd.rows if isinstance(row[1], int | float)]


def render(national: Report, reports: Sequence[Report]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, OPTIONS)
    wb.set_properties({"title": f"Landelijke bundel verantwoording {national.period.label}", "author": "IDO"})
    st = Styles(wb)
    _summary_sheet(wb, st, national)
    used = {"samenvatting", CHART_SHEET.lower(), "bibliotheken"}
    _national_npd_sheet(wb, st, national, used)
    if national.has("gemeente"):
        _national_sheet(wb, st, national.section("gemeente"), NATIONAL_GEMEENTE, used)
    _overview_sheet(wb, st, reports)
    if reports:
        for key in WIDE:
            _wide_sheet(wb, st, key, reports, used)
        for key in ("ido", "gemeente", "volledigheid"):
            _long_sheet(wb, st, key, reports, used)
    wb.close()
    return buf.getvalue()
