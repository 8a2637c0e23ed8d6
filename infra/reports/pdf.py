"""The verantwoording as a tagged PDF (PDF/UA-1, A4, Dutch) rendered by WeasyPrint from a Jinja template and
one stylesheet (templates/report.css). Nothing is fetched: the URL fetcher refuses every
URL (no file://, no http)."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import weasyprint
from jinja2 import Environment, FileSystemLoader, select_autoescape

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


# Column widths for `table-layout: fixed`, estimated from the text with DejaVu Sans's advance widths (the first font
# of the stack; another one only wraps a line sooner or later), in thousandths of an em, regular and bold
_CHARS = "".join(map(chr, range(32, 127))) + "–ëéèïöüáàçô"
_REGULAR = dict(
    zip(
        _CHARS,
        map(
            int,
            """
318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636 636 636 636 636 636 636 337 337 838
838 838 531 1000 684 686 698 770 632 575 775 752 295 295 656 557 863 748 787 603 787 695 635 611 732 684 989 685 611
685 390 337 390 838 500 500 613 635 550 635 615 352 635 634 278 278 579 278 974 634 612 635 635 411 521 392 634 592
818 592 592 525 636 337 636 838 500 615 615 615 278 612 634 613 613 550 612""".split(),
        ),
        strict=True,
    )
)
_BOLD = dict(
    zip(
        _CHARS,
        map(
            int,
            """
348 456 521 838 696 1002 872 306 457 457 523 838 380 415 380 365 696 696 696 696 696 696 696 696 696 696 400 400 838
838 838 580 1000 774 762 734 830 683 683 821 837 372 372 775 637 995 837 850 733 850 770 720 682 812 774 1103 771 724
725 457 365 457 838 500 500 675 716 593 716 678 435 716 712 343 343 665 343 1042 712 687 716 716 493 595 478 712 652
924 645 652 582 712 365 712 838 500 678 678 678 343 687 712 675 675 593 687""".split(),
        ),
        strict=True,
    )
)
_SLACK = 0.4  # em a column: kerning, rounding, a character not in the table
_BREAKS = re.compile(
    r"\s+|(?<=[/\-–])(?=\D)"
)  # where a line may break in a text: spaces, after / - – (not in 1-2)
_PADDING = 2 * 2.0 / (9.5 * 0.3528)  # 2 mm on each side of a cell, in em of the 9.5 pt body text
_WIDTH = 180 / (9.5 * 0.3528)  # A4 less the margins, in em


def _em(text: str, bold: bool = False) -> float:
    widths = _BOLD if bold else _REGULAR
    return sum(widths.get(c, 1000) for c in text) / 1000


def _longest_word(text: str, bold: bool = False) -> float:
    return max((_em(w, bold) for w in _BREAKS.split(text)), default=0.0)


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
    least = [_longest_word(h, bold=True) for h in headers]
    most = list(least)
    for n, row in enumerate(rows):
        for i, v in enumerate(row):
            text = display(v)
            bold = i in bold_columns or (bold_last and n == len(rows) - 1)
            least[i] = max(least[i], _longest_word(text, bold) if isinstance(v, str) else _em(text, bold))
            most[i] = max(most[i], _em(text, bold))
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


def render(report: Report) -> bytes:
    css = weasyprint.CSS(string=_CSS, url_fetcher=refusing_fetcher())
    doc = weasyprint.HTML(string=html(report), url_fetcher=refusing_fetcher(), base_url=None)
    return doc.write_pdf(stylesheets=[css], pdf_variant="pdf/ua-1")
