"""The visitor survey in a real browser (Debian's Chromium): a visitor fills it in on a phone (390 px; it reflows
at 320 px, its targets are 44 px, axe finds nothing, no console errors), and the answer then shows in the library's
dashboard and, summed over libraries and suppressed, on the POI's and the KB's boards.

As in test_browser.py, the data are made before the browser starts (Playwright's sync API claims the event loop
while it is alive); the projection runs in a thread of its own, with its own loop and pools, as a worker would."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from uuid import uuid4

import pytest
from playwright.sync_api import Browser, Page, expect

from domain import survey as s
from domain.accounts import Role
from infra.bootstrap import build
from infra.projections.runner import Runner
from infra.projections.survey import SurveyStats
from tests.commands import handle
from tests.e2e.browser import Server, assert_no_violations, browser_context, chromium, login, start_server
from tests.e2e.conftest import FIXTURE_META, PASSWORD, Lib, make_library
from tests.e2e.reflow import MIN_TARGET, OVERFLOW, SMALL_TARGETS
from tests.projections import caught_up
from tests.servers import ROOT

PHONE = {"width": 390, "height": 844}
SHOTS = ROOT / "var" / "test-output" / "survey"  # screenshots kept as test output (var/ is not committed)
SMALL_CELL = re.compile(r"<td>[1-4]</td>")


@dataclass(frozen=True)
class World:
    lib: Lib
    other: Lib  # a second library of the same POI
    link: str
    adviser: str
    analyst: str


async def _open(container, lib: Lib) -> str:
    survey_id = s.survey_id_of(lib.tenant_id)
    await handle(
        container, lib.tenant_id, s.ChooseSurveyQuestions(survey_id=survey_id, questions=("tevreden", "zelf"))
    )
    link = "".join(secrets.choice(s.LINK_ALPHABET) for _ in range(s.LINK_LENGTH))
    cmd = s.OpenSurveyLink(survey_id=survey_id, link=link, location_id=lib.location_id)
    return (await handle(container, lib.tenant_id, cmd, FIXTURE_META)).body["link"]


async def _answered(container, lib: Lib, link: str, n: int, **answers: str) -> None:
    for _ in range(n):
        cmd = s.AnswerSurvey(
            response_id=uuid4(),
            survey_id=s.survey_id_of(lib.tenant_id),
            link=link,
            answers=tuple(answers.items()),
        )
        await handle(container, lib.tenant_id, cmd, {"actor": None, "via": "survey"})


@pytest.fixture(scope="module")
async def world(container) -> World:
    """Two libraries of one POI with a survey link each: five answers in the first, four in the second."""
    lib = await make_library(container)
    other = await make_library(container, lib.poi)
    link = await _open(container, lib)
    await _answered(container, lib, link, 5, tevreden="tevreden", zelf="ja")
    await _answered(container, other, await _open(container, other), 4, tevreden="tevreden", zelf="ja")
    adviser = f"poi-{secrets.token_hex(3)}@test.example"
    analyst = f"kb-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(adviser, Role.POI_ADVISER, poi_slug=lib.poi, password=PASSWORD)
    await container.accounts.create_user(analyst, Role.KB_ANALYST, password=PASSWORD)
    return World(lib, other, link, adviser, analyst)


@pytest.fixture(scope="module")
def survey_server(env, tmp_path_factory) -> Iterator[Server]:
    srv = start_server(env, tmp_path_factory.mktemp("web-survey") / "serve.log")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser(survey_server, world) -> Iterator[Browser]:
    survey_server.wait_until_ready()
    with chromium() as b:
        yield b


def _projected(settings, clock, *tenants) -> None:
    """survey.v1 caught up for the libraries, as a worker does (a loop and pools of its own, in a thread)."""

    async def run() -> None:
        c = build(settings, clock=clock)
        try:
            runner = Runner(c.db, c.events, [SurveyStats()])
            for t in tenants:
                await caught_up(runner, t)
        finally:
            await c.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def _survey_section(page: Page) -> str:
    return page.locator("section.sv-results").inner_html()


def test_a_survey_filled_in_on_a_phone_shows_in_the_library_and_summed_and_suppressed_on_the_boards(
    browser, survey_server, world, settings, clock, watch
):
    base, lib = survey_server.base_url, world.lib
    url = f"{base}/e/{lib.slug}/{world.link}"
    with browser_context(browser) as ctx:
        phone = watch.attach(ctx.new_page())
        phone.set_viewport_size(PHONE)
        phone.goto(url)
        expect(phone.get_by_role("heading", level=1)).to_have_text("Wat vond u van uw bezoek?")
        assert_no_violations(phone, "the public survey on a phone")
        for width in (390, 320):
            phone.set_viewport_size({"width": width, "height": 844})
            m = phone.evaluate(OVERFLOW)
            assert m["scroll"] <= m["inner"], f"the survey at {width} px: {m}"
            assert not phone.evaluate(SMALL_TARGETS, MIN_TARGET), f"targets under 44 px at {width} px"
            phone.screenshot(path=SHOTS / f"survey-{width}.png", full_page=True)
        phone.set_viewport_size(PHONE)
        phone.get_by_label("Zeer tevreden").check()  # a tap on the answer's label
        phone.get_by_role(
            "group", name="2. Denkt u dat u zoiets de volgende keer zelf kunt regelen?"
        ).get_by_label("Misschien").check()
        phone.get_by_role("button", name="Versturen").click()
        expect(phone.get_by_role("status")).to_have_text("Dank u wel! Uw antwoorden zijn ontvangen.")
        assert_no_violations(phone, "the survey's thanks")
        phone.goto(url)  # the same phone, the same day
        expect(phone.get_by_role("status")).to_have_text(
            "U heeft deze enquête vandaag al ingevuld. Dank u wel!"
        )
        expect(phone.get_by_role("button", name="Versturen")).to_have_count(0)
        watch.assert_clean()

    _projected(settings, clock, lib.tenant_id, world.other.tenant_id)

    with browser_context(browser) as ctx:
        page = ctx.new_page()
        login(page, base, lib.coordinator, PASSWORD)
        page.goto(f"{base}/t/{lib.slug}/dashboard")
        page.locator("section.sv-results").screenshot(path=SHOTS / "dashboard.png")
        mine = _survey_section(page)
        assert "<strong>6</strong> ingevulde enquêtes" in mine
        assert re.search(r"Zeer tevreden</th><td>&lt;5</td>", mine), "the phone's answer, suppressed"
        assert not SMALL_CELL.search(mine)
        assert_no_violations(page, "the dashboard with the survey's results")

    with browser_context(browser) as ctx:
        page = ctx.new_page()
        login(page, base, world.adviser, PASSWORD)
        page.goto(f"{base}/poi")
        page.locator("section.sv-results").screenshot(path=SHOTS / "poi.png")
        poi = _survey_section(page)
        assert (
            "2 bibliotheken met ingevulde enquêtes" in poi and "<strong>10</strong> ingevulde enquêtes" in poi
        )
        assert re.search(r"Zeer tevreden</th><td>&lt;5</td>", poi) and not SMALL_CELL.search(poi)
        assert_no_violations(page, "the POI's board with the survey")

    with browser_context(browser) as ctx:
        page = ctx.new_page()
        login(page, base, world.analyst, PASSWORD)
        page.goto(f"{base}/kb")
        kb = _survey_section(page)
        n = int(re.search(r"\((\d+) bibliotheken met ingevulde enquêtes\)", kb).group(1))
        assert n >= 2 and "ingevulde enquêtes" in kb and not SMALL_CELL.search(kb)
        assert_no_violations(page, "the KB's board with the survey")
