"""The API reference at /schema in a real browser (Debian's Chromium): the viewer comes from our own static files
and runs under the app's strict CSP, lists every operation, logs no console error or CSP violation, has no
WCAG 2.1 A/AA violations (axe-core) as loaded, with an operation opened, tried out and authorized, and at a
phone's width; a question registered from it is answered 201. The other viewers' paths lead to it.

As in test_browser.py: the web server (`ido serve`) and the library are made before the browser starts, because
Playwright's sync API claims the event loop while it is alive."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from services.api.api_reference import OTHER_VIEWERS
from tests.e2e.browser import Server, assert_no_violations, chromium, start_server
from tests.e2e.conftest import Lib, make_library

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
async def api_user(container) -> tuple[Lib, str]:
    lib = await make_library(container)
    return lib, await container.accounts.create_token(lib.desk)


@pytest.fixture(scope="module")
def ref_server(settings, env, tmp_path_factory) -> Iterator[Server]:
    s = start_server(env, tmp_path_factory.mktemp("web-apiref") / "serve.log")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser(ref_server, api_user) -> Iterator[Browser]:
    ref_server.wait_until_ready()
    with chromium() as b:
        yield b


def register_question(page: Page):
    return page.locator("#operations-vragen-ApiV1TSlugQuestionsRegisterQuestion")


def open_reference(page: Page, server: Server) -> None:
    page.goto(server.base_url + "/schema")
    expect(register_question(page).locator(".opblock-summary")).to_be_visible()


def test_the_reference_lists_every_operation_from_our_own_files_under_the_csp(page, watch, ref_server):
    open_reference(page, ref_server)
    summary = register_question(page).locator(".opblock-summary")
    expect(summary).to_contain_text("POST")
    expect(summary).to_contain_text("/api/v1/t/{slug}/questions")
    spec = page.request.get(ref_server.base_url + "/schema/openapi.json").json()
    operations = sum(len(METHODS & item.keys()) for item in spec["paths"].values())
    assert operations >= 15
    expect(page.locator(".opblock")).to_have_count(operations)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.title() == "IDO-registratie API"
    loaded = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(url.startswith(ref_server.base_url + "/") for url in loaded), loaded
    watch.assert_clean()
    assert_no_violations(page, "the API reference")


def test_a_question_registered_from_the_reference_is_accessible_all_the_way(
    page, watch, ref_server, api_user
):
    lib, token = api_user
    open_reference(page, ref_server)
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".dialog-ux")
    expect(dialog.get_by_role("heading", name="Available authorizations")).to_be_visible()
    assert_no_violations(page, "the Authorize dialog")
    dialog.locator("input").first.fill(token)
    dialog.get_by_role("button", name="Apply credentials").click()
    dialog.get_by_role("button", name="Close", exact=True).first.click()

    operation = register_question(page)
    operation.locator(".opblock-summary-control").click()
    expect(operation.locator("tr[data-param-name='Idempotency-Key']")).to_be_visible()
    assert_no_violations(page, "an opened operation")
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("textbox", name="slug").fill(lib.slug)
    operation.get_by_role("textbox", name="Idempotency-Key").fill("reference-1")
    body = {
        "location_id": str(lib.location_id),
        "npd_party": "cbr",
        "topic": "cbr.rijbewijs_75",
        "help": "wegwijzer",
    }
    operation.get_by_role("textbox", name="Request body").fill(json.dumps(body))
    assert_no_violations(page, "an operation being tried out")
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status")).to_have_text("201")
    assert_no_violations(page, "an operation's answer")
    watch.assert_clean()


def test_the_reference_fits_a_phone(page, watch, ref_server):
    page.set_viewport_size({"width": 375, "height": 800})
    open_reference(page, ref_server)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_no_violations(page, "the API reference on a phone")
    watch.assert_clean()


def test_the_other_viewers_lead_to_the_reference(page, watch, ref_server):
    for path in OTHER_VIEWERS:
        response = page.goto(f"{ref_server.base_url}/schema{path}")
        assert response is not None and response.ok, path
        assert page.url == ref_server.base_url + "/schema", path
        expect(register_question(page).locator(".opblock-summary")).to_be_visible()
    watch.assert_clean()
