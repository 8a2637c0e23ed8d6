"""Figures of a period beside the previous period and a year earlier, with the change as Dutch text, and
small-cell suppression that no shown change can undo (pure; docs/comparison.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from domain.help_time import decimal
from domain.periods import Comparison
from domain.report import SUPPRESSED, Section, suppress_section

Value = int | float | str | None  # a count or a measure; SUPPRESSED ("<5"); None: no data then
NO_DATA = "—"
NEW = "nieuw"
HIDDEN = "verborgen"
MINUS = "\u2212"  # the minus sign, not a hyphen: "−4 %"
NBSP = "\u00a0"  # "+11 %" stays on one line


def percentage(current: int | float, earlier: int | float) -> str:
    """The change from `earlier` (not 0) to `current` in whole percents, a half rounded away from zero."""
    exact = (Decimal(repr(current)) - Decimal(repr(earlier))) / Decimal(repr(earlier)) * 100
    whole = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    sign = "+" if whole > 0 else MINUS if whole < 0 else ""
    return f"{sign}{decimal(abs(whole), 0)}{NBSP}%"


def change(current: Value, earlier: Value) -> str:
    """ "+11 %", "−4 %", "0 %"; "nieuw" when the earlier figure is 0 and this one is not; "—" when either has no
    figure (no data then, or a ratio without a denominator); else "verborgen" when either is hidden (<5), so
    the change cannot give a hidden figure away."""
    if current is None or earlier is None:
        return NO_DATA
    if isinstance(current, str) or isinstance(earlier, str):
        return HIDDEN
    if earlier == 0:
        return NEW if current else f"0{NBSP}%"
    return percentage(current, earlier)


def figure_text(value: Value, places: int = 0) -> str:
    """1.234, 1,31 (with `places`), "<5", or "—" for no data."""
    if value is None:
        return NO_DATA
    if isinstance(value, str):
        return value
    return decimal(value, places)


@dataclass(frozen=True, slots=True)
class Row:
    """One figure in the period, the previous period and a year earlier. `places`: decimals shown."""

    label: str
    current: Value
    previous: Value
    year_earlier: Value
    places: int = 0

    @property
    def values(self) -> tuple[Value, Value, Value]:
        return (self.current, self.previous, self.year_earlier)

    @property
    def texts(self) -> tuple[str, str, str]:
        return tuple(figure_text(v, self.places) for v in self.values)  # type: ignore[return-value]

    @property
    def previous_change(self) -> str:
        return change(self.current, self.previous)

    @property
    def year_change(self) -> str:
        return change(self.current, self.year_earlier)


def known(c: Comparison, since: date | None) -> tuple[bool, bool, bool]:
    """Per span: was anything registered by then? `since`: the day of the first question counted (None: none
    yet). A span that ends before it has no data (—), not zero."""
    return tuple(since is not None and since <= s.last for s in c.spans)  # type: ignore[return-value]


def counted_from(c: Comparison, since: date | None) -> date | None:
    """The first question's day when an earlier period began before it (that period counts from that day on, or
    has no data at all); else None."""
    if since is None or since <= min(c.previous.first, c.year_earlier.first):
        return None
    return since


def counted(label: str, values: Sequence[int | float], seen: Sequence[bool], places: int = 0) -> Row:
    """A row of the three spans' figures: the period's own always, an earlier one only where `seen` says there
    was data by then (else None: no data)."""
    current, previous, earlier = values
    return Row(label, current, previous if seen[1] else None, earlier if seen[2] else None, places)


def ratio(label: str, numerator: Row, denominator: Row, places: int = 2) -> Row:
    """numerator / denominator per span, rounded half up; hidden where either is hidden, no figure where either
    has none or the denominator is 0."""

    def one(n: Value, d: Value) -> Value:
        if n == SUPPRESSED or d == SUPPRESSED:
            return SUPPRESSED
        if not isinstance(n, int | float) or not isinstance(d, int | float) or not d:
            return None
        exact = Decimal(repr(n)) / Decimal(repr(d))
        return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))

    values = [one(n, d) for n, d in zip(numerator.values, denominator.values, strict=True)]
    return Row(label, *values, places=places)


def suppressed(rows: Sequence[Row], total: Row) -> tuple[list[Row], Row]:
    """Counts of 1 to 4 hidden (<5) in the rows and the total, per span as in the verantwoording
    (domain.report.suppress_section: when a row's cell is hidden, the next smallest of its column is hidden too,
    so that the total does not give it away). Each change is computed from the hidden values, so it is hidden
    wherever either of its figures is."""
    section = Section(
        key="vergelijking",
        title="",
        columns=("", "periode", "vorige periode", "een jaar eerder"),
        rows=tuple((r.label, *r.values) for r in rows),
        count_columns=(1, 2, 3),
        total=(total.label, *total.values),
    )
    hidden = suppress_section(section)
    out = [Row(str(r[0]), *r[1:]) for r in hidden.rows]  # type: ignore[arg-type]
    assert hidden.total is not None
    return out, Row(str(hidden.total[0]), *hidden.total[1:])  # type: ignore[arg-type]


def summed(label: str, rows: Sequence[Row]) -> Row:
    """The rows added up per span; no data where no row has any (before the rows are suppressed)."""

    def add(values: list[Value]) -> Value:
        counts = [v for v in values if isinstance(v, int | float)]
        return sum(counts) if counts else None

    return Row(label, *(add([r.values[i] for r in rows]) for i in range(3)))


# The dashboard: one library's own figures, not suppressed (they do not leave the library).


def rounded(value: float, places: int) -> float:
    """Half up, as the figure is shown, so that its change follows from the shown figures."""
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def headline(
    c: Comparison,
    questions: Sequence[int],
    visitors: Sequence[int],
    hours: Sequence[float],
    since: date | None,
) -> list[Row]:
    """Questions, visitors, questions per visitor and hours of help in the three periods."""
    seen = known(c, since)
    q = counted("Vragen", questions, seen)
    v = counted("Bezoekers", visitors, seen)
    h = counted("Hulptijd (uren)", [rounded(x, 1) for x in hours], seen, places=1)
    return [q, v, ratio("Vragen per bezoeker", q, v), h]


def per_label(c: Comparison, figures: dict[str, Sequence[int]], since: date | None) -> list[Row]:
    """A row per label (an NPD party) with a figure in any period, the most asked now first."""
    seen = known(c, since)
    rows = [counted(label, values, seen) for label, values in figures.items() if any(values)]
    return sorted(rows, key=lambda r: (-_number(r.current), -_number(r.previous), r.label))


def _number(value: Value) -> float:
    return value if isinstance(value, int | float) else 0


# The boards: libraries (a POI's) or groups of libraries (the POIs), suppressed.


@dataclass(frozen=True, slots=True)
class Counts:
    """One library's questions and visitors in the three periods, and the day of its first question."""

    questions: tuple[int, int, int]
    visitors: tuple[int, int, int]
    since: date | None


@dataclass(frozen=True, slots=True)
class Table:
    rows: list[Row]
    total: Row


@dataclass(frozen=True, slots=True)
class Board:
    """Questions and visitors per row (suppressed), and the totals as the headline figures."""

    questions: Table
    visitors: Table

    @property
    def headline(self) -> list[Row]:
        q = Row("Vragen", *self.questions.total.values)
        v = Row("Bezoekers", *self.visitors.total.values)
        return [q, v, ratio("Vragen per bezoeker", q, v)]


def board(c: Comparison, groups: Sequence[tuple[str, Sequence[Counts]]]) -> Board:
    """A row per group (one library, or a POI's libraries), summed over its libraries, each library's earlier
    figures only from its first question on; a total; small cells hidden per period (`suppressed`)."""

    def table(figure: str) -> Table:
        rows = [
            summed(label, [counted(label, getattr(m, figure), known(c, m.since)) for m in members])
            for label, members in groups
        ]
        shown, total = suppressed(rows, summed("Totaal", rows))
        return Table(shown, total)

    return Board(table("questions"), table("visitors"))
