"""Correcting a question in a real browser (Debian's Chromium): the topic select follows the party (htmx, under
the strict CSP), the date and time can be changed, the desk confirms the correction, a referral offers
"Staat er niet bij", no WCAG 2.1 A/AA violations (axe-core) and no console errors; without JavaScript a topic
of another party is refused and the form comes back with the new party's topics.

As in test_browser.py: the web server and all data are made before the browser starts, because Playwright's sync
API claims the event loop while it is alive."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time
from uuid import UUID, uuid4

import pytest
from playwright.sync_api import Browser, Page, expect

from domain import questions as q
from domain.calendar import at_local
from domain.catalogue import CATALOGUE
from infra.platform.partners import Partners
from services.api.templating import local_datetime
from tests.clock import TODAY, YESTERDAY
from tests.commands import handle
from tests.e2e.browser import TIMEOUT_MS, Server, assert_no_violations, chromium, login, settled, start_server
from tests.e2e.conftest import PASSWORD, Lib, make_library


@dataclass(frozen=True)
class World:
    lib: Lib
    questions: tuple[UUID, ...]


@pytest.fixture(scope="module")
async def world(container) -> World:
    """A library with a local partner and two questions: one by the desk, one referred to a partner that is
    not listed."""
    lib = await make_library(container)
    await Partners(container.db).add(lib.tenant_id, {"name": "Taalhuis Centrum", "kind": "taalhuis"})
    ids = []
    for help_, unlisted in (("wegwijzer", False), ("lokale_partner", True)):
        cmd = q.RegisterQuestion(
            question_id=uuid4(),
            visit_id=uuid4(),
            location_id=lib.location_id,
            npd_party="cbr",
            topic="cbr.rijbewijs_75",
            help=help_,
            partner_unlisted=unlisted,
            warmth="koud" if unlisted else None,
        )
        await handle(container, lib.tenant_id, cmd)
        ids.append(cmd.question_id)
    return World(lib, tuple(ids))


@pytest.fixture(scope="module")
def correct_server(env, tmp_path_factory) -> Iterator[Server]:
    s = start_server(env, tmp_path_factory.mktemp("web-correct") / "serve.log")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser(correct_server, world) -> Iterator[Browser]:
    correct_server.wait_until_ready()
    with chromium() as b:
        yield b


def _topics(page: Page) -> list[str]:
    return page.locator("#onderwerp option").evaluate_all("os => os.map(o => o.value)")


def test_the_topics_follow_the_party_and_the_desk_confirms_a_moved_correction(
    page, watch, correct_server, world
):
    lib, base = world.lib, correct_server.base_url
    login(page, base, lib.desk, PASSWORD)
    page.goto(f"{base}/t/{lib.slug}/balie/vragen/{world.questions[0]}")
    assert _topics(page) == [t.code for t in CATALOGUE.party("cbr").topics]
    expect(page.locator("#tijdstip")).to_have_value(f"{TODAY}T08:00")
    assert_no_violations(page, "the correction form")
    page.select_option("#partij", "svb")
    expect(page.locator("#onderwerp option").first).to_have_attribute(
        "value", CATALOGUE.party("svb").topics[0].code
    )
    assert _topics(page) == [t.code for t in CATALOGUE.party("svb").topics]
    settled(page)
    page.select_option("#onderwerp", "svb.aow")
    page.fill("#tijdstip", f"{YESTERDAY}T15:30")
    with page.expect_navigation():
        page.get_by_role("button", name="Verbetering opslaan").click()
    assert "melding=verbeterd" in page.url
    expect(page.locator("main")).to_contain_text("De vraag is verbeterd.")
    assert_no_violations(page, "the desk after a correction")
    page.goto(f"{base}/t/{lib.slug}/balie/vragen/{world.questions[0]}")
    expect(page.locator("#tijdstip")).to_have_value(f"{YESTERDAY}T15:30")
    expect(page.locator("main")).to_contain_text(
        f"Gevraagd op {local_datetime(at_local(YESTERDAY, time(15, 30)))}."
    )
    watch.assert_clean()


def test_a_referral_keeps_staat_er_niet_bij_and_is_accessible(page, watch, correct_server, world):
    lib, base = world.lib, correct_server.base_url
    login(page, base, lib.desk, PASSWORD)
    page.goto(f"{base}/t/{lib.slug}/balie/vragen/{world.questions[1]}")
    expect(page.locator("#partner")).to_have_value("niet-vermeld")
    expect(page.locator("#partner option:checked")).to_have_text("Staat er niet bij")
    watch.expect_status(422)
    page.select_option("#partner", "")
    with page.expect_navigation():
        page.get_by_role("button", name="Verbetering opslaan").click()
    expect(page.get_by_role("alert")).to_contain_text("Staat er niet bij")
    expect(page.locator("#partner")).to_have_attribute("aria-invalid", "true")
    assert_no_violations(page, "the correction form refusing a referral without a partner")
    watch.assert_clean()


def test_without_javascript_a_topic_of_another_party_brings_back_that_partys_topics(
    browser, correct_server, world
):
    lib, base = world.lib, correct_server.base_url
    ctx = browser.new_context(java_script_enabled=False, locale="nl-NL")
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        page = ctx.new_page()
        login(page, base, lib.desk, PASSWORD)
        page.goto(f"{base}/t/{lib.slug}/balie/vragen/{world.questions[1]}")
        page.select_option("#partij", "duo")
        assert _topics(page) == [t.code for t in CATALOGUE.party("cbr").topics]  # no script: the list stays
        with page.expect_navigation():
            page.get_by_role("button", name="Verbetering opslaan").click()
        expect(page.get_by_role("alert")).to_contain_text("Kies een onderwerp van de gekozen dienstverlener")
        expect(page.locator("#partij")).to_have_value("duo")
        assert _topics(page) == [t.code for t in CATALOGUE.party("duo").topics]
    finally:
        ctx.close()
