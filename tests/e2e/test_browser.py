"""In a real browser (Debian's Chromium through Playwright): the desk by mouse, by keyboard and without
JavaScript, no console errors or CSP violations, and no WCAG 2.1 A/AA violations (axe-core) on staff pages.

The web server runs as `ido serve` in a subprocess against this run's database. The libraries are made up
front on the session's asyncio loop: while Playwright's sync API is alive it marks its own loop as running, so
no async fixture may be set up after the browser has started, and the browser lives only as long as this
module (async tests in other modules run after it is gone)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import (
    TIMEOUT_MS,
    Server,
    assert_no_violations,
    axe,
    chromium,
    expect_count,
    has_marker,
    help_button,
    login,
    logout,
    party_button,
    register_by_clicks,
    set_marker,
    settled,
    start_server,
    topic_button,
)
from tests.e2e.conftest import PASSWORD, Lib, make_library

LIBRARIES = ("flow", "keyboard", "keys", "axe", "errors", "nojs", "referrals")
PARTNERS = ({"name": "Taalhuis Oost", "kind": "taalhuis"}, {"name": "Welzijn Zuid", "kind": "welzijn"})


@pytest.fixture(scope="session")
async def libs(container) -> dict[str, Lib]:
    """A library (with an IDO location, a desk user and a coordinator) per test, so that counts start at 0;
    the library "referrals" has two local partners."""
    from infra.platform.partners import Partners

    made = {name: await make_library(container) for name in LIBRARIES}
    for fields in PARTNERS:
        await Partners(container.db).add(made["referrals"].tenant_id, fields)
    return made


@pytest.fixture(scope="session")
def server(settings, env, tmp_path_factory) -> Iterator[Server]:
    """`ido serve` on this run's (migrated) database; it boots while the libraries are made."""
    s = start_server(env, tmp_path_factory.mktemp("web") / "serve.log")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser(server, libs) -> Iterator[Browser]:
    server.wait_until_ready()
    with chromium() as b:
        yield b


def _desk_url(server: Server, lib: Lib) -> str:
    return f"{server.base_url}/t/{lib.slug}/balie"


# --- 1. the desk with a mouse -----------------------------------------------------------------------------


def test_three_questions_by_clicking_undo_one_and_log_out_without_a_page_load(page, watch, server, libs):
    lib = libs["flow"]
    login(page, server.base_url, lib.desk, PASSWORD)
    assert page.url == _desk_url(server, lib)
    expect_count(page, 0)
    set_marker(page)
    loads: list[str] = []
    page.on("framenavigated", lambda frame: loads.append(frame.url) if frame == page.main_frame else None)
    requests: list[tuple[str, str, str | None]] = []
    page.on("request", lambda r: requests.append((r.method, r.resource_type, r.headers.get("hx-request"))))

    register_by_clicks(page, "cbr", "cbr.rijbewijs_75", "wegwijzer", count_after=1)
    register_by_clicks(page, "logius", "logius.digid_aanvragen", "samen_gezocht", count_after=2)
    register_by_clicks(page, "belastingdienst", "belastingdienst.toeslagen", "klantenservice", count_after=3)

    assert has_marker(page), "the page was reloaded during registration"
    assert loads == [], f"navigations during registration: {loads}"
    assert [m for m, _, _ in requests] == ["GET", "GET", "POST"] * 3, requests
    assert all(kind in ("xhr", "fetch") and hx == "true" for _, kind, hx in requests), requests
    rows = page.locator("#today tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#announce")).to_contain_text("Vandaag geregistreerd: 3.")

    row = rows.filter(has_text="Belastingdienst")
    row.get_by_role("button", name=re.compile(r"^Ongedaan maken")).click()
    expect_count(page, 2)
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Belastingdienst")).to_have_count(0)
    expect(page.locator("#announce")).to_contain_text("De registratie is ongedaan gemaakt.")
    assert has_marker(page) and loads == [], "undo reloaded the page"
    watch.assert_clean()

    logout(page)
    assert page.url == f"{server.base_url}/login?uitgelogd=1"
    page.goto(_desk_url(server, lib))
    expect(page.locator("#email")).to_be_visible()  # the session is gone: back to the login form
    watch.assert_clean()


