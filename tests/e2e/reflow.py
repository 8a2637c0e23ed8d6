"""What the reflow tests share (test_reflow_browser.py: the pages outside a library; test_reflow_library_browser.py:
the library's pages and the desk's steps; two files, so that the two test processes can run them side by side):
with questions at the desk, every page the isolation sweep enumerates, for every role that reaches it, is no wider
than the window at 320 to 1920 px (WCAG 1.4.10); axe-core finds nothing at a phone's and a laptop's width.

With REFLOW_SHOTS=1 the first role to reach a page leaves full-page screenshots (at 320 and 1366 px) as test output
in var/test-output/reflow/ (var/ is not committed), to look at the layouts: they check nothing, cost Chromium a
PNG of every long page, and a page too long for one capture is noted, not failed. As
in test_browser.py, the data are made before the browser starts: Playwright's sync API claims the event loop while
it is alive."""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from domain.accounts import Role
from tests.e2e.browser import (
    Server,
    axe,
    browser_context,
    chromium,
    expect_count,
    login,
    register_by_clicks,
    start_server,
)
from tests.e2e.conftest import PASSWORD, make_library
from tests.e2e.test_isolation import NOT_CONTROLLED, QUERIES, ROUTES, TOKEN_PAGES, World, build_world, fill
from tests.servers import ROOT

WIDTHS = (320, 390, 768, 1024, 1366, 1920)
HEIGHT = 800
SHOTS = ROOT / "var" / "test-output" / "reflow"
MIN_TARGET = 44  # px, WCAG 2.5.5
AXE_WIDTHS = (390, 1366)
SHOT_WIDTHS = (320, 1366)
SHOT_TIMEOUT_MS = 30_000  # a long page on a busy machine
TAKE_SHOTS = os.environ.get("REFLOW_SHOTS") == "1"

# pages: not the JSON API, files, health and metrics, the other OpenAPI viewers (redirects to /schema), the
# service worker or the web app manifest
NOT_PAGES = ("/api/", "/static/", "/healthz", "/readyz", "/metrics", "/schema/", "/sw.js")
PAGES = sorted(  # "/" last: it answers another page (the user's start page) under its own name
    (
        t
        for m, t in ROUTES
        if m == "GET"
        and not t.startswith(NOT_PAGES)
        and not t.endswith(".webmanifest")
        and "{filename:str}" not in t
        and (t not in NOT_CONTROLLED or t in TOKEN_PAGES)
    ),
    key=lambda t: (t == "/", t),
)


@dataclass(frozen=True)
class Cast:
    world: World
    kb: str
    admin: str

    def roles(self) -> dict[str, str | None]:
        """Who signs in, by role name; None is nobody (the pages before logging in)."""
        lib = self.world.lib
        return {
            "anoniem": None,
            "balie": lib.desk,
            "coordinator": lib.coordinator,
            "poi": self.world.poi_adviser,
            "kb": self.kb,
            "beheer": self.admin,
        }


@pytest.fixture(scope="module")
async def cast(app, container, settings) -> Cast:
    """build_world of the isolation sweep (a question, a course with a participant, a partner, a notice,
    invitations, a POI adviser) plus a KB analyst and a platform admin."""
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        # in the gemeente with the longest name (Nuenen, Gerwen en Nederwetten): the boards must still reflow
        world = await build_world(client, container, settings, await make_library(container), "GM0820")
    kb = f"kb-{secrets.token_hex(3)}@test.example"
    admin = f"beheer-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(kb, Role.KB_ANALYST, password=PASSWORD)
    await container.accounts.create_user(admin, Role.PLATFORM_ADMIN, password=PASSWORD)
    return Cast(world, kb, admin)


@pytest.fixture(scope="module")
def reflow_server(env, tmp_path_factory) -> Iterator[Server]:
    s = start_server(env, tmp_path_factory.mktemp("web-reflow") / "serve.log")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser(reflow_server, cast) -> Iterator[Browser]:
    reflow_server.wait_until_ready()
    with chromium() as b:
        yield b


# what sticks out: the outermost elements past the window's right edge (those in a scroll container of their own
# only when nothing else does: a positioned one can still widen the page)
OVERFLOW = """() => {
  const W = window.innerWidth, doc = document.documentElement;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + [...el.classList].map((c) => '.' + c).join('')
    + ' "' + (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40) + '"';
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  const out = [], inside = [];
  if (doc.scrollWidth > W) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      const p = el.parentElement.getBoundingClientRect();
      if (r.width > 0 && r.right > W + 0.5 && p.right <= W + 0.5) {
        (clipped(el) ? inside : out).push([Math.round(r.right), Math.round(r.width), name(el)]);
      }
    }
  }
  const widest = (out.length ? out : inside).sort((a, b) => b[0] - a[0]);
  return {scroll: doc.scrollWidth, inner: W, culprits: widest.slice(0, 3)};
}"""

# controls (not links inside running text) smaller than 44 × 44 px
SMALL_TARGETS = """(min) => {
  const sel = 'button, a, select, input:not([type=hidden]), summary, textarea';
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || el.closest('.visually-hidden, .skip')) continue;
    if (r.width < min || r.height < min) {
      out.push(el.tagName.toLowerCase() + ' "' + el.textContent.trim().replace(/\\s+/g, ' ').slice(0, 40)
        + '" ' + Math.round(r.width) + '×' + Math.round(r.height));
    }
  }
  return out;
}"""


