"""The verantwoording as CSV: semicolons, UTF-8 with a BOM (as Dutch Excel opens it), one block per section
with a title line, and text that could run as a formula escaped with a leading apostrophe."""

from __future__ import annotations

import csv
import io

from domain.report import Report, Section, summary
from infra.reports.cells import csv_cell, metadata

MEDIA_TYPE = "text/csv; charset=utf-8"


def _block(writer, title: str, columns: tuple[str, ...], rows, total=None) -> None:
    writer.writerow([csv_cell(title)])
    writer.writerow([csv_cell(c) for c in columns])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    if total is not None:
        writer.writerow([csv_cell(v) for v in total])
    writer.writerow([])


def render(report: Report) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(f"Verantwoording Informatiepunt Digitale Overheid – {report.library}")])
    writer.writerows([csv_cell(k), csv_cell(v)] for k, v in metadata(report))
    writer.writerow([])
    _block(writer, "Samenvatting", ("Onderwerp", "Aantal"), summary(report))
    for s in report.sections:
        write_section(writer, s)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def write_section(writer, s: Section) -> None:
    _block(writer, s.title, s.columns, s.rows, s.total)
