"""The verantwoording as a tagged PDF (PDF/UA-1, A4 portrait, Dutch), laid out here and written by pdf_doc.

The layout is the report's own: a title, the lines about the report, the summary and one table per section. A
table takes the full width; its columns get at least their longest word and what is left in proportion to what
each lacks (as the automatic table layout of CSS 2.1 would share it out). A row never breaks over two pages; on a
following page the table's header row is repeated (an artifact: the structure holds it once) and a heading stays
with the first row under it. Text wraps at spaces and after "/", "-" and "–" (not inside a number or a date); a
word wider than its column is broken between characters. Every page has the report's period and "Pagina n van m"
in its footer.

Why not HTML and CSS through WeasyPrint, as before: it cost about 2.5 s of CPU for a library's 16 pages, so the
KB's national bundle of 200 libraries could not be made in a minute on two cores (docs/decisions.md)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import fontTools
import pydyf

from domain.report import Cell, Report, summary
from infra.reports import pdf_doc
from infra.reports.cells import display, metadata
from infra.reports.pdf_doc import Document, Element, Page, clean, face

MEDIA_TYPE = "application/pdf"

MM = 72 / 25.4
PAGE_W, PAGE_H = 210 * MM, 297 * MM
LEFT, TOP, BOTTOM = 15 * MM, 18 * MM, 20 * MM
WIDTH = 180 * MM
# font sizes in points (SMALL: a table too wide for the body's size)
BODY, SMALL, H1, H2, FOOTER = 9.5, 8.0, 16.0, 12.0, 8.0
TEXT, GREY_TEXT, RULE, SHADE = 0.067, 0.267, 0.6, 0.933  # greys: text, footer, thin rules, header background
PAD_X, PAD_Y = 2 * MM, 1.2 * MM  # inside a cell
META_LABEL = 40 * MM
GAP_H1, GAP_H2_ABOVE, GAP_H2_BELOW, GAP_META, GAP_TABLE = 4 * MM, 7 * MM, 2 * MM, 4 * MM, 2 * MM
_BREAKS = re.compile(r"(?<=\s)(?=\S)|(?<=[/\-–])(?=\D)")  # where a line may break: after spaces, after / - –


def _source_digest() -> str:
    here = Path(__file__)
    parts = [here.read_text(), (here.parent / "pdf_doc.py").read_text(), pydyf.__version__, fontTools.version]
    fonts = [hashlib.sha256(f.read_bytes()).hexdigest() for f in pdf_doc.FONT_FILES.values()]
    return hashlib.sha256("\n".join([*parts, *fonts]).encode()).hexdigest()


# what a PDF looks like besides its report: a PDF kept for the same report is reused only when this is the same
LAYOUT = _source_digest()[:16]


def _line_height(size: float) -> float:
    f = face(False)
    return (f.ascent - f.descent) * size / 1000


def _ascent(size: float) -> float:
    return face(False).ascent * size / 1000


# -- column widths -----------------------------------------------------------------------------------------------

_SLACK = 0.4  # em a column: rounding, a wider fallback font in a viewer


def _em(text: str, bold: bool = False) -> float:
    return face(bold).width(clean(text), 1.0)


def _longest_word(text: str, bold: bool = False) -> float:
    return max((_em(w.strip(), bold) for w in _BREAKS.split(text)), default=0.0)


def column_widths(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    bold_columns: Sequence[int] = (),
    bold_last: bool = False,
    squeeze: bool = False,
    size: float = BODY,
) -> list[float] | None:
    """Each column's share of the table in percent: the widest text when every column's fits, else at least the
    longest word (a number never breaks) and what is left in proportion to what each column lacks. A header counts
    only with its longest word: a header may take a line more once, a row of the body would take it in every row.
    When the longest words may not fit side by side (a few small tables with many columns): None, or with
    `squeeze` the same shared out over the body's longest words alone, so that a header's word breaks between
    characters rather than a number or a date."""
    head = [_longest_word(h, bold=True) for h in headers]
    body = [0.0] * len(headers)
    most = list(head)
    for n, row in enumerate(rows):
        for i, v in enumerate(row):
            text = display(v)
            bold = i in bold_columns or (bold_last and n == len(rows) - 1)
            body[i] = max(body[i], _longest_word(text, bold) if isinstance(v, str) else _em(text, bold))
            most[i] = max(most[i], _em(text, bold))
    extra, room_em = _SLACK + 2 * PAD_X / size, WIDTH / size  # the cell's padding and the table's width in em
    least = [max(h, b) + extra for h, b in zip(head, body, strict=True)]
    if room_em <= sum(least):
        if not squeeze:
            return None
        least = [b + extra for b in body]
    most = [max(w + extra, lo) for w, lo in zip(most, least, strict=True)]
    room, lacking = room_em - sum(least), sum(most) - sum(least)
    if room <= 0:
        widths = least
    elif sum(most) <= room_em or lacking <= 0:
        widths = most
    else:
        widths = [lo + (hi - lo) * room / lacking for lo, hi in zip(least, most, strict=True)]
    return [round(100 * w / sum(widths), 2) for w in widths]


# -- lines -------------------------------------------------------------------------------------------------------


def wrap(text: str, bold: bool, size: float, width: float) -> list[str]:
    """Lines of cleaned text within a width: greedy, at the break opportunities, characters as a last resort."""
    f = face(bold)
    if f.width(text, size) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for piece in _BREAKS.split(text):
        trial = line + piece
        if f.width(trial.rstrip(), size) <= width:
            line = trial
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = piece
        while f.width(line.rstrip(), size) > width and len(line.rstrip()) > 1:
            cut = 1
            while cut < len(line) and f.width(line[: cut + 1], size) <= width:
                cut += 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


# -- the layout --------------------------------------------------------------------------------------------------


class Cellbox:
    """A cell's lines, laid out in its column, and what it is in the structure."""

    __slots__ = ("lines", "bold", "right", "kind", "scope", "size")

    def __init__(
        self, value: Cell, width: float, bold: bool, right: bool, kind: str, scope: str, size: float
    ) -> None:
        self.lines = wrap(clean(display(value)), bold, size, width - 2 * PAD_X) if display(value) else []
        self.bold, self.right, self.kind, self.scope, self.size = bold, right, kind, scope, size


