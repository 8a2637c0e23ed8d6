"""The KB-outputregistratie as a sheet and a CSV: one column per IDO location per quarter, one row per field of
the KB's form (domain/kb_form.py), so a coordinator reads a column down while filling in the KB's web form.
Read from the read models only: rm_visitors_v1 (visitors), rm_question_counts_v1 (questions per kind and
party; referrals are its help code), rm_opening_status_v2 (the locations, whether they lie inside the
library and their gemeente). Every query names its tenant, and runs in the library's own transaction (RLS)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import xlsxwriter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import kb_form
from domain.catalogue import CATALOGUE, Catalogue
from domain.report import Period
from infra.reports.cells import csv_cell, display
from infra.reports.data import tenant_row
from infra.store.db import Database

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
SHEET = "KB-outputregistratie"

_COUNTS = text("""
SELECT date_part('quarter', day)::int AS quarter, location_id, npd_party, kind, help, sum(count)::int AS n
FROM rm_question_counts_v1 WHERE tenant_id = :t AND day BETWEEN :first AND :last
GROUP BY 1, 2, 3, 4, 5 HAVING sum(count) <> 0
""")
_VISITORS = text("""
SELECT date_part('quarter', day)::int AS quarter, location_id, sum(visitors)::int AS visitors
FROM rm_visitors_v1 WHERE tenant_id = :t AND day BETWEEN :first AND :last
GROUP BY 1, 2
""")
_LOCATIONS = text(
    "SELECT location_id, name, inside_library, gemeente, gemeente_name, gemeente_province "
    "FROM rm_opening_status_v2 WHERE tenant_id = :t"
)


@dataclass(frozen=True)
class Sheet:
    library: str
    period: Period
    catalogue_version: str
    form_version: str
    generated_on: date
    forms: list[kb_form.Form]

    def metadata(self) -> list[tuple[str, str]]:
        return [
            ("Bibliotheek", self.library),
            (
                "Periode",
                f"{self.period.label} ({display(self.period.first)} t/m {display(self.period.last)})",
            ),
            ("Catalogusversie", f"{self.catalogue_version} ({self.form_version})"),
            ("Aangemaakt op", display(self.generated_on)),
        ]

    def grid(self) -> list[list[str | int]]:
        """Field label, then the value of each form (location × quarter)."""
        if not self.forms:
            return [[label, ""] for label in kb_form.field_labels(CATALOGUE)]
        labels = [label for label, _ in self.forms[0].fields]
        return [[label, *(f.value(label) for f in self.forms)] for label in labels]


async def load(
    conn: AsyncConnection, tenant_id: UUID, period: Period, today: date, catalogue: Catalogue = CATALOGUE
) -> Sheet:
    p = {"t": tenant_id, "first": period.first, "last": period.last}
    library = (await tenant_row(conn, tenant_id)).name
    counts = [kb_form.CountRow(*r) for r in (await conn.execute(_COUNTS, p)).all()]
    visitors = [kb_form.VisitorRow(*r) for r in (await conn.execute(_VISITORS, p)).all()]
    locations = [kb_form.Location(*r) for r in (await conn.execute(_LOCATIONS, p)).all()]
    forms = kb_form.fill(catalogue, period, locations, visitors, counts)
    m = kb_form.mapping_for(catalogue)
    return Sheet(library, period, m.catalogue_version, m.form_version, today, forms)


async def tenant_sheet(db: Database, tenant_id: UUID, period: Period, today: date) -> Sheet:
    async with db.tenant(tenant_id) as conn:
        return await load(conn, tenant_id, period, today)


def render_csv(sheet: Sheet) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([csv_cell(f"{SHEET} Informatiepunt Digitale Overheid – {sheet.library}")])
    w.writerows([csv_cell(k), csv_cell(v)] for k, v in sheet.metadata())
    w.writerow([])
    w.writerows([csv_cell(v) for v in row] for row in sheet.grid())
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def render_xlsx(sheet: Sheet) -> bytes:
    buf = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    wb = xlsxwriter.Workbook(buf, options)
    title = wb.add_format({"bold": True, "font_size": 14})
    header = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
    label = wb.add_format({"bold": True})
    integer = wb.add_format({"num_format": "#,##0"})
    ws = wb.add_worksheet(SHEET)
    ws.write_string(0, 0, f"{SHEET} Informatiepunt Digitale Overheid – {sheet.library}", title)
    for i, (k, v) in enumerate(sheet.metadata(), start=1):
        ws.write_string(i, 0, k, label)
        ws.write_string(i, 1, v)
    first = len(sheet.metadata()) + 2
    grid = sheet.grid()
    ws.set_column(0, 0, 58)
    ws.set_column(1, max(1, len(grid[0]) - 1), 24)
    for r, row in enumerate(grid, start=first):
        for c, v in enumerate(row):
            style = header if r < first + 2 else (label if c == 0 else None)
            if isinstance(v, int) and not isinstance(v, bool):
                ws.write_number(r, c, v, integer)
            else:
                ws.write_string(r, c, str(v), style)
    ws.freeze_panes(first + 2, 1)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_columns(0, 0)
    wb.close()
    return buf.getvalue()


def filename(slug: str, period: Period, fmt: str) -> str:
    return f"kb-outputregistratie-{slug}-{period.slug}.{fmt}"
