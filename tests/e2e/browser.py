"""Helpers for the real-browser tests: the web server in a subprocess, Debian's Chromium through Playwright's
sync API, a watch on console errors (CSP violations among them), axe-core, and the desk's three taps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, expect, sync_playwright

from tests.e2e.processes import free_port, healthy

# Debian's Chromium in its headless shell (tests/prepare.py installs it; docs/decisions.md); CHROMIUM=/usr/bin/chromium
# runs the browser tests in the desktop browser's headless mode instead
CHROMIUM = os.environ.get("CHROMIUM", "/usr/lib/chromium/chromium-headless-shell")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# WCAG 2.0/2.1 A and AA; only the violations are collected (axe's passes, with a selector for each element that
# passed, cost most of a run and are never read)
WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
TIMEOUT_MS = 10_000


# --- the web server ---------------------------------------------------------------------------------------


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless (never a browser Playwright downloads)."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


@contextmanager
def browser_context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(locale="nl-NL")
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


@dataclass
class Server:
    proc: subprocess.Popen
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def wait_until_ready(self, timeout: float = 60) -> None:
        """Until GET /healthz answers 200; raises with the server's output when it exits or takes too long."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the web server exited with {self.proc.returncode}:\n{self.output()}")
            if healthy(self.base_url):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the web server did not answer /healthz within {timeout} s:\n{self.output()}")


def start_server(env: dict[str, str], log: Path, port: int | None = None) -> Server:
    """`ido serve` on a free port (or `port`: a server started again where it was), output to `log`; it boots
    while the caller goes on (see wait_until_ready)."""
    port = port or free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Server(proc, f"http://127.0.0.1:{port}", log)


# --- watching the page ------------------------------------------------------------------------------------


UNREACHABLE_HTMX = ("htmx:sendError", "htmx:afterRequest")  # htmx logs a request that got no answer
UNREACHABLE_NET = ("ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET")  # Chromium, a request that got none


@dataclass
class Watch:
    """Console errors (Chromium reports CSP violations there) and uncaught page errors of one page."""

    errors: list[str] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)  # Chromium logs every 4xx response as an error
    unreachable: bool = False

    def expect_status(self, *codes: int) -> None:
        self.expected_statuses.update(codes)

    def expect_unreachable(self) -> None:
        """The server is stopped (or an answer lost) on purpose: Chromium logs each refused or reset connection,
        htmx each request without an answer."""
        self.unreachable = True

    def attach(self, page: Page) -> Page:
        page.on("console", self._console)
        page.on("pageerror", lambda err: self.errors.append(f"pageerror: {err}"))
        return page

    def _console(self, msg: ConsoleMessage) -> None:
        if msg.location.get("url", "").endswith("/favicon.ico"):
            return  # the app has no favicon: Chromium's own request for it ends in a 404
        if any(f"the server responded with a status of {c} " in msg.text for c in self.expected_statuses):
            return
        if self.unreachable and (
            any(f"net::{e}" in msg.text for e in UNREACHABLE_NET) or msg.text.startswith(UNREACHABLE_HTMX)
        ):
            return
        if msg.type in ("error", "assert") or "Content Security Policy" in msg.text:
            self.errors.append(f"console.{msg.type}: {msg.text} ({msg.location.get('url', '')})")

    def assert_clean(self) -> None:
        assert not self.errors, "console errors or CSP violations:\n" + "\n".join(self.errors)


AXE_SCRIPT = Axe().axe_script  # the axe-core that axe-playwright-python ships


def axe(page: Page) -> AxeResults:
    """axe-core's WCAG 2.0/2.1 A and AA findings on the page as it is now. axe-core is injected once per document
    (Axe.run parses its 570 kB again on every run)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    return AxeResults(page.evaluate(f"axe.run({json.dumps(WCAG)})"))


def assert_no_violations(page: Page, what: str) -> None:
    """axe-core: no WCAG 2.0/2.1 A or AA violations on the page as it is now."""
    results = axe(page)
    assert results.violations_count == 0, f"axe-core on {what} ({page.url}):\n{results.generate_report()}"


def set_marker(page: Page) -> None:
    """A value on `window` that survives HTMX swaps and is gone after any page load."""
    page.evaluate("window.__marker = 1")


def has_marker(page: Page) -> bool:
    try:
        return page.evaluate("window.__marker === 1")
    except Error:  # the page is navigating away
        return False


def settled(page: Page) -> None:
    """Wait until htmx has finished its swaps: new content carries `htmx-added` until the settle step (20 ms
    later) processes it. A click before that would hit a form htmx does not know yet and submit it natively."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


# --- logging in and out -----------------------------------------------------------------------------------


def login(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "/login" not in url)


def logout(page: Page) -> None:
    page.locator("header.top").get_by_role("button", name="Uitloggen", exact=True).click()
    page.wait_for_url("**/login?uitgelogd=1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")


# --- the desk ---------------------------------------------------------------------------------------------


def party_button(page: Page, party: str):
    return page.locator(f"#wizard button[name=partij][value='{party}']")


def topic_button(page: Page, topic: str):
    return page.locator(f"#wizard button[name=onderwerp][value='{topic}']")


def help_button(page: Page, help_: str):
    return page.locator(f"#wizard button[name=hulp][value='{help_}']")


def choose_door(page: Page, door: str) -> None:
    """Open "Doorverwezen door een lokale partner?" on the first step and choose `door`."""
    page.locator("#wizard details.referred-by summary").click()
    page.locator(f"#wizard input[name=door][value='{door}']").check()


def expect_count(page: Page, n: int) -> None:
    noun = "vraag" if n == 1 else "vragen"
    expect(page.locator("#count")).to_have_text(f"Vandaag geregistreerd: {n} {noun}")


def register_by_clicks(
    page: Page,
    party: str,
    topic: str,
    help_: str,
    count_after: int,
    partner: str | None = None,
    warmth: str | None = None,
    door: str | None = None,
) -> None:
    """The three taps: party, topic, how helped; wait until today's count shows the new question. With
    `partner` (an option of the partner select, "niet-vermeld" for "Staat er niet bij") and `warmth` ("warm" or
    "koud") they are chosen under "Meer vastleggen" before the last tap; with `door` (a partner's id or
    "niet-vermeld") "Doorverwezen door" is opened and chosen before the first."""
    if door is not None:
        choose_door(page, door)
    party_button(page, party).click()
    expect(topic_button(page, topic)).to_be_visible()
    settled(page)
    topic_button(page, topic).click()
    expect(help_button(page, help_)).to_be_visible()
    settled(page)
    if partner is not None or warmth is not None:
        page.locator("#wizard details.more summary").click()
    if partner is not None:
        page.select_option("#partner", partner)
    if warmth is not None:
        page.locator(f"#wizard input[name=warmte][value='{warmth}']").check()
    help_button(page, help_).click()
    expect_count(page, count_after)
    expect(party_button(page, party)).to_be_visible()  # the wizard is back at step 1
    settled(page)