# buttons whose label does not fit inside them
LABEL_OVERFLOW = """() => [...document.querySelectorAll('main button')]
  .filter((b) => b.getClientRects().length && (b.scrollWidth > b.clientWidth + 1 || b.scrollHeight > b.clientHeight + 1))
  .map((b) => b.textContent.trim().replace(/\\s+/g, ' ') + ' ' + b.scrollWidth + '>' + b.clientWidth)"""


def _shot_name(role: str, template: str, width: int) -> str:
    route = re.sub(r"\{(\w+):\w+\}", r"\1", template).strip("/").replace("/", "_") or "start"
    return f"{role}/{route}-{width}.png"


def _check_widths(
    page: Page, role: str, template: str, first: bool, shots: Path
) -> tuple[list[str], list[str]]:
    """At every width no sideways scroll. When `first` (the first role to reach the page): no WCAG 2.1 A/AA
    violations at a phone's and a laptop's width, and with REFLOW_SHOTS=1 a full-page screenshot at a phone's and
    a laptop's width, kept as test output.
    Answers (too wide, axe's findings)."""
    wide, findings = [], []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        m = page.evaluate(OVERFLOW)
        if m["scroll"] > m["inner"]:
            wide.append(
                f"{role} {template} ({page.url}) at {width} px: document {m['scroll']} px wide; "
                f"sticking out: {m['culprits']}"
            )
        if first and TAKE_SHOTS and width in SHOT_WIDTHS:
            try:
                page.screenshot(
                    path=shots / _shot_name(role, template, width), full_page=True, timeout=SHOT_TIMEOUT_MS
                )
            except PlaywrightError as exc:  # e.g. "Unable to capture screenshot" of a very long page
                print(f"no screenshot of {role} {template} at {width} px: {exc.message.splitlines()[0]}")
        if first and width in AXE_WIDTHS:
            results = axe(page)
            if results.violations_count:
                findings.append(f"{role} {template} at {width} px:\n{results.generate_report()}")
    return wide, findings


@pytest.fixture(scope="module")
def desk_rows(browser, reflow_server, cast) -> None:
    """'Vandaag' with rows, registered at the desk on a phone: the longest party labels (UWV, Kifid) and a
    tally beside build_world's question."""
    with browser_context(browser) as ctx:
        page = ctx.new_page()
        login(page, reflow_server.base_url, cast.world.lib.desk, PASSWORD)
        page.set_viewport_size({"width": 390, "height": HEIGHT})
        expect_count(page, 1)  # build_world's question, by the API
        register_by_clicks(page, "uwv", "uwv.wia", "samen_gezocht", count_after=2)
        register_by_clicks(page, "kifid", "kifid.klacht", "klantenservice", count_after=3)
        # the library has a partner (build_world's): a referral names it or "Staat er niet bij"
        register_by_clicks(
            page,
            "logius",
            "logius.inloggen",
            "lokale_partner",
            count_after=4,
            partner="niet-vermeld",
            warmth="koud",
        )
        page.goto(f"{reflow_server.base_url}/t/{cast.world.lib.slug}/balie/telling")
        page.fill("#aantal", "7")
        page.get_by_role("button", name="Telling opslaan").click()
        page.wait_for_url(re.compile(r"/balie(\?|$)"))
        expect(page.locator("#today tbody tr")).to_have_count(5)


def check_pages(
    reflow_server: Server, browser: Browser, cast: Cast, pages: list[str], part: str, error_page: bool
) -> None:
    """Every page of `pages` for every role that reaches it (each page at least once), at every width; with
    `error_page` also the 404 page. With REFLOW_SHOTS=1 the screenshots go to var/test-output/reflow/<part>/<role>/."""
    shots = SHOTS / part
    shutil.rmtree(shots, ignore_errors=True)
    base_url, world = reflow_server.base_url, cast.world
    problems: list[str] = []
    findings: list[str] = []
    checked: dict[str, list[str]] = {}
    for role, email in cast.roles().items():
        (shots / role).mkdir(parents=True, exist_ok=True)
        with browser_context(browser) as ctx:
            page = ctx.new_page()
            if email:
                login(page, base_url, email, PASSWORD)
            seen: set[str] = set()
            for template in pages:
                path = fill(template, world, world)
                if template in QUERIES:
                    path += "?" + "&".join(f"{k}={v}" for k, v in QUERIES[template](world.ids).items())
                page.set_viewport_size({"width": 1366, "height": HEIGHT})
                response = page.goto(base_url + path)
                # a one-time link that is not valid answers a page of its own (4xx)
                ok = (200,) if template not in TOKEN_PAGES else (200, 400, 404, 410)
                to_login = "/login" in page.url and template != "/login"
                if response is None or response.status not in ok or to_login:
                    continue
                first = template not in checked
                checked.setdefault(template, []).append(role)
                if page.url not in seen:  # "/" is another page under its own address
                    seen.add(page.url)
                    wide, found = _check_widths(page, role, template, first, shots)
                    problems += wide
                    findings += found
            if role == "anoniem" and error_page:
                response = page.goto(base_url + "/bestaat-niet")
                assert response is not None and response.status == 404
                wide, found = _check_widths(page, role, "/bestaat-niet", True, shots)
                problems += wide
                findings += found
    missing = [t for t in pages if t not in checked]
    assert not missing, f"pages no role reached: {missing}"
    assert not problems, "wider than the window:\n" + "\n".join(problems)
    assert not findings, "axe-core:\n" + "\n".join(findings)
