"""The account pages in a real browser (Debian's Chromium): no WCAG 2.1 A/AA violations (axe-core) on the user
list, the invitation, password and token pages and the platform admin's pages, HTMX swaps included; no console
errors or CSP violations; and the invitation flow from the e-mail to the desk.

As in test_browser.py: the web server (`ido serve`, here with a real SMTP server) and all data are made before
the browser starts, because Playwright's sync API claims the event loop while it is alive."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, expect

from domain.accounts import Role
from tests.e2e.browser import (
    Server,
    Watch,
    assert_no_violations,
    chromium,
    login,
    settled,
    start_server,
)
from tests.e2e.conftest import PASSWORD, Lib, make_library
from tests.receivers import SmtpServer

LINK = re.compile(r"/uitnodiging/([A-Za-z0-9_-]{43,})")


@dataclass(frozen=True)
class People:
    lib: Lib
    admin: str


@pytest.fixture(scope="module")
async def people(container) -> People:
    admin = f"beheer-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(admin, Role.PLATFORM_ADMIN, password=PASSWORD)
    return People(await make_library(container), admin)


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as s:
        yield s


@pytest.fixture(scope="module")
def acct_server(env, smtp, tmp_path_factory) -> Iterator[Server]:
    s = start_server({**env, "SMTP_URL": smtp.url}, tmp_path_factory.mktemp("web-accounts") / "serve.log")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser(acct_server, people) -> Iterator[Browser]:
    acct_server.wait_until_ready()
    with chromium() as b:
        yield b


def invitation_path(smtp: SmtpServer, email: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for m in smtp.mailbox.messages:
            if m["X-Envelope-To"] == email:
                found = LINK.search(m.get_body(preferencelist=("plain",)).get_content())
                assert found
                return found.group(0)
        time.sleep(0.05)
    raise AssertionError(f"no invitation mail for {email}")


def test_the_user_list_invitation_and_first_login_are_accessible_in_a_browser(
    page, watch, browser, acct_server, people, smtp
):
    base, lib = acct_server.base_url, people.lib
    login(page, base, lib.coordinator, PASSWORD)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Gebruikers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gebruikers")
    assert_no_violations(page, "the user list")

    watch.expect_status(422)
    page.fill("#acct-invite-email", "geen-adres")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.locator("#acct-invite-error")).to_have_text("'geen-adres' is geen geldig e-mailadres.")
    expect(page.locator("#acct-invite-email")).to_have_attribute("aria-invalid", "true")
    settled(page)
    assert_no_violations(page, "the user list with a refused invitation (HTMX swap)")

    email = f"nieuw-{secrets.token_hex(3)}@test.example"
    page.fill("#acct-invite-email", email)
    page.get_by_label("Coördinator").check()
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.locator("#acct-users [role=status]")).to_contain_text(
        f"De uitnodiging aan {email} is verstuurd."
    )
    expect(page.locator("#acct-users")).to_contain_text("uitgenodigd, geldig tot")
    settled(page)
    assert_no_violations(page, "the user list with an open invitation")
    watch.assert_clean()

    invited = browser.new_context(locale="nl-NL")
    other = Watch().attach(invited.new_page())
    other.goto(base + invitation_path(smtp, email))
    expect(other.get_by_role("heading", level=1)).to_have_text("Welkom bij IDO-registratie")
    assert_no_violations(other, "the invitation page")
    other.fill("#acct-password", "een zin als wachtwoord")
    other.fill("#acct-repeat", "een zin als wachtwoord")
    other.get_by_role("button", name="Wachtwoord opslaan en inloggen").click()
    other.wait_for_url(f"**/t/{lib.slug}/aan-de-slag")  # a coordinator starts on the guide until it is done
    expect(
        other.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Gebruikers")
    ).to_be_visible()
    invited.close()


def test_own_account_pages_and_the_forgotten_password_page_are_accessible(page, watch, acct_server, people):
    base, lib = acct_server.base_url, people.lib
    page.goto(base + "/login")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    assert_no_violations(page, "the forgotten password form")
    page.fill("#acct-email", f"niemand-{secrets.token_hex(3)}@test.example")
    page.get_by_role("button", name="Stuur mij een link").click()
    expect(page.locator("main [role=status]")).to_contain_text("Als er een account bij dit e-mailadres hoort")
    assert_no_violations(page, "the forgotten password answer")

    login(page, base, lib.coordinator, PASSWORD)
    page.get_by_role("link", name="Account").click()
    assert_no_violations(page, "the account page")
    page.get_by_role("link", name="Wachtwoord wijzigen").click()
    assert_no_violations(page, "the change password form")
    page.goto(base + "/account/tokens")
    page.fill("#acct-token-name", "Koppeling")
    page.get_by_role("button", name="Token aanmaken").click()
    expect(page.locator("#acct-new-token")).to_have_value(re.compile(r"^ido_"))
    settled(page)
    assert_no_violations(page, "the token page with a new token (HTMX swap)")
    watch.assert_clean()


def test_the_platform_admin_pages_are_accessible(page, watch, acct_server, people):
    base = acct_server.base_url
    login(page, base, people.admin, PASSWORD)
    for path, what in (
        ("/beheer", "the admin home with recent changes"),
        ("/beheer/pois", "the POI list and form"),
        ("/beheer/bibliotheken", "the library list and form"),
        (f"/beheer/bibliotheken/{people.lib.tenant_id}", "a library's page"),
        ("/beheer/kb-analisten", "the KB analysts"),
        ("/beheer/wijzigingen", "the audit log"),
    ):
        page.goto(base + path)
        assert_no_violations(page, what)
    page.goto(base + "/beheer/pois")
    page.fill("#acct-poi-slug", f"poi-{secrets.token_hex(3)}")
    page.fill("#acct-poi-name", "POI Browser")
    page.get_by_label("Utrecht").check()
    page.fill("#acct-poi-webhook", "https://poi.example/hook")
    page.get_by_role("button", name="POI aanmaken").click()
    expect(page.locator("#acct-secret")).to_be_visible()
    assert_no_violations(page, "a new POI with its secret shown once")
    watch.assert_clean()