class Layout:
    def __init__(self) -> None:
        self.doc = Document((PAGE_W, PAGE_H), "nl")
        self.page: Page = self.doc.new_page()
        self.y = TOP  # from the top edge
        # the margin still owed above the next block (margins collapse, and vanish at a page top)
        self.gap = 0.0
        self.lh = _line_height(BODY)

    def room(self, height: float) -> bool:
        return self.y + self.gap + height <= PAGE_H - BOTTOM

    def next_page(self) -> None:
        self.page = self.doc.new_page()
        self.y, self.gap = TOP, 0.0

    def place(self, height: float, keep: float = 0.0) -> float:
        """The top of a block of a height (plus what must follow it on the same page), on a new page if needed."""
        if not self.room(height + keep) and self.y > TOP:
            self.next_page()
        top = self.y + self.gap
        self.y, self.gap = top + height, 0.0
        return top

    def runs(
        self, x: float, top: float, lines: list[str], bold: bool, size: float, width: float = 0.0, right=False
    ):
        lh, ascent, f = _line_height(size), _ascent(size), face(bold)
        return [
            (
                x + width - f.width(line, size) if right else x,
                PAGE_H - (top + ascent + i * lh),
                line,
                bold,
                size,
                TEXT,
            )
            for i, line in enumerate(lines)
        ]

    def heading(self, text: str, level: int, size: float, above: float, below: float, keep: float) -> None:
        self.gap = max(self.gap, above)
        lines = wrap(clean(text), True, size, WIDTH)
        top = self.place(len(lines) * _line_height(size), keep)
        element = self.doc.element(f"H{level}")
        self.doc.mark(self.page, element, self.doc.text(self.page, self.runs(LEFT, top, lines, True, size)))
        self.doc.heading(text, level, self.page, top)
        self.gap = below

    def meta(self, lines: list[tuple[str, str]]) -> None:
        items = self.doc.element("L")
        for label, value in lines:
            k = wrap(clean(label), True, BODY, META_LABEL - 2 * MM)
            v = wrap(clean(value), False, BODY, WIDTH - META_LABEL)
            top = self.place(max(len(k), len(v)) * self.lh)
            item = self.doc.element("LI", items)
            for kind, x, text, bold in (("Lbl", LEFT, k, True), ("LBody", LEFT + META_LABEL, v, False)):
                self.doc.mark(
                    self.page,
                    self.doc.element(kind, item),
                    self.doc.text(self.page, self.runs(x, top, text, bold, BODY)),
                )
        self.gap = GAP_META

    def table(
        self,
        title: str,
        header: list[Cellbox],
        body: list[list[Cellbox]],
        foot: list[Cellbox] | None,
        widths: list[float],
    ) -> None:
        def height(cells: list[Cellbox]) -> float:
            return max(1, *(len(c.lines) for c in cells)) * _line_height(cells[0].size) + 2 * PAD_Y

        head_h = height(header)
        first = height(body[0]) if body else height(foot) if foot else 0.0
        self.heading(title, 2, H2, GAP_H2_ABOVE, GAP_H2_BELOW, keep=GAP_H2_BELOW + head_h + first)
        table = self.doc.element("Table")
        parts = ("THead", *(("TBody",) if body else ()), *(("TFoot",) if foot else ()))
        groups = {k: self.doc.element(k, table) for k in parts}
        top = self.place(head_h)
        self.row(header, widths, top, head_h, groups["THead"], header=True)
        for cells in body:
            h = height(cells)
            if not self.room(h):
                self.next_page()
                top = self.place(head_h)
                self.row(header, widths, top, head_h, None, header=True)
            self.row(cells, widths, self.place(h), h, groups["TBody"])
        if foot:
            h = height(foot)
            if not self.room(h):
                self.next_page()
                self.row(header, widths, self.place(head_h), head_h, None, header=True)
            top = self.place(h)
            self.rule(top, 1.0, 0.067)
            self.row(foot, widths, top, h, groups["TFoot"])
        self.gap = GAP_TABLE

    def row(
        self,
        cells: list[Cellbox],
        widths: list[float],
        top: float,
        h: float,
        group: Element | None,
        header=False,
    ) -> None:
        """A row of cells; without a group (a header repeated on a following page) the text is an artifact."""
        bottom = PAGE_H - top - h
        if header:
            self.page.graphics.append(f"{SHADE:.3f} g {LEFT:.2f} {bottom:.2f} {WIDTH:.2f} {h:.2f} re f\n")
        self.rule(top + h, 1.0 if header else 0.4, 0.067 if header else RULE)
        tr = self.doc.element("TR", group) if group else None
        x = LEFT
        for cell, w in zip(cells, widths, strict=True):
            ops = self.doc.text(
                self.page,
                self.runs(
                    x + PAD_X, top + PAD_Y, cell.lines, cell.bold, cell.size, w - 2 * PAD_X, cell.right
                ),
            )
            if tr is None:
                if ops:
                    self.doc.artifact(self.page, ops)
            else:
                element = self.doc.element(cell.kind, tr, **({"Scope": cell.scope} if cell.scope else {}))
                self.doc.mark(self.page, element, ops)
            x += w

    def rule(self, y: float, weight: float, grey: float) -> None:
        """A horizontal rule across the table, y from the top edge."""
        at = PAGE_H - y
        self.page.graphics.append(
            f"{grey:.3f} G {weight:g} w {LEFT:.2f} {at:.2f} m {LEFT + WIDTH:.2f} {at:.2f} l S\n"
        )

    def footers(self, left: str) -> None:
        total = len(self.doc.pages)
        y = 9 * MM
        for page in self.doc.pages:
            right = clean(f"Pagina {page.number + 1} van {total}")
            runs = [
                (LEFT, y, clean(left), False, FOOTER, GREY_TEXT),
                (LEFT + WIDTH - face(False).width(right, FOOTER), y, right, False, FOOTER, GREY_TEXT),
            ]
            self.doc.artifact(page, self.doc.text(page, runs), subtype="Footer")


