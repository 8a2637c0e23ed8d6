"""The kwartaaloverzicht's pages in a real browser (Debian's Chromium): the checkbox on the account page and the
opt-out link's pages, by keyboard alone and without JavaScript, no wider than the window from 320 to 1920 px,
44 px targets, no WCAG 2.1 A/AA violations (axe-core), no console errors.

As in test_browser.py: the web server and the data are made before the browser starts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from infra.platform.mail_preferences import unsubscribe_token
from tests.e2e.browser import Server, assert_no_violations, chromium, login, start_server
from tests.e2e.conftest import PASSWORD, Lib, make_library
from tests.e2e.reflow import OVERFLOW, WIDTHS

HEIGHT = 800


@pytest.fixture(scope="module")
async def people(container, settings) -> tuple[Lib, str]:
    lib = await make_library(container)
    user = await container.accounts.user_by_email(lib.coordinator)
    return lib, f"/kwartaaloverzicht/afmelden/{unsubscribe_token(settings.secret_key, user.user_id)}"


@pytest.fixture(scope="module")
def server(env, tmp_path_factory) -> Iterator[Server]:
    s = start_server(env, tmp_path_factory.mktemp("web-quarterly") / "serve.log")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser(server, people) -> Iterator[Browser]:
    server.wait_until_ready()
    with chromium() as b:
        yield b


def fits(page: Page, what: str, *targets: str) -> None:
    """At every width: no sideways scroll, and each of `targets` at least 44 px high and wide."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        m = page.evaluate(OVERFLOW)
        assert m["scroll"] <= m["inner"], f"{what} at {width} px: {m}"
        for selector in targets:
            box = page.locator(selector).bounding_box()
            assert box and box["height"] >= 44 and box["width"] >= 44, (what, width, selector, box)
    page.set_viewport_size({"width": 1366, "height": HEIGHT})


def test_the_account_checkbox_works_by_keyboard_and_fits_every_width(page, watch, server, people):
    lib, _ = people
    login(page, server.base_url, lib.coordinator, PASSWORD)
    page.goto(server.base_url + "/account")
    box = page.get_by_label("Kwartaaloverzicht per e-mail ontvangen")
    expect(box).to_be_checked()
    fits(page, "the account page", "#kwartaaloverzicht .opt", "#kwartaaloverzicht button")
    assert_no_violations(page, "the account page")

    box.focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.locator("#kwartaaloverzicht button")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/account?melding=kwartaal-uit*")
    expect(page.get_by_role("status")).to_have_text("U krijgt het kwartaaloverzicht niet meer per e-mail.")
    expect(page.get_by_label("Kwartaaloverzicht per e-mail ontvangen")).not_to_be_checked()
    assert_no_violations(page, "the account page after turning the mail off")

    page.get_by_label("Kwartaaloverzicht per e-mail ontvangen").check()
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url("**/account?melding=kwartaal-aan*")
    expect(page.get_by_label("Kwartaaloverzicht per e-mail ontvangen")).to_be_checked()
    watch.assert_clean()


def test_the_opt_out_link_asks_then_confirms_by_keyboard_and_fits_every_width(page, watch, server, people):
    _, path = people
    page.goto(server.base_url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kwartaaloverzicht per e-mail")
    fits(page, "the opt-out question", "main button")
    assert_no_violations(page, "the opt-out question")
    page.get_by_role("button", name="Ja, meld mij af").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("U bent afgemeld")
    fits(page, "the opt-out done")
    assert_no_violations(page, "the opt-out done")
    page.goto(server.base_url + path)
    expect(page.get_by_role("status")).to_contain_text("al niet meer")
    watch.assert_clean()


def test_the_opt_out_and_the_account_checkbox_work_without_javascript(browser, server, people):
    lib, path = people
    ctx = browser.new_context(locale="nl-NL", java_script_enabled=False)
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    login(page, server.base_url, lib.coordinator, PASSWORD)
    page.goto(server.base_url + "/account")
    page.get_by_label("Kwartaaloverzicht per e-mail ontvangen").check()
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url("**/account?melding=kwartaal-aan*")
    expect(page.get_by_label("Kwartaaloverzicht per e-mail ontvangen")).to_be_checked()
    page.goto(server.base_url + path)
    page.get_by_role("button", name="Ja, meld mij af").click()
    expect(page.get_by_role("status")).to_contain_text("U bent afgemeld")
    page.goto(server.base_url + "/account")
    expect(page.get_by_label("Kwartaaloverzicht per e-mail ontvangen")).not_to_be_checked()
    ctx.close()


def test_an_unknown_opt_out_link_says_so(page, watch, server):
    watch.expect_status(404)
    response = page.goto(server.base_url + "/kwartaaloverzicht/afmelden/onbekend")
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("Deze afmeldlink kennen we niet.")
    fits(page, "an unknown opt-out link")
    assert_no_violations(page, "an unknown opt-out link")
    watch.assert_clean()
