"""How a report cell reads as text: Dutch numbers (1.234 and 8,5) and dates (31-12-2026), and the CSV guard
against cells that a spreadsheet would run as a formula."""

from __future__ import annotations

from datetime import date

from domain.report import Cell, Report

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def display(value: Cell, thousands: bool = True) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".") if thousands else str(value)
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return str(value)


def csv_cell(value: Cell) -> str:
    """Plain numbers (no thousands separator) and escaped text: '=HYPERLINK(…)' becomes "'=HYPERLINK(…)"."""
    s = display(value, thousands=False)
    return "'" + s if isinstance(value, str) and s.startswith(FORMULA_START) else s


def metadata(report: Report) -> list[tuple[str, str]]:
    """The lines above the figures in every format."""
    scope = {"library": "Bibliotheek", "poi": "POI", "national": "Niveau"}.get(report.scope, "Bibliotheek")
    lines = [
        (scope, report.library),  # national: "Niveau | Landelijk" (not "Landelijk | Landelijk")
        (
            "Periode",
            f"{report.period.label} ({display(report.period.first)} t/m {display(report.period.last)})",
        ),
        ("Catalogusversie", f"{report.catalogue_version} ({report.kb_form_version})"),
        ("Aangemaakt op", display(report.generated_on)),
    ]
    if report.suppressed:
        lines.append(("Kleine aantallen", "aantallen van 1 tot en met 4 zijn verborgen als <5"))
    return lines
