"""Reflow in a real browser (Debian's Chromium), the library's pages (/t/<slug>/…) for every role that reaches them
and the desk's three steps: no wider than the window at 320 to 1920 px, the desk's controls at least 44 × 44 px
with labels that fit, and no axe-core findings. The other pages are in test_reflow_browser.py; what both use is in
tests/e2e/reflow.py."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.browser import (
    assert_no_violations,
    browser_context,
    help_button,
    login,
    party_button,
    settled,
    topic_button,
)
from tests.e2e.conftest import PASSWORD
from tests.e2e.reflow import (
    HEIGHT,
    LABEL_OVERFLOW,
    MIN_TARGET,
    OVERFLOW,
    PAGES,
    SMALL_TARGETS,
    WIDTHS,
    browser,
    cast,
    check_pages,
    desk_rows,
    reflow_server,
)

__all__ = ["browser", "cast", "desk_rows", "reflow_server"]  # the module's fixtures

LIBRARY = [t for t in PAGES if t.startswith("/t/")]


def test_every_library_page_reflows_from_320_to_1920_px_for_every_role_that_reaches_it_and_passes_axe(
    browser, reflow_server, cast, desk_rows
):
    check_pages(reflow_server, browser, cast, LIBRARY, part="library", error_page=False)


def test_each_desk_step_reflows_with_44_px_targets_and_labels_that_fit_and_no_axe_violations(
    browser, reflow_server, cast, desk_rows
):
    """The three steps (UWV's, with the longest labels; the first with 'Doorverwezen door' open, the third with
    'Meer vastleggen' open) at every width, with today's rows beside or below."""
    base_url, lib = reflow_server.base_url, cast.world.lib
    with browser_context(browser) as ctx:
        page = ctx.new_page()
        login(page, base_url, lib.desk, PASSWORD)
        expect(page.locator("#today tbody tr")).to_have_count(5)
        problems = []
        page.locator("#wizard details.referred-by summary").click()
        expect(page.locator("#wizard input[name=door][value='niet-vermeld']")).to_be_visible()
        for step in ("party", "topic", "help"):
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": HEIGHT})
                if small := page.evaluate(SMALL_TARGETS, MIN_TARGET):
                    problems.append(f"{step} at {width} px, smaller than 44 × 44 px: {small}")
                if overflowing := page.evaluate(LABEL_OVERFLOW):
                    problems.append(f"{step} at {width} px, labels overflow: {overflowing}")
                if (m := page.evaluate(OVERFLOW))["scroll"] > m["inner"]:
                    problems.append(f"{step} at {width} px: document {m['scroll']} px wide: {m['culprits']}")
                if step == "party" and width in (390, 1366):
                    assert_no_violations(page, f"the desk with rows at {width} px")
            if step == "party":  # the longest labels: UWV's name, then its topics
                party_button(page, "uwv").click()
                expect(topic_button(page, "uwv.wia")).to_be_visible()
            elif step == "topic":
                topic_button(page, "uwv.wia").click()
                expect(help_button(page, "klantenservice")).to_be_visible()
                settled(page)
                page.locator("#wizard details.more summary").click()
                expect(page.locator("#notitie")).to_be_visible()
            settled(page)
        assert not problems, "on the desk:\n" + "\n".join(problems)
