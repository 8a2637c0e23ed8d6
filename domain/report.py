"""The verantwoording report: what the KB asks per library per year (or quarter), built from read-model rows,
with completeness warnings and small-cell suppression for views published beyond the library."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

MIN_PUBLISHED_COUNT = 5
SUPPRESSED = "<5"

Cell = int | float | str | date | None


@dataclass(frozen=True)
class Section:
    """One table of the report: the same in XLSX (a sheet), CSV (a block) and PDF (a table)."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    count_columns: tuple[int, ...] = ()  # indexes of columns holding counts (subject to suppression)


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None

    @property
    def first(self) -> date:
        return date(self.year, 1 if self.quarter is None else 3 * self.quarter - 2, 1)

    @property
    def last(self) -> date:
        if self.quarter is None or self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}" if self.quarter is None else f"{self.year} kwartaal {self.quarter}"

    def months(self) -> list[tuple[int, int]]:
        return [(self.year, m) for m in range(self.first.month, self.last.month + 1)]


@dataclass(frozen=True)
class Report:
    library: str  # or the POI / "Landelijk" for aggregates
    scope: str  # "library", "poi", "national"
    period: Period
    catalogue_version: str
    kb_form_version: str
    generated_on: date
    sections: tuple[Section, ...]
    warnings: tuple[str, ...] = ()
    suppressed: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def suppress(report: Report, minimum: int = MIN_PUBLISHED_COUNT) -> Report:
    """Counts from 1 to minimum-1 show as "<5". Where a section's rows would let a total recover a hidden
    cell (exactly one hidden cell in a count column), the next smallest cell is hidden too."""
    sections = tuple(_suppress_section(s, minimum) for s in report.sections)
    return replace(report, sections=sections, suppressed=True)


def _suppress_section(s: Section, minimum: int) -> Section:
    rows = [list(r) for r in s.rows]
    for col in s.count_columns:
        small = [i for i, r in enumerate(rows) if isinstance(r[col], int) and 0 < r[col] < minimum]
        for i in small:
            rows[i][col] = SUPPRESSED
        if len(small) == 1:
            shown = [i for i, r in enumerate(rows) if isinstance(r[col], int) and r[col] > 0]
            if shown:
                j = min(shown, key=lambda i: rows[i][col])
                rows[j][col] = SUPPRESSED
    return replace(s, rows=tuple(tuple(r) for r in rows))
