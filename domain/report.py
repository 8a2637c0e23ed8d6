"""The verantwoording report: what the KB asks per library per year (or quarter), built from read-model rows,
with completeness warnings and small-cell suppression for views published beyond the library."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from domain.calendar import MONTHS, month_bounds, quarter_bounds, year_bounds

MIN_PUBLISHED_COUNT = 5
SUPPRESSED = "<5"

Cell = int | float | str | date | None


@dataclass(frozen=True)
class Ratio:
    """A column computed from its own row: `numerator` / `denominator` / `divisor` (questions per visitor, minutes
    per question; without a denominator: `numerator` / `divisor`, hours from minutes), rounded half up to `places`
    decimals as every format shows it. Computed again after rows are summed, hidden wherever one of its columns
    is hidden, empty when the denominator is 0."""

    column: int
    numerator: int
    denominator: int | None
    divisor: int = 1
    places: int = 2

    @property
    def sources(self) -> tuple[int, ...]:
        return (self.numerator,) if self.denominator is None else (self.numerator, self.denominator)

    def of(self, row: tuple[Cell, ...] | list[Cell]) -> float | None:
        values = [row[i] for i in self.sources]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return None
        n, d = values[0], values[1] if len(values) > 1 else 1
        if not d:
            return None
        exact = Decimal(repr(float(n))) / Decimal(repr(float(d))) / self.divisor  # type: ignore[arg-type]
        return float(exact.quantize(Decimal(1).scaleb(-self.places), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Section:
    """One table of the report: the same in XLSX (a sheet), CSV (a block) and PDF (a table)."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    count_columns: tuple[int, ...] = ()  # indexes of columns holding counts (subject to suppression)
    total: tuple[Cell, ...] | None = None  # the "Totaal" row under the table, if it has one
    # (column, count column): a quantity that adds up like a count but is none (hours of help, a float),
    # hidden wherever the count it belongs to is hidden
    measures: tuple[tuple[int, int], ...] = ()
    ratios: tuple[Ratio, ...] = ()

    @property
    def figure_columns(self) -> tuple[int, ...]:
        """Columns that are figures: counts, measures and ratios."""
        return (*self.count_columns, *(m for m, _ in self.measures), *(r.column for r in self.ratios))

    # rows with the same value in this column are suppressed as a block of their own (the answers to one
    # question of the survey add up to the number of answers, so a hidden cell must not follow from its block)
    group_by: int | None = None

    @property
    def label_columns(self) -> tuple[int, ...]:
        figures = self.figure_columns
        return tuple(i for i in range(len(self.columns)) if i not in figures)


def with_ratios(s: Section) -> Section:
    """The section with its ratio columns computed from its rows and total."""
    if not s.ratios:
        return s

    def fill(row: tuple[Cell, ...]) -> tuple[Cell, ...]:
        out = list(row)
        for r in s.ratios:
            out[r.column] = r.of(out)
        return tuple(out)

    total = fill(s.total) if s.total is not None else None
    return replace(s, rows=tuple(fill(r) for r in s.rows), total=total)


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None

    @property
    def bounds(self) -> tuple[date, date]:
        return year_bounds(self.year) if self.quarter is None else quarter_bounds(self.year, self.quarter)

    @property
    def first(self) -> date:
        return self.bounds[0]

    @property
    def last(self) -> date:
        return self.bounds[1]

    @property
    def label(self) -> str:
        return f"{self.year}" if self.quarter is None else f"{self.year} kwartaal {self.quarter}"

    @property
    def slug(self) -> str:
        return f"{self.year}" if self.quarter is None else f"{self.year}-k{self.quarter}"

    def months(self) -> list[tuple[int, int]]:
        return [(self.year, m) for m in range(self.first.month, self.last.month + 1)]

    def month_starts(self) -> list[date]:
        return [date(y, m, 1) for y, m in self.months()]


def month_last(first: date) -> date:
    return month_bounds(first)[1]


def month_label(first: date) -> str:
    return f"{MONTHS[first.month - 1]} {first.year}"


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

    def has(self, key: str) -> bool:
        return any(s.key == key for s in self.sections)


