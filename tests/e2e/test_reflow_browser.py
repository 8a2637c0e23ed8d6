"""Reflow in a real browser (Debian's Chromium), the pages outside a library (log-in, account, the POI's, the
KB's and the platform's pages, the public survey, the 404 page): no wider than the window at 320 to 1920 px for
every role that reaches them, and no axe-core findings. The library's pages and the desk's steps are in
test_reflow_library_browser.py; what both use is in tests/e2e/reflow.py."""

from __future__ import annotations

from tests.e2e.reflow import PAGES, browser, cast, check_pages, desk_rows, reflow_server

__all__ = ["browser", "cast", "desk_rows", "reflow_server"]  # the module's fixtures

OUTSIDE = [t for t in PAGES if not t.startswith("/t/")]


def test_every_page_outside_a_library_reflows_from_320_to_1920_px_for_every_role_and_passes_axe(
    browser, reflow_server, cast, desk_rows
):
    check_pages(reflow_server, browser, cast, OUTSIDE, part="platform", error_page=True)
