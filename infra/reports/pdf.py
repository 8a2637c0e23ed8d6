"""The verantwoording as a tagged PDF (PDF/UA-1, A4, Dutch) rendered by WeasyPrint from a Jinja template.
The CSS is inline and nothing is fetched: the URL fetcher refuses every URL (no file://, no http)."""

from __future__ import annotations

from pathlib import Path

import weasyprint
from jinja2 import Environment, FileSystemLoader, select_autoescape

from domain.report import Report, summary
from infra.reports.cells import display, metadata

MEDIA_TYPE = "application/pdf"
_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["j2", "html"], default_for_string=True, default=True),
    trim_blocks=False,
)
_ENV.filters["cell"] = display


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


def html(report: Report) -> str:
    return _ENV.get_template("report.html.j2").render(
        report=report, meta=metadata(report), summary=summary(report)
    )


def render(report: Report) -> bytes:
    doc = weasyprint.HTML(string=html(report), url_fetcher=refusing_fetcher(), base_url=None)
    return doc.write_pdf(pdf_variant="pdf/ua-1")
