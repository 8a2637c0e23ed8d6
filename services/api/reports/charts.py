"""Geometry of the dashboard's SVG charts: positions and sizes here, the markup in dashboard/partials/."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from domain.opening_hours import WEEKDAYS
from infra.queries.dashboard import Count, Day, Heatmap, Week
from infra.queries.locations import Location

WIDTH = 640
HBAR_WIDTH = 480  # narrower: these charts sit two side by side
LEVELS = 5  # shades of a heatmap cell with questions; 0 is an empty cell
DAYS = WEEKDAYS
KEY_STEP = 64  # legend entries, left to right
LEGEND_ROOM = 40  # below the grid
SHORT_DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
SHORT_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str
    sub: str = ""


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]


@dataclass(frozen=True)
class HBarChart:
    width: int
    height: int
    bars: list[Bar]


def nice_step(top: int, lines: int = 4) -> int:
    """A round step (1, 2 or 5 × 10ⁿ) that divides 0..top into at most `lines` intervals."""
    raw = max(top, 1) / lines
    base = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for m in (1, 2, 5, 10):
        if m * base >= raw:
            return max(int(m * base), 1)
    return int(10 * base)


def columns(weeks: list[Week], height: int = 240) -> ColumnChart:
    left, right, top, bottom = 44, WIDTH - 8, 12, height - 40
    step = nice_step(max((w.count for w in weeks), default=0))
    y_max = step * max(1, math.ceil(max((w.count for w in weeks), default=0) / step))
    slot = (right - left) / max(len(weeks), 1)
    gap = slot * 0.2 if slot > 4 else 0.0
    bars = []
    for i, w in enumerate(weeks):
        h = (bottom - top) * w.count / y_max
        bars.append(
            Bar(left + i * slot + gap / 2, bottom - h, slot - gap, h, f"week {w.week} {w.year}", w.count)
        )
    y_ticks = [Tick(bottom - (bottom - top) * v / y_max, str(v)) for v in range(0, y_max + 1, step)]
    every = max(1, math.ceil(len(weeks) / 8))
    x_ticks, year = [], None
    for i in range(0, len(weeks), every):
        w = weeks[i]
        x_ticks.append(Tick(left + (i + 0.5) * slot, f"wk {w.week}", str(w.year) if w.year != year else ""))
        year = w.year
    return ColumnChart(WIDTH, height, left, top, right, bottom, bars, y_ticks, x_ticks)


def daily(days: list[Day], first: date, last: date, height: int = 200) -> ColumnChart:
    """Visitors per day, every day of first..last (days without visitors are gaps); ticks at month starts."""
    left, right, top, bottom = 44, WIDTH - 8, 12, height - 40
    found = {d.day: d.visitors for d in days}
    span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    counts = [found.get(d, 0) for d in span]
    step = nice_step(max(counts, default=0))
    y_max = step * max(1, math.ceil(max(counts, default=0) / step))
    slot = (right - left) / max(len(span), 1)
    gap = slot * 0.2 if slot > 4 else 0.0
    bars = []
    for i, (d, n) in enumerate(zip(span, counts, strict=True)):
        h = (bottom - top) * n / y_max
        bars.append(Bar(left + i * slot + gap / 2, bottom - h, slot - gap, h, d.isoformat(), n))
    y_ticks = [Tick(bottom - (bottom - top) * v / y_max, str(v)) for v in range(0, y_max + 1, step)]
    starts = [i for i, d in enumerate(span) if d.day == 1] or [0]
    every = max(1, math.ceil(len(starts) / 8))
    x_ticks, year = [], None
    for i in starts[::every]:
        d = span[i]
        x_ticks.append(
            Tick(left + (i + 0.5) * slot, SHORT_MONTHS[d.month - 1], str(d.year) if d.year != year else "")
        )
        year = d.year
    return ColumnChart(WIDTH, height, left, top, right, bottom, bars, y_ticks, x_ticks)


def hbars(rows: list[Count], row_height: int = 36) -> HBarChart:
    """One row per count: the label above its bar, the number after it."""
    longest = max((r.count for r in rows), default=0) or 1
    room = HBAR_WIDTH - 48
    bars = [
        Bar(0, i * row_height + 17, max(room * r.count / longest, 1), 13, r.label, r.count)
        for i, r in enumerate(rows)
    ]
    return HBarChart(HBAR_WIDTH, max(len(rows) * row_height, row_height), bars)


@dataclass(frozen=True)
class Cell:
    x: float
    y: float
    weekday: int
    hour: int
    count: int
    level: int
    is_open: bool


@dataclass(frozen=True)
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Key:
    level: int
    x: float
    label: str


@dataclass(frozen=True)
class HeatmapChart:
    width: int
    height: int
    left: int
    top: int
    cell_w: int
    cell_h: int
    hours: list[int]
    rows: list[list[Cell]]
    day_labels: list[Tick]
    outline: list[Segment]
    keys: list[Key]
    has_hours: bool
    opening_hours: list[str]

    @property
    def grid_width(self) -> int:
        return self.cell_w * len(self.hours)

    @property
    def grid_height(self) -> int:
        return self.cell_h * 7

    @property
    def legend_y(self) -> int:
        return self.top + self.grid_height + 16

    @property
    def open_key_x(self) -> int:
        """Where the legend's 'open' entry goes: after the shades."""
        return self.left + len(self.keys) * KEY_STEP + 8


