"""Aggregates of library reports (a POI's libraries, all libraries): sections summed by their labels, one row
per library instead of per location, and small-cell suppression before anything is published (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from domain.catalogue import CATALOGUE
from domain.report import Cell, Period, Report, Section, suppress
from domain.survey_results import KEY as SURVEY
from domain.verantwoording import IDO_COLUMNS, completeness_section, kind_columns

SUMMED = ("soort", "npd", "onderwerp", "hulp", "verwijzing", "maand", "cursisten")


def sum_sections(sections: Sequence[Section]) -> Section:
    """Rows with the same labels are added up; rows keep the order in which their labels first appear."""
    first = sections[0]
    labels = first.label_columns
    acc: dict[tuple[Cell, ...], list[int]] = {}
    for s in sections:
        for r in s.rows:
            key = tuple(r[i] for i in labels)
            counts = acc.setdefault(key, [0] * len(first.count_columns))
            for n, col in enumerate(first.count_columns):
                counts[n] += int(r[col] or 0)  # type: ignore[arg-type]
    rows = tuple(_row(first, key, counts) for key, counts in acc.items())
    total = None
    if first.total is not None:
        sums = [sum(int(r[c]) for r in rows) for c in first.count_columns]  # type: ignore[arg-type]
        total = _row(first, tuple(first.total[i] for i in labels), sums)
    return replace(first, rows=rows, total=total)


def _row(s: Section, labels: tuple[Cell, ...], counts: list[int]) -> tuple[Cell, ...]:
    out: list[Cell] = [None] * len(s.columns)
    for i, v in zip(s.label_columns, labels, strict=True):
        out[i] = v
    for i, v in zip(s.count_columns, counts, strict=True):
        out[i] = v
    return tuple(out)


def library_rows_section(reports: Sequence[Report]) -> Section:
    """Questions per kind, one row per library (from each library's own "soort" section)."""
    rows = tuple((r.library, *(row[1] for row in r.section("soort").rows[:3])) for r in reports)
    kinds = kind_columns()
    total = ("Totaal", *(sum(int(row[i]) for row in rows) for i in range(1, len(kinds) + 1)))  # type: ignore[arg-type]
    return Section("bibliotheek", "Vragen per bibliotheek", ("Bibliotheek", *kinds), rows, (1, 2, 3), total)


def ido_section(reports: Sequence[Report]) -> Section:
    rows = tuple((r.library, *row) for r in reports for row in r.section("ido").rows)
    return Section(
        "ido", "IDO-locaties: variant, status en openingsuren", ("Bibliotheek", *IDO_COLUMNS), rows
    )


def aggregate(reports: Sequence[Report], label: str, scope: str, period: Period, today: date) -> Report:
    """The suppressed aggregate of unsuppressed library reports over the same period."""
    if any(r.suppressed or r.period != period for r in reports):
        raise ValueError("aggregate needs unsuppressed library reports of the same period")
    found = tuple(f"{r.library}: {len(r.warnings)} waarschuwing(en)" for r in reports if r.warnings)
    summed = tuple(sum_sections([r.section(k) for r in reports]) for k in SUMMED) if reports else ()
    sections = (
        *summed,
        library_rows_section(reports),
        ido_section(reports),
        completeness_section(found),
        *(
            [sum_sections(survey)]
            if (survey := [r.section(SURVEY) for r in reports if r.has(SURVEY)])
            else []
        ),
    )
    first = reports[0] if reports else None
    report = Report(
        library=label,
        scope=scope,
        period=period,
        catalogue_version=first.catalogue_version if first else CATALOGUE.version,
        kb_form_version=first.kb_form_version if first else CATALOGUE.kb_form_version,
        generated_on=today,
        sections=sections,
        warnings=found,
        extra={"libraries": str(len(reports))},
    )
    return suppress(report)