def _sized_widths(
    columns: Sequence[str], rows: Sequence[Sequence[Cell]], bold_columns: Sequence[int], bold_last: bool
) -> tuple[float, list[float]]:
    """The font size of a table and its column widths in points: the body's size when the longest words fit side
    by side, else the small size, and as a last resort the small size with a header's word broken."""
    for size, squeeze in ((BODY, False), (SMALL, False), (SMALL, True)):
        percent = column_widths(columns, rows, bold_columns, bold_last, squeeze=squeeze, size=size)
        if percent is not None:
            return size, [WIDTH * p / sum(percent) for p in percent]
    raise AssertionError("a squeezed table always has widths")


def _table(
    layout: Layout,
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    total: Sequence[Cell] | None,
    counts: Sequence[int],
    row_header: bool = False,
) -> None:
    """A table: counts (and every number) aligned right, the total bold; with `row_header` the first cell of a row
    is its header (TH, scope Row), in bold."""
    size, widths = _sized_widths(
        columns, [*rows, *([total] if total else [])], (0,) if row_header else (), bool(total)
    )

    def cells(values: Sequence[Cell], bold: bool = False) -> list[Cellbox]:
        return [
            Cellbox(
                v,
                w,
                bold or (row_header and i == 0),
                isinstance(v, int | float) or i in counts,
                "TH" if row_header and i == 0 else "TD",
                "Row" if row_header and i == 0 else "",
                size,
            )
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]

    header = [
        Cellbox(c, w, True, i in counts, "TH", "Column", size)
        for i, (c, w) in enumerate(zip(columns, widths, strict=True))
    ]
    layout.table(title, header, [cells(r) for r in rows], cells(total, bold=True) if total else None, widths)


def render(report: Report) -> bytes:
    layout = Layout()
    title = f"Verantwoording {report.library} {report.period.label}"
    layout.heading("Verantwoording Informatiepunt Digitale Overheid", 1, H1, 0.0, GAP_H1, keep=layout.lh)
    layout.meta(metadata(report))
    _table(layout, "Samenvatting", ("Onderwerp", "Aantal"), summary(report), None, (1,), row_header=True)
    for s in report.sections:
        _table(layout, s.title, s.columns, s.rows, s.total, s.count_columns)
    layout.footers(f"Verantwoording {report.period.label}")
    return layout.doc.write(title, "IDO-registratie", "Verantwoording Informatiepunt Digitale Overheid")


__all__ = ["LAYOUT", "MEDIA_TYPE", "column_widths", "render"]
