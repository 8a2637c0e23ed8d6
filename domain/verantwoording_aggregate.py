"""Aggregates of library reports (a POI's libraries, all libraries): sections summed by their labels, one row
per library instead of per location, and small-cell suppression before anything is published (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from domain.catalogue import CATALOGUE
from domain.help_time import HelpTime
from domain.report import Cell, Period, Report, Section, suppress, with_ratios
from domain.survey_results import KEY as SURVEY
from domain.survey_results import MIN_LIBRARIES
from domain.verantwoording import (
    IDO_COLUMNS,
    IDO_TITLE,
    completeness_section,
    gemeente_order,
    kind_columns,
    time_section,
    visitor_section,
)

SUMMED = (
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
    "tijd_onderwerp",
    "tijd_week",
    "cursisten",
)


def sum_sections(sections: Sequence[Section]) -> Section:
    """Rows with the same labels are added up (counts, and measures such as hours); ratios are computed again
    from the sums; rows keep the order in which their labels first appear."""
    first = sections[0]
    labels = first.label_columns
    measures = [m for m, _ in first.measures]
    acc: dict[tuple[Cell, ...], tuple[list[int], list[float]]] = {}
    for s in sections:
        for r in s.rows:
            key = tuple(r[i] for i in labels)
            counts, amounts = acc.setdefault(key, ([0] * len(first.count_columns), [0.0] * len(measures)))
            for n, col in enumerate(first.count_columns):
                counts[n] += int(r[col] or 0)  # type: ignore[arg-type]
            for n, col in enumerate(measures):
                amounts[n] += float(r[col] or 0)  # type: ignore[arg-type]
    rows = tuple(_row(first, key, counts, amounts) for key, (counts, amounts) in acc.items())
    total = None
    if first.total is not None:
        sums = [sum(int(r[c]) for r in rows) for c in first.count_columns]  # type: ignore[arg-type]
        amounts = [sum(float(r[c]) for r in rows) for c in measures]  # type: ignore[arg-type]
        total = _row(first, tuple(first.total[i] for i in labels), sums, amounts)
    return with_ratios(replace(first, rows=rows, total=total))


def _row(s: Section, labels: tuple[Cell, ...], counts: list[int], amounts: list[float]) -> tuple[Cell, ...]:
    out: list[Cell] = [None] * len(s.columns)
    for i, v in zip(s.label_columns, labels, strict=True):
        out[i] = v
    for i, v in zip(s.count_columns, counts, strict=True):
        out[i] = v
    for (i, _), a in zip(s.measures, amounts, strict=True):
        out[i] = a
    return tuple(out)


def library_rows_section(reports: Sequence[Report]) -> Section:
    """Questions per kind, one row per library (from each library's own "soort" section)."""
    rows = tuple((r.library, *(row[1] for row in r.section("soort").rows[:3])) for r in reports)
    kinds = kind_columns()
    total = ("Totaal", *(sum(int(row[i]) for row in rows) for i in range(1, len(kinds) + 1)))  # type: ignore[arg-type]
    return Section("bibliotheek", "Vragen per bibliotheek", ("Bibliotheek", *kinds), rows, (1, 2, 3), total)


def visitors_per_library(reports: Sequence[Report]) -> Section:
    """Visitors and questions per library (each library's total over its months)."""
    places = [(r.library, *_total(r, "bezoekers_maand", 1, 2)) for r in reports]
    return visitor_section("bezoekers_bibliotheek", "Bezoekers per bibliotheek", "Bibliotheek", places)  # type: ignore[arg-type]


def time_per_library(reports: Sequence[Report]) -> Section:
    """Time spent per library (each library's total over its weeks)."""
    rows = []
    for r in reports:
        t = r.section("tijd_week").total
        assert t is not None
        rows.append(((r.library,), HelpTime(int(t[2]), int(t[3]), float(t[4]))))  # type: ignore[arg-type]
    return time_section("tijd_bibliotheek", "Hulptijd per bibliotheek", ("Bibliotheek",), rows)


def _total(r: Report, key: str, *columns: int) -> tuple[int, ...]:
    total = r.section(key).total
    assert total is not None
    return tuple(int(total[c]) for c in columns)  # type: ignore[arg-type]


def ido_section(reports: Sequence[Report]) -> Section:
    rows = tuple((r.library, *row) for r in reports for row in r.section("ido").rows)
    return Section("ido", IDO_TITLE, ("Bibliotheek", *IDO_COLUMNS), rows)


def gemeente_section(reports: Sequence[Report]) -> Section:
    """Visitors and questions per gemeente over the libraries (a gemeente with locations of several libraries
    is one row), by province and name; the locations without a gemeente summed in one row."""
    summed = sum_sections([r.section("gemeente") for r in reports])
    return replace(summed, rows=tuple(sorted(summed.rows, key=gemeente_order)))


def _answered_surveys(reports: Sequence[Report]) -> list[Section]:
    """The survey sections of the libraries with answers: summed only over MIN_LIBRARIES or more of them, so the
    sum is never one library's own answers."""
    return [s for r in reports if r.has(SURVEY) and (s := r.section(SURVEY)).rows]


def aggregate(reports: Sequence[Report], label: str, scope: str, period: Period, today: date) -> Report:
    """The suppressed aggregate of unsuppressed library reports over the same period."""
    if any(r.suppressed or r.period != period for r in reports):
        raise ValueError("aggregate needs unsuppressed library reports of the same period")
    found = tuple(f"{r.library}: {len(r.warnings)} waarschuwing(en)" for r in reports if r.warnings)
    summed = tuple(sum_sections([r.section(k) for r in reports]) for k in SUMMED) if reports else ()
    sections = (
        *summed,
        *([gemeente_section(reports)] if reports else []),
        library_rows_section(reports),
        visitors_per_library(reports),
        time_per_library(reports),
        ido_section(reports),
        completeness_section(found),
        *([sum_sections(survey)] if len(survey := _answered_surveys(reports)) >= MIN_LIBRARIES else []),
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
