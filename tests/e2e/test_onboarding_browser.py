"""Issue 18 in a real browser (Debian's Chromium): the whole journey from a new library to its first desk question,
twice — once with an SMTP server on loopback, once with none (the inviter passes the link on) — counting the
actions (the goal: 15 or fewer) with axe-core on every page of the way; the confirmation before a destructive
action, with JavaScript and without; the import's mapping table; and the development mail page.

An action is a click or a submitted form, and opening a link from a mail (or one passed on); typing into a
field is not counted. The count starts at the admin's list of libraries and ends with the desk's third tap.

As in test_browser.py: the web servers (`ido serve`) and all data are made before the browser starts, because
Playwright's sync API claims the event loop while it is alive."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, Page, expect

from domain.accounts import Role
from infra.imports.template import import_template
from tests.e2e.browser import (
    Server,
    Watch,
    assert_no_violations,
    chromium,
    login,
    register_by_clicks,
    settled,
    start_server,
)
from tests.e2e.conftest import PASSWORD, Lib, make_library
from tests.e2e.processes import free_port
from tests.receivers import SmtpServer

GOAL = 15
LINK = re.compile(r"/uitnodiging/([A-Za-z0-9_-]{43,})")
NEW_PASSWORD = "een zin als wachtwoord"


@dataclass(frozen=True)
class World:
    admin: str
    poi_name: str
    lib: Lib  # an existing library with a coordinator and desk staff, for the confirmations


@pytest.fixture(scope="module")
async def world(container) -> World:
    admin = f"beheer-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(admin, Role.PLATFORM_ADMIN, password=PASSWORD)
    name = f"POI Reis {secrets.token_hex(2)}"
    await container.accounts.create_poi(f"poi-reis-{secrets.token_hex(3)}", name)
    return World(admin, name, await make_library(container))


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as s:
        yield s


def _serve(env: dict[str, str], folder, name: str, **extra: str) -> Server:
    port = free_port()
    run_env = {**env, "BASE_URL": f"http://127.0.0.1:{port}", **extra}
    return start_server(run_env, folder / f"{name}.log", port=port)


@pytest.fixture(scope="module")
def web_servers(env, smtp, tmp_path_factory) -> Iterator[dict[str, Server]]:
    folder = tmp_path_factory.mktemp("web-onboarding")
    started = {
        "smtp": _serve(env, folder, "smtp", SMTP_URL=smtp.url),
        "none": _serve(env, folder, "none", SMTP_URL=f"smtp://127.0.0.1:{free_port()}"),
        "dev": _serve(env, folder, "dev", SMTP_URL=f"file://{folder / 'dev-mail'}", IDO_DEVELOPMENT="1"),
    }
    yield started
    for s in started.values():
        s.stop()


@pytest.fixture(scope="module")
def browser(web_servers, world) -> Iterator[Browser]:
    for s in web_servers.values():
        s.wait_until_ready()
    with chromium() as b:
        yield b


def mailed_link(smtp: SmtpServer, email: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for m in smtp.mailbox.messages:
            if m["X-Envelope-To"] == email:
                return LINK.search(m.get_body(preferencelist=("plain",)).get_content()).group(0)
        time.sleep(0.05)
    raise AssertionError(f"no invitation mail for {email}")


@dataclass
class Journey:
    """The actions taken, and axe on every page of the way."""

    actions: int = 0
    pages: list[str] = field(default_factory=list)

    def act(self, n: int = 1) -> None:
        self.actions += n

    def check(self, page: Page, what: str) -> None:
        settled(page)
        assert_no_violations(page, what)
        self.pages.append(what)


def passed_on(page: Page, smtp: SmtpServer | None, email: str) -> str:
    """The invitation's link: from the mail, or (no mail server) as the inviter's page shows it once."""
    if smtp is not None:
        return mailed_link(smtp, email)
    field = page.locator("#acct-shown-link")
    expect(field).to_be_visible()
    return LINK.search(field.input_value()).group(0)


@pytest.mark.parametrize("mail", ["smtp", "none"], ids=["with-a-mail-server", "without-a-mail-server"])
def test_from_a_new_library_to_its_first_desk_question(browser, web_servers, world, smtp, mail):
    server = web_servers[mail]
    base, inbox = server.base_url, (smtp if mail == "smtp" else None)
    suffix = secrets.token_hex(3)
    coordinator, desk = f"coord-{suffix}@test.example", f"balie-{suffix}@test.example"
    j = Journey()

    # 1. the admin creates the library and invites its coordinator, in one form
    admin_ctx = browser.new_context(locale="nl-NL")
    watches = [Watch(), Watch(), Watch()]
    admin = watches[0].attach(admin_ctx.new_page())
    login(admin, base, world.admin, PASSWORD)
    admin.goto(base + "/beheer/bibliotheken")
    j.check(admin, "the admin's libraries")
    admin.fill("#acct-lib-slug", f"reis-{suffix}")
    admin.fill("#acct-lib-name", f"Bibliotheek Reis {suffix}")
    admin.select_option("#acct-lib-poi", label=world.poi_name)
    admin.fill("#acct-lib-coordinator", coordinator)
    admin.get_by_role("button", name="Bibliotheek aanmaken").click()
    j.act()
    expect(admin.get_by_role("heading", level=1)).to_contain_text(f"Bibliotheek Reis {suffix}")
    if inbox is None:
        expect(admin.locator(".acct-link-once")).to_contain_text(f"De e-mail aan {coordinator} kon niet")
    j.check(admin, "the new library's page")
    link = passed_on(admin, inbox, coordinator)

    # 2. the coordinator accepts and is led through the guide
    coord_ctx = browser.new_context(locale="nl-NL")
    coord = watches[1].attach(coord_ctx.new_page())
    coord.goto(base + link)
    j.act()
    j.check(coord, "the coordinator's invitation")
    coord.fill("#acct-password", NEW_PASSWORD)
    coord.fill("#acct-repeat", NEW_PASSWORD)
    coord.get_by_role("button", name="Wachtwoord opslaan en inloggen").click()
    j.act()
    coord.wait_for_url("**/aan-de-slag")
    expect(coord.locator("#gids-voortgang")).to_have_text("0 van de 5 stappen gedaan.")
    j.check(coord, "the guide, at the start")

    coord.get_by_role("link", name="IDO aanmelden").click()
    j.act()
    coord.fill("#plan-name", "IDO Reis")
    coord.fill("#plan-branch", "Centrale")
    coord.fill("#plan-planned", "2026-07-01")
    j.check(coord, "IDO en planning")
    coord.get_by_role("button", name="Aanmelden").click()
    j.act()
    expect(coord.locator("#plan-locations [role=status]")).to_contain_text("IDO Reis is aangemeld")
    j.check(coord, "IDO en planning after registering")
    coord.get_by_role("link", name="Naar IDO Reis").click()
    j.act()
    coord.fill("#slot-0-0-van", "10:00")
    coord.fill("#slot-0-0-tot", "12:00")
    j.check(coord, "the IDO's page")
    coord.get_by_role("button", name="Openingstijden opslaan").click()
    j.act()
    expect(coord.locator("#plan-hours")).to_contain_text("maandag 10:00–12:00")
    j.check(coord, "the IDO's page with opening hours")
    coord.get_by_role("link", name=re.compile(r"^Aan de slag")).click()
    j.act()
    expect(coord.locator("#gids-voortgang")).to_have_text("2 van de 5 stappen gedaan.")
    coord.fill("#gids-partner-name", "Formulierenbrigade Reis")
    coord.get_by_role("button", name="Partner toevoegen").click()
    j.act()
    expect(coord.locator("#gids-voortgang")).to_have_text("3 van de 5 stappen gedaan.")
    j.check(coord, "the guide after a partner")
    coord.fill("#gids-staff-email", desk)
    coord.get_by_role("button", name="Uitnodiging versturen").click()
    j.act()
    expect(coord.locator("#gids-voortgang")).to_have_text("4 van de 5 stappen gedaan.")
    j.check(coord, "the guide after inviting the desk")
    desk_link = passed_on(coord, inbox, desk)

    # 3. the desk member accepts and registers the first question
    desk_ctx = browser.new_context(locale="nl-NL")
    desk_page = watches[2].attach(desk_ctx.new_page())
    desk_page.goto(base + desk_link)
    j.act()
    j.check(desk_page, "the desk member's invitation")
    desk_page.fill("#acct-password", NEW_PASSWORD)
    desk_page.fill("#acct-repeat", NEW_PASSWORD)
    desk_page.get_by_role("button", name="Wachtwoord opslaan en inloggen").click()
    j.act()
    desk_page.wait_for_url("**/balie")
    j.check(desk_page, "the desk")
    register_by_clicks(desk_page, "svb", "svb.aow", "wegwijzer", 1)
    j.act(3)
    j.check(desk_page, "the desk after the first question")

    # the guide is done: gone from the coordinator's menu
    coord.goto(f"{base}/t/reis-{suffix}/aan-de-slag")  # not a reload: that page may answer a POST
    expect(coord.get_by_text("Alles staat klaar")).to_be_visible()
    expect(coord.locator(".guide-progress")).to_have_count(0)
    j.check(coord, "the guide, done")

    print(f"\njourney {mail}: {j.actions} actions, axe on {len(j.pages)} pages")
    assert j.actions <= GOAL, j.actions
    for w in watches:
        w.assert_clean()
    for ctx in (admin_ctx, coord_ctx, desk_ctx):
        ctx.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_deactivating_asks_first_and_the_question_is_accessible(browser, web_servers, world, javascript):
    base, lib = web_servers["smtp"].base_url, world.lib
    ctx = browser.new_context(locale="nl-NL", java_script_enabled=javascript)
    watch = Watch()
    page = watch.attach(ctx.new_page())
    login(page, base, lib.coordinator, PASSWORD)
    page.goto(base + f"/t/{lib.slug}/gebruikers/")
    row = page.get_by_role("row").filter(has_text=lib.desk)
    row.get_by_role("button", name=re.compile(r"^Deactiveren")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Account van {lib.desk} deactiveren?")
    if javascript:  # axe runs in the page: the same page without JavaScript is the same HTML
        assert_no_violations(page, "the confirmation before deactivating")
    page.get_by_role("link", name="Nee, terug").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gebruikers")
    row.get_by_role("button", name=re.compile(r"^Deactiveren")).click()
    page.get_by_role("button", name="Ja, deactiveren").click()
    expect(page.locator("#acct-users [role=status]")).to_contain_text("Het account is gedeactiveerd")
    # and back, for the other run
    page.get_by_role("row").filter(has_text=lib.desk).get_by_role(
        "button", name=re.compile("Heractiveren")
    ).click()
    expect(page.locator("#acct-users [role=status]")).to_contain_text("Het account is weer actief")
    watch.assert_clean()
    ctx.close()


def test_the_admin_confirms_deactivating_a_library_on_an_accessible_page(page, watch, web_servers, world):
    base = web_servers["smtp"].base_url
    login(page, base, world.admin, PASSWORD)
    page.goto(base + f"/beheer/bibliotheken/{world.lib.tenant_id}")
    page.get_by_role("button", name="Bibliotheek deactiveren…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("deactiveren?")
    assert_no_violations(page, "the confirmation before deactivating a library")
    page.get_by_role("link", name="Nee, terug").click()
    expect(page.get_by_role("button", name="Bibliotheek deactiveren…")).to_be_visible()
    watch.assert_clean()


def test_the_import_mapping_table_and_its_check_are_accessible(page, watch, web_servers, world, tmp_path):
    base, lib = web_servers["smtp"].base_url, world.lib
    template = tmp_path / "importsjabloon.xlsx"
    template.write_bytes(import_template())
    login(page, base, lib.coordinator, PASSWORD)
    page.goto(base + f"/t/{lib.slug}/import")
    expect(page.get_by_role("link", name="Download het importsjabloon (Excel)")).to_be_visible()
    page.set_input_files("#bestand", str(template))
    page.get_by_role("button", name="Bestand controleren").click()
    expect(page.get_by_role("table", name="Welke kolom bevat wat?")).to_be_visible()
    expect(page.get_by_role("button", name="Importeren")).to_have_count(0)
    assert_no_violations(page, "the import's mapping table")
    page.get_by_role("button", name=re.compile(r"^Controleren")).click()
    expect(page.locator("#import-go")).to_contain_text("Er is niets te importeren")
    assert_no_violations(page, "the import after a check")
    watch.assert_clean()


def test_the_development_mail_page_is_accessible(page, watch, web_servers, world):
    base = web_servers["dev"].base_url
    page.goto(base + "/wachtwoord-vergeten")
    page.fill("#acct-email", world.lib.desk)
    page.get_by_role("button", name="Stuur mij een link").click()
    expect(page.locator("main [role=status]")).to_contain_text("Als er een account")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        page.goto(base + "/ontwikkeling/post")
        if page.locator("a[href*='wachtwoord-herstellen']").count():
            break
        time.sleep(0.2)
    expect(page.locator(f"a[href^='{base}/wachtwoord-herstellen/']").first).to_be_visible()
    assert_no_violations(page, "the development mail page")
    watch.assert_clean()
