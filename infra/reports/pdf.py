"""The verantwoording as a tagged PDF (PDF/UA-1, A4, Dutch) rendered by WeasyPrint from a Jinja template and
one stylesheet (templates/report.css), parsed once per thread. Nothing is fetched: the URL fetcher refuses every
URL (no file://, no http)."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import weasyprint
from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint.text.fonts import FontConfiguration

from domain.report import Cell, Report, Section, summary
from infra.reports.cells import display, metadata

MEDIA_TYPE = "application/pdf"
_TEMPLATES = Path(__file__).parent / "templates"
_ENV = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(["j2", "html"], default_for_string=True, default=True),
    trim_blocks=False,
)
_ENV.filters["cell"] = display
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # a dozen lines a PDF at INFO
_CSS = (_TEMPLATES / "report.css").read_text()
# what a PDF looks like besides its report: a PDF kept for the same report is reused only when this is the same
LAYOUT = hashlib.sha256(
    "\x1f".join(
        (
            weasyprint.__version__,
            (_TEMPLATES / "report.html.j2").read_text(),
            _CSS,
            Path(__file__).read_text(),
        )
    ).encode()
).hexdigest()[:16]


class FetchRefused(ValueError):
    pass


try:  # WeasyPrint ≥ 66 takes a URLFetcher object; older versions a plain function
    from weasyprint.urls import URLFetcher

    class RefusingFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            raise FetchRefused(f"the report fetches nothing: {url[:80]}")

    def refusing_fetcher():
        return RefusingFetcher()
except ImportError:  # pragma: no cover

    def refusing_fetcher():
        def fetch(url, *args, **kwargs):
            raise FetchRefused(f"the report fetches nothing: {url[:80]}")

        return fetch


# Column widths for `table-layout: fixed`, estimated from the text: DejaVu Sans's advance widths in em, per kind of
# character rounded up (another font of the stack only wraps a line sooner or later)
_NARROW = frozenset("ijl.,:;'!|")
_SMALL = frozenset(" ftr()[]/-–")
_WIDE = frozenset("mwMW%&")
_BOLD = 1.12
_SLACK = 0.4  # em: an estimate that comes out a hair short would break a number over two lines
_BREAKS = re.compile(
    r"\s+|(?<=[/\-–])(?=\D)"
)  # where a line may break in a text: spaces, after / - – (not in 1-2)
_PADDING = 2 * 2.0 / (9.5 * 0.3528)  # 2 mm on each side of a cell, in em of the 9.5 pt body text
_WIDTH = 180 / (9.5 * 0.3528)  # A4 less the margins, in em


def _em(text: str) -> float:
    return sum(
        0.32
        if c in _NARROW
        else 0.42
        if c in _SMALL
        else 1.0
        if c in _WIDE
        else 0.78
        if c.isupper()
        else 0.64
        for c in text
    )


def _longest_word(text: str) -> float:
    return max((_em(w) for w in _BREAKS.split(text)), default=0.0)


def column_widths(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    bold_columns: Sequence[int] = (),
    bold_last: bool = False,
) -> list[float] | None:
    """Each column's share of the table in percent, much as the automatic table layout of CSS 2.1 would give
    it: the widest text when every column's fits, else at least the longest word (a number never breaks) and
    what is left in proportion to what each column lacks. Unlike it, a header counts only with its longest word:
    a header may take a line more once, a row of the body would take it in every row. None when the longest words may not fit side by side: then the
    table keeps the automatic layout, which measures them (a few small tables with many columns)."""
    least = [_longest_word(h) * _BOLD for h in headers]
    most = list(least)
    for n, row in enumerate(rows):
        for i, v in enumerate(row):
            text = display(v)
            factor = _BOLD if i in bold_columns or (bold_last and n == len(rows) - 1) else 1.0
            word = _longest_word(text) if isinstance(v, str) else _em(text)
            least[i] = max(least[i], word * factor)
            most[i] = max(most[i], _em(text) * factor)
    least = [w + _SLACK + _PADDING for w in least]
    most = [w + _SLACK + _PADDING for w in most]
    room, lacking = _WIDTH - sum(least), sum(most) - sum(least)
    if room <= 0:
        return None
    if sum(most) <= _WIDTH or lacking <= 0:
        widths = most
    else:
        widths = [lo + (hi - lo) * room / lacking for lo, hi in zip(least, most, strict=True)]
    return [round(100 * w / sum(widths), 2) for w in widths]


def _section_widths(s: Section) -> list[float] | None:
    total = [s.total] if s.total is not None else []
    return column_widths(s.columns, [*s.rows, *total], bold_last=bool(total))


def html(report: Report) -> str:
    figures = summary(report)
    return _ENV.get_template("report.html.j2").render(
        report=report,
        meta=metadata(report),
        summary=figures,
        summary_widths=column_widths(("Onderwerp", "Aantal"), figures, bold_columns=(0,)),
        widths=[_section_widths(s) for s in report.sections],
    )


_local = threading.local()


def _style() -> tuple[weasyprint.CSS, FontConfiguration]:
    """The stylesheet and the font configuration of this thread (a font configuration holds a Pango font map,
    which is not for two threads at once; the web process renders in a thread pool)."""
    if not hasattr(_local, "style"):
        fonts = FontConfiguration()
        _local.style = (weasyprint.CSS(string=_CSS, font_config=fonts, url_fetcher=refusing_fetcher()), fonts)
    return _local.style


def render(report: Report) -> bytes:
    css, fonts = _style()
    doc = weasyprint.HTML(string=html(report), url_fetcher=refusing_fetcher(), base_url=None)
    return doc.write_pdf(stylesheets=[css], font_config=fonts, pdf_variant="pdf/ua-1")