def test_the_console_watch_sees_a_csp_violation(page, watch, server):
    """The check above is only worth something if a CSP violation does reach the watch."""
    page.goto(server.base_url + "/login")
    watch.assert_clean()
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__inline = 1';
        document.body.appendChild(s);
    }""")
    for _ in range(50):
        if watch.errors:
            break
        page.wait_for_timeout(20)
    assert page.evaluate("window.__inline === undefined"), "an inline script ran: the CSP is missing"
    assert any("Content Security Policy" in e for e in watch.errors), watch.errors


# --- 2. the desk by keyboard only -------------------------------------------------------------------------


def _tab_to(page: Page, selector: str, limit: int = 80) -> int:
    """Press Tab until the element matching `selector` has focus; answer how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => document.activeElement && document.activeElement.matches(sel)", selector):
            return presses
    raise AssertionError(f"{selector} never got focus after {limit} presses of Tab")


def _focus_in_wizard(page: Page) -> str:
    return page.evaluate("""() => {
        const a = document.activeElement;
        return a && a.closest('#wizard') ? a.tagName + ': ' + a.textContent.trim() : '';
    }""")


def test_a_question_can_be_registered_with_the_keyboard_only(page, watch, server, libs):
    """Tab and Enter only. After each step the wizard is swapped; focus must then move to its heading (not
    fall back to <body>), so that the next choice is one or two presses of Tab away."""
    lib = libs["keyboard"]
    login(page, server.base_url, lib.desk, PASSWORD)
    set_marker(page)
    expect_count(page, 0)

    _tab_to(page, "#wizard button[name=partij][value=cbr]")
    page.keyboard.press("Enter")
    expect(topic_button(page, "cbr.rijbewijs_75")).to_be_visible()
    settled(page)
    expect(page.locator("#wizard-h")).to_be_focused()
    assert _tab_to(page, "#wizard button[name=onderwerp][value='cbr.rijbewijs_75']") == 1
    page.keyboard.press("Enter")
    expect(help_button(page, "wegwijzer")).to_be_visible()
    settled(page)
    expect(page.locator("#wizard-h")).to_be_focused()
    assert _tab_to(page, "#wizard button[name=hulp][value=wegwijzer]") == 2  # past "Meer vastleggen"
    page.keyboard.press("Enter")

    expect_count(page, 1)
    settled(page)
    rows = page.locator("#today tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("wegwijzer")
    expect(page.locator("#wizard-h")).to_be_focused()  # back at step 1, ready for the next question
    assert _focus_in_wizard(page).startswith("H2: Nieuwe vraag")
    # past "Nog een vraag bij dit bezoek" and "Doorverwezen door een lokale partner?"
    assert _tab_to(page, "#wizard button[name=partij]") <= 3
    assert has_marker(page)
    watch.assert_clean()


def _count_keys(page: Page) -> None:
    """Count every key the page receives from here on (window.__keys)."""
    page.evaluate("""() => {
        window.__keys = 0;
        document.addEventListener('keydown', () => { window.__keys += 1; }, true);
    }""")


def test_a_question_takes_three_shortcut_keys_typed_ahead_and_none_fire_while_typing(
    page, watch, server, libs
):
    """The key shown on a party, topic and help button presses it: UWV (b), WIA (3), samen gezocht (2) is one
    question in three keys, typed without waiting for the steps. Typed into a field, the keys are text."""
    lib = libs["keys"]
    login(page, server.base_url, lib.desk, PASSWORD)
    set_marker(page)
    expect_count(page, 0)
    uwv = party_button(page, "uwv")
    expect(uwv.locator("kbd")).to_have_text("b")
    expect(uwv.locator("kbd")).to_be_visible()
    expect(uwv).to_have_attribute("aria-keyshortcuts", "b")
    expect(uwv).to_have_accessible_name("UWV (Uitvoeringsinstituut Werknemersverzekeringen)")
    _count_keys(page)

    for key in ("b", "3", "2"):  # no waiting: keys pressed during a swap wait for the next step
        page.keyboard.press(key)
    expect_count(page, 1)
    settled(page)
    assert page.evaluate("window.__keys") == 3 <= 6
    row = page.locator("#today tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("UWV (Uitvoeringsinstituut Werknemersverzekeringen) – Arbeidsongeschiktheid")
    expect(row).to_contain_text("Samen gezocht op de website")
    assert has_marker(page)

    # while typing in a field a key is a letter, not a choice
    page.keyboard.press("8")  # Logius (DigiD)
    expect(topic_button(page, "logius.inloggen")).to_be_visible()
    settled(page)
    page.keyboard.press("5")
    expect(help_button(page, "wegwijzer")).to_be_visible()
    settled(page)
    page.locator("#wizard details.more summary").click()
    page.locator("#notitie").click()
    page.keyboard.type("1 keer 2 gevraagd")
    expect(page.locator("#notitie")).to_have_value("1 keer 2 gevraagd")
    expect(help_button(page, "wegwijzer")).to_be_visible()
    expect_count(page, 1)
    page.locator("#wizard-h").focus()  # out of the field: the keys choose again
    page.keyboard.press("1")
    expect_count(page, 2)
    watch.assert_clean()

    # what was stored, as the correction form reads it back
    row = page.locator("#today tbody tr").filter(has_text="UWV")
    row.get_by_role("link", name=re.compile(r"^Verbeteren")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vraag verbeteren")
    expect(page.locator("#partij")).to_have_value("uwv")
    expect(page.locator("#onderwerp")).to_have_value("uwv.wia")
    expect(page.locator("#hulp")).to_have_value("samen_gezocht")
    page.go_back()
    logius = page.locator("#today tbody tr").filter(has_text="Logius")
    logius.get_by_role("link", name=re.compile(r"^Verbeteren")).click()
    expect(page.locator("#onderwerp")).to_have_value("logius.inloggen")
    expect(page.locator("#hulp")).to_have_value("wegwijzer")
    expect(page.locator("#notitie")).to_have_value("1 keer 2 gevraagd")
    watch.assert_clean()


# --- 3. axe-core ------------------------------------------------------------------------------------------


def test_the_axe_check_finds_violations_also_when_run_again_on_the_same_document(page, watch):
    """The check itself: only violations are collected and axe-core is injected once per document, so a second
    run (the reflow test's second width, a page after an HTMX swap) must still see what is wrong."""
    page.set_content('<html lang="nl"><title>t</title><main><h1>Proef</h1><img src="data:,"></main></html>')
    first = axe(page)
    assert [v["id"] for v in first.response["violations"]] == ["image-alt"]
    assert all(
        len(r["nodes"]) <= 1 for r in first.response["passes"]
    )  # passes are not collected element by element
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>')")
    again = axe(page)
    assert {v["id"] for v in again.response["violations"]} == {"image-alt", "label"}
    page.evaluate("document.querySelector('img').alt = 'leeg'; document.querySelector('input').remove()")
    assert axe(page).violations_count == 0


def test_axe_finds_no_wcag_violations_on_login_desk_partners_and_menu(page, watch, server, libs):
    lib = libs["axe"]
    page.goto(server.base_url + "/login")
    assert_no_violations(page, "the login page")

    login(page, server.base_url, lib.desk, PASSWORD)
    assert_no_violations(page, "desk step 1 (party)")
    party_button(page, "cbr").click()
    expect(topic_button(page, "cbr.rijbewijs_75")).to_be_visible()
    settled(page)
    assert_no_violations(page, "desk step 2 (topic)")
    topic_button(page, "cbr.rijbewijs_75").click()
    expect(help_button(page, "wegwijzer")).to_be_visible()
    settled(page)
    assert_no_violations(page, "desk step 3 (how helped)")
    page.locator("#wizard details.more summary").click()
    expect(page.locator("#soort")).to_be_visible()
    assert_no_violations(page, "desk step 3 with 'Meer vastleggen' open")
    help_button(page, "wegwijzer").click()
    expect_count(page, 1)
    expect(page.locator("#today tbody tr")).to_have_count(1)
    settled(page)
    assert_no_violations(page, "the desk after a registration (HTMX swap, today's table filled)")
    page.goto(f"{server.base_url}/t/{lib.slug}/baliemenu")
    assert_no_violations(page, "the baliemenu (no partners)")
    logout(page)
    assert_no_violations(page, "the login page after logging out")

    login(page, server.base_url, lib.coordinator, PASSWORD)
    page.goto(f"{server.base_url}/t/{lib.slug}/partners")
    expect(page.get_by_text("Nog geen partners vastgelegd.")).to_be_visible()
    assert_no_violations(page, "the partners page (empty)")
    page.fill("#name", "Formulierenbrigade Noord")
    page.select_option("#kind", "formulierenbrigade")
    page.fill("#helps_with", "Formulieren invullen")
    page.fill("#phone", "010 123 45 67")
    page.fill("#p-email", "info@formulierenbrigade.example")
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.locator("#partners table tbody tr")).to_have_count(1)
    expect(page.locator("#partners")).to_contain_text("Formulierenbrigade Noord is toegevoegd.")
    settled(page)
    assert_no_violations(page, "the partners page with one partner")
    page.goto(f"{server.base_url}/t/{lib.slug}/baliemenu")
    expect(page.locator("main")).to_contain_text("Formulierenbrigade Noord")
    assert_no_violations(page, "the baliemenu with one partner")
    watch.assert_clean()


def test_refused_input_is_shown_announced_and_accessible(page, watch, server, libs):
    """A 422 from the server (the privacy guard, a partner without a name) must reach the screen with
    JavaScript on: htmx only swaps it in because base.html.j2 configures `responseHandling` for 422."""
    lib = libs["errors"]
    watch.expect_status(401, 422)  # the failed login and the refusals; htmx must not log anything of its own
    page.goto(server.base_url + "/login")
    page.fill("#email", lib.desk)
    page.fill("#password", "niet-het-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.locator("#login-error")).to_be_visible()
    assert page.locator("#email").get_attribute("aria-describedby") == "login-error"
    assert_no_violations(page, "the login page after a failed login")

    login(page, server.base_url, lib.desk, PASSWORD)
    set_marker(page)
    party_button(page, "cbr").click()
    expect(topic_button(page, "cbr.rijbewijs_75")).to_be_visible()
    settled(page)
    topic_button(page, "cbr.rijbewijs_75").click()
    expect(help_button(page, "wegwijzer")).to_be_visible()
    settled(page)
    page.locator("#wizard details.more summary").click()
    page.fill("#notitie", "Mail de uitslag naar jan.jansen@example.nl")
    help_button(page, "wegwijzer").click()
    alert = page.locator("#wizard-error")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("e-mailadres")
    settled(page)
    expect(page.locator("#notitie")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#notitie")).to_have_value("Mail de uitslag naar jan.jansen@example.nl")
    expect(page.locator("#wizard-h")).to_be_focused()
    expect_count(page, 0)
    assert has_marker(page)
    assert_no_violations(page, "the desk with a refused note")
    page.fill("#notitie", "Uitleg gegeven over de gezondheidsverklaring")
    help_button(page, "wegwijzer").click()
    expect_count(page, 1)
    expect(alert).to_have_count(0)
    watch.assert_clean()
    logout(page)

    login(page, server.base_url, lib.coordinator, PASSWORD)
    page.goto(f"{server.base_url}/t/{lib.slug}/partners")
    set_marker(page)
    page.fill("#name", "   ")  # passes `required`, refused by the server
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.locator("#partner-error")).to_have_text("Geef de naam van de partner.")
    settled(page)
    expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name")).to_be_focused()
    assert has_marker(page)
    assert_no_violations(page, "the partners page with a refused partner")
    page.fill("#name", "Taalhuis Centrum")
    page.select_option("#kind", "taalhuis")
    page.fill("#website", "ftp://taalhuis.example")  # passes type=url, refused by the server
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.locator("#partner-error")).to_contain_text("https://")
    settled(page)
    expect(page.locator("#website")).to_be_focused()
    page.fill("#website", "https://taalhuis.example")
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.locator("#partners table tbody tr")).to_have_count(1)
    expect(page.locator("#partner-error")).to_have_count(0)
    assert has_marker(page)
    watch.assert_clean()


# --- 4. without JavaScript --------------------------------------------------------------------------------


def test_without_javascript_the_three_taps_are_plain_form_posts(browser, server, libs):
    lib = libs["nojs"]
    ctx = browser.new_context(java_script_enabled=False, locale="nl-NL")
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        page = ctx.new_page()
        login(page, server.base_url, lib.desk, PASSWORD)
        expect_count(page, 0)
        expect(party_button(page, "cbr").locator("kbd")).to_be_hidden()  # no script, no shortcut keys
        expect(party_button(page, "cbr")).not_to_have_attribute("aria-keyshortcuts", re.compile("."))
        with page.expect_navigation():
            party_button(page, "cbr").click()
        assert "partij=cbr" in page.url
        with page.expect_navigation():
            topic_button(page, "cbr.rijbewijs_75").click()
        assert "onderwerp=cbr.rijbewijs_75" in page.url
        with page.expect_navigation():
            help_button(page, "wegwijzer").click()
        assert "melding=geregistreerd" in page.url
        expect(page.locator("#announce")).to_have_text("De vraag is geregistreerd.")
        expect_count(page, 1)
        expect(page.locator("#today tbody tr")).to_have_count(1)
    finally:
        ctx.close()


# --- 5. referrals both ways (issue 19) --------------------------------------------------------------------


def test_a_warm_referral_and_a_question_referred_in_by_clicks_with_and_without_javascript(
    browser, page, watch, server, libs
):
    """A referral without warm or cold is refused (announced, the radios marked, axe clean); chosen warm it is
    registered. A visitor sent by a partner: "Doorverwezen door" on the first step, which the next steps say.
    The correction form reads both back. Without JavaScript the same is a chain of plain forms."""
    lib = libs["referrals"]
    watch.expect_status(422)
    login(page, server.base_url, lib.desk, PASSWORD)
    set_marker(page)
    party_button(page, "svb").click()
    expect(topic_button(page, "svb.aow")).to_be_visible()
    settled(page)
    topic_button(page, "svb.aow").click()
    expect(help_button(page, "lokale_partner")).to_be_visible()
    settled(page)
    page.locator("#wizard details.more summary").click()
    page.select_option("#partner", label="Taalhuis Oost (Taalhuis)")
    help_button(page, "lokale_partner").click()
    expect(page.locator("#wizard-error")).to_contain_text("warm (contact gelegd) of koud (adres meegegeven)")
    settled(page)
    group = page.locator("#wizard [role=radiogroup]")
    expect(group).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#partner")).to_have_value(re.compile(r"^[0-9a-f-]{36}$"))  # kept
    expect_count(page, 0)
    assert_no_violations(page, "the desk refusing a referral without warm or cold")
    page.get_by_label("Warm: contact gelegd").check()
    help_button(page, "lokale_partner").click()
    expect_count(page, 1)
    settled(page)

    # referred in by a partner, then helped by searching together: one tap more than three
    page.locator("#wizard details.referred-by summary").click()
    expect(page.get_by_label("Nee", exact=True)).to_be_checked()
    page.get_by_label("Welzijn Zuid (Welzijnsorganisatie)").check()
    assert_no_violations(page, "the desk's first step with 'Doorverwezen door' open")
    party_button(page, "cbr").click()
    expect(page.locator("#wizard .referred-note")).to_have_text("Doorverwezen door Welzijn Zuid.")
    settled(page)
    topic_button(page, "cbr.rijbewijs_75").click()
    expect(page.locator("#wizard .referred-note")).to_have_text("Doorverwezen door Welzijn Zuid.")
    settled(page)
    help_button(page, "samen_gezocht").click()
    expect_count(page, 2)
    expect(page.locator("#wizard details.referred-by")).not_to_have_attribute("open", "")  # the next: "nee"
    assert has_marker(page), "the page was reloaded"
    watch.assert_clean()

    rows = page.locator("#today tbody tr")
    rows.filter(has_text="SVB").get_by_role("link", name=re.compile(r"^Verbeteren")).click()
    expect(page.get_by_label("Warm: contact gelegd")).to_be_checked()
    expect(page.locator("#door option:checked")).to_have_text("Nee")
    page.go_back()
    rows.filter(has_text="CBR").get_by_role("link", name=re.compile(r"^Verbeteren")).click()
    expect(page.locator("#door option:checked")).to_have_text("Welzijn Zuid (Welzijnsorganisatie)")
    expect(page.locator("#hulp")).to_have_value("samen_gezocht")
    assert_no_violations(page, "the correction form of a question referred in")
    watch.assert_clean()

    ctx = browser.new_context(java_script_enabled=False, locale="nl-NL")
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        plain = ctx.new_page()
        login(plain, server.base_url, lib.desk, PASSWORD)
        plain.locator("#wizard details.referred-by summary").click()
        plain.get_by_label("Een partner die er niet bij staat").check()
        with plain.expect_navigation():
            party_button(plain, "uwv").click()
        assert "door=niet-vermeld" in plain.url
        expect(plain.locator("#wizard .referred-note")).to_contain_text("een partner die er niet bij staat")
        with plain.expect_navigation():
            topic_button(plain, "uwv.wia").click()
        plain.locator("#wizard details.more summary").click()
        plain.select_option("#partner", label="Staat er niet bij")
        plain.get_by_label("Koud: adres meegegeven").check()
        with plain.expect_navigation():
            help_button(plain, "lokale_partner").click()
        assert "melding=geregistreerd" in plain.url
        expect_count(plain, 3)
    finally:
        ctx.close()