def level(count: int, top: int) -> int:
    return 0 if count <= 0 or top <= 0 else min(LEVELS, math.ceil(count * LEVELS / top))


def shown_hours(matrix: Heatmap, locations: list[Location]) -> list[int]:
    """07–22 unless questions were asked, or an IDO is open, outside those hours."""
    early_late = (*range(0, 7), 23)
    outside = any(row[h] for row in matrix.counts for h in early_late) or any(
        loc.is_open(d, h) for loc in locations for d in range(7) for h in early_late
    )
    return list(range(24)) if outside else list(range(7, 23))


def heatmap(matrix: Heatmap, locations: list[Location], cell_w: int = 36, cell_h: int = 28) -> HeatmapChart:
    """Counts shaded per weekday × hour, outlined where any of `locations` is open (their union)."""
    hours, top_count = shown_hours(matrix, locations), matrix.max
    left, top = 36, 20
    rows = [
        [
            _cell(matrix, locations, top_count, d, h, left + i * cell_w, top + d * cell_h)
            for i, h in enumerate(hours)
        ]
        for d in range(7)
    ]
    return HeatmapChart(
        width=left + len(hours) * cell_w + 8,
        height=top + 7 * cell_h + LEGEND_ROOM,
        left=left,
        top=top,
        cell_w=cell_w,
        cell_h=cell_h,
        hours=hours,
        rows=rows,
        day_labels=[Tick(top + (d + 0.5) * cell_h, SHORT_DAYS[d], DAYS[d]) for d in range(7)],
        outline=_outline(rows, cell_w, cell_h),
        keys=_keys(top_count, left),
        has_hours=any(loc.slots for loc in locations),
        opening_hours=[_hours_text(loc) for loc in locations if loc.slots],
    )


def _cell(
    matrix: Heatmap, locations: list[Location], top_count: int, weekday: int, hour: int, x: float, y: float
) -> Cell:
    count = matrix.counts[weekday][hour]
    is_open = any(loc.is_open(weekday, hour) for loc in locations)
    return Cell(x, y, weekday, hour, count, level(count, top_count), is_open)


def _outline(rows: list[list[Cell]], w: int, h: int) -> list[Segment]:
    """The border of the open cells: every side of an open cell whose neighbour is closed or not shown."""

    def open_at(d: int, i: int) -> bool:
        return 0 <= d < len(rows) and 0 <= i < len(rows[d]) and rows[d][i].is_open

    out = []
    for d, row in enumerate(rows):
        for i, c in enumerate(row):
            if not c.is_open:
                continue
            if not open_at(d - 1, i):
                out.append(Segment(c.x, c.y, c.x + w, c.y))
            if not open_at(d + 1, i):
                out.append(Segment(c.x, c.y + h, c.x + w, c.y + h))
            if not open_at(d, i - 1):
                out.append(Segment(c.x, c.y, c.x, c.y + h))
            if not open_at(d, i + 1):
                out.append(Segment(c.x + w, c.y, c.x + w, c.y + h))
    return out


def _keys(top_count: int, left: int) -> list[Key]:
    """The legend: which counts each shade stands for (shades no count falls into are left out)."""
    keys = []
    for lv in range(1, LEVELS + 1):
        lo, hi = (lv - 1) * top_count // LEVELS + 1, lv * top_count // LEVELS
        if lo <= hi:
            keys.append(Key(lv, 0, str(lo) if lo == hi else f"{lo}–{hi}"))
    return [Key(k.level, left + i * KEY_STEP, k.label) for i, k in enumerate(keys)]


def _hours_text(location: Location) -> str:
    slots = sorted(location.slots, key=lambda s: (s.weekday, s.opens))
    return f"{location.name}: " + ", ".join(f"{DAYS[s.weekday]} {s.opens}–{s.closes}" for s in slots)