def suppress(report: Report, minimum: int = MIN_PUBLISHED_COUNT) -> Report:
    """Counts from 1 to minimum-1 show as "<5" (the total too). The hidden cells of a column must not be
    recoverable from the total (or from the same total published in another section): when one cell of a
    column is hidden, or all hidden cells can only be 1 (their sum equals their number), the next smallest
    shown cell is hidden too."""
    sections = tuple(_suppress_section(s, minimum) for s in report.sections)
    return replace(report, sections=sections, suppressed=True)


def suppress_section(s: Section, minimum: int = MIN_PUBLISHED_COUNT) -> Section:
    """One section as `suppress` hides its small cells (for a section shown beside unsuppressed ones)."""
    return _suppress_section(s, minimum)


def _suppress_section(s: Section, minimum: int) -> Section:
    if s.group_by is not None:
        return _suppress_blocks(s, s.group_by, minimum)
    rows = [list(r) for r in s.rows]
    total = list(s.total) if s.total is not None else None
    for col in s.count_columns:
        small = [i for i, r in enumerate(rows) if _is_count(r[col]) and 0 < r[col] < minimum]
        hidden_sum = sum(rows[i][col] for i in small)
        for i in small:
            rows[i][col] = SUPPRESSED
        if small and (len(small) == 1 or hidden_sum == len(small)):
            shown = [i for i, r in enumerate(rows) if _is_count(r[col]) and r[col] > 0]
            if shown:
                j = min(shown, key=lambda i: rows[i][col])
                rows[j][col] = SUPPRESSED
        if total is not None and _is_count(total[col]) and 0 < total[col] < minimum:
            total[col] = SUPPRESSED
    for row in (*rows, *([total] if total is not None else [])):
        for col, base in s.measures:
            if row[base] == SUPPRESSED:
                row[col] = SUPPRESSED
        for r in s.ratios:
            if any(row[i] == SUPPRESSED for i in r.sources):
                row[r.column] = SUPPRESSED
    return replace(s, rows=tuple(tuple(r) for r in rows), total=tuple(total) if total is not None else None)


def _suppress_blocks(s: Section, column: int, minimum: int) -> Section:
    """Each block of rows with the same value in `column` is suppressed as a section of its own."""
    rows = list(s.rows)
    for label in dict.fromkeys(r[column] for r in s.rows):
        at = [i for i, r in enumerate(s.rows) if r[column] == label]
        block = _suppress_section(
            replace(s, rows=tuple(s.rows[i] for i in at), total=None, group_by=None), minimum
        )
        for i, row in zip(at, block.rows, strict=True):
            rows[i] = row
    total = _suppress_section(replace(s, rows=(), group_by=None), minimum).total
    return replace(s, rows=tuple(rows), total=total)


def _is_count(value: Cell) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def summary(report: Report) -> list[tuple[str, Cell]]:
    """The key figures, copied from the (possibly suppressed) sections, so they never reveal a hidden cell."""
    out: list[tuple[str, Cell]] = []
    if report.has("soort"):
        kinds = report.section("soort")
        out.append(("Vragen, alle soorten", kinds.total[1] if kinds.total else 0))
        out += [(f"Vragen: {r[0]}", r[1]) for r in kinds.rows]
    if report.has("bezoekers_maand"):
        v = report.section("bezoekers_maand")
        if v.total:
            out += [("Bezoekers", v.total[1]), ("Vragen per bezoeker", v.total[3])]
    if report.has("tijd_week"):
        t = report.section("tijd_week")
        if t.total:
            out += [
                ("Vragen met een duur", t.total[3]),
                ("Hulptijd (uren)", t.total[5]),
                ("Gemiddelde hulptijd per vraag met een duur (minuten)", t.total[6]),
            ]
    if report.has("cursisten"):
        c = report.section("cursisten")
        if c.total:
            out += [("Cursussen", c.total[1]), ("Cursisten", c.total[3]), ("Cursisten afgerond", c.total[4])]
    if report.has("ido"):
        ido = report.section("ido")
        status_col = ido.columns.index("Status")
        out.append(("IDO-locaties", len(ido.rows)))
        out.append(("IDO-locaties open", sum(1 for r in ido.rows if r[status_col] == "Open")))
    out.append(("Waarschuwingen over volledigheid", len(report.warnings)))
    return out
