"""The desk without the server, in a real browser (Debian's Chromium): questions registered while the network is
cut or the server is stopped are kept in IndexedDB, the page survives a reload from the service worker's copy,
and once the server answers again exactly those questions are stored, once each, with the instants the device
stamped and under the user who entered them — also with two tabs, and after the session expired meanwhile.
The desk is an installable web app, the steps rendered without the server are those of the server, and axe finds
nothing on the new parts. docs/offline.md.

The device's clock is set per question (Playwright's clock, `set_fixed_time`) to minutes before the suite's fixed
server clock (tests/clock.py), so the asked-at times are known and within the limits. As in test_browser.py, the
libraries are made before the browser starts (Playwright's sync API claims the event loop while it is alive);
the database and Redis are read from a thread of their own."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from uuid import UUID

import asyncpg
import pytest
import redis as redis_lib
from playwright.sync_api import Browser, BrowserContext, Page, expect

from domain.accounts import Role
from domain.calendar import at_local
from tests.clock import NOW, TODAY
from tests.e2e.browser import (
    Server,
    Watch,
    assert_no_violations,
    choose_door,
    chromium,
    expect_count,
    help_button,
    login,
    logout,
    party_button,
    register_by_clicks,
    settled,
    start_server,
    topic_button,
)
from tests.e2e.conftest import PASSWORD, Lib, make_library
from tests.servers import ROOT, plain_url

LIBRARIES = ("cut", "stopped", "tabs", "expired", "steps", "axe", "lost")
QUESTIONS = (  # party, topic, how helped: five different questions
    ("cbr", "cbr.rijbewijs_75", "wegwijzer"),
    ("logius", "logius.digid_aanvragen", "samen_gezocht"),
    ("belastingdienst", "belastingdienst.toeslagen", "klantenservice"),
    ("uwv", "uwv.wia", "wegwijzer"),
    ("cbr", "cbr.rijbewijs_75", "samen_gezocht"),
)
SHOTS = ROOT / "var" / "test-output" / "offline"  # screenshots of the desk with questions waiting and refused
FLUSH_MS = 30_000  # sending what waits: the page tries again within 10 s; a restarted server boots first


@dataclass(frozen=True)
class World:
    libs: dict[str, Lib]
    colleague: str  # a second desk user of the library "expired"
    partner: UUID  # a local partner of the library "steps"


@pytest.fixture(scope="module")
async def world(container) -> World:
    from infra.platform.partners import Partners

    libs = {name: await make_library(container) for name in LIBRARIES}
    colleague = f"collega-{libs['expired'].slug}@test.example"
    await container.accounts.create_user(
        colleague, Role.DESK, tenant_slug=libs["expired"].slug, password=PASSWORD
    )
    partner = await Partners(container.db).add(
        libs["steps"].tenant_id, {"name": "Welzijn Zuid", "kind": "welzijn"}
    )
    return World(libs, colleague, partner)


class Restartable:
    """`ido serve` that a test may stop and start again on the same port (same origin: the same service worker
    and IndexedDB)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.server: Server = start_server(env, log)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        port = int(self.base_url.rsplit(":", 1)[1])
        self.server = start_server(self.env, self.log, port=port)
        self.server.wait_until_ready()


@pytest.fixture(scope="module")
def server(env, tmp_path_factory) -> Iterator[Restartable]:
    s = Restartable(env, tmp_path_factory.mktemp("web-offline") / "serve.log")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser(server, world) -> Iterator[Browser]:
    server.server.wait_until_ready()
    with chromium() as b:
        yield b


# --- reading what was stored ------------------------------------------------------------------------------


def _in_thread(coro):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def registered(settings, tenant_id: UUID) -> list[dict]:
    """The QuestionRegistered events of a library: asked_at (aware), the actor, the question id."""

    async def go():
        conn = await asyncpg.connect(plain_url(settings.reader_database_url))
        try:
            return await conn.fetch(
                "SELECT data::text AS data, metadata::text AS meta FROM events "
                "WHERE tenant_id = $1 AND event_type = 'QuestionRegistered' ORDER BY global_position",
                tenant_id,
            )
        finally:
            await conn.close()

    out = []
    for row in _in_thread(go()):
        data, meta = json.loads(row["data"]), json.loads(row["meta"])
        out.append(
            {
                "asked_at": datetime.fromisoformat(data["what"]["asked_at"]),
                "actor": meta.get("actor"),
                "question_id": data["question_id"],
                "topic": data["what"]["topic"],
                "referred_by": data["what"].get("referred_by_partner_id"),
            }
        )
    return out


def wait_for_events(settings, tenant_id: UUID, n: int, page: Page) -> list[dict]:
    """Until the library has `n` registrations (and then a moment longer, to see that no more come)."""
    for _ in range(FLUSH_MS // 200):
        events = registered(settings, tenant_id)
        if len(events) >= n:
            page.wait_for_timeout(1500)
            return registered(settings, tenant_id)
        page.wait_for_timeout(200)
    return registered(settings, tenant_id)


def expire_sessions(redis_url: str, user_id: str) -> None:
    """As if the user's sessions expired: gone from Redis (infra/platform/sessions.py)."""
    r = redis_lib.Redis.from_url(redis_url)
    try:
        for sid in r.smembers(f"ido:user-sessions:{user_id}"):
            r.delete(f"ido:session:{sid.decode()}")
        r.delete(f"ido:user-sessions:{user_id}")
    finally:
        r.close()


# --- the desk ---------------------------------------------------------------------------------------------


def device_time(minute: int) -> datetime:
    """The device's clock for the n-th question: minutes after 07:00 on the suite's day (the server's clock
    stands at 08:00)."""
    return at_local(TODAY, time(7, 0)) + timedelta(minutes=minute)


def desk_url(server: Restartable, lib: Lib) -> str:
    return f"{server.base_url}/t/{lib.slug}/balie"


def open_desk(page: Page, server: Restartable, lib: Lib, email: str | None = None) -> None:
    """Log in and wait until the service worker keeps the desk page (html[data-desk-offline=ready])."""
    login(page, server.base_url, email or lib.desk, PASSWORD)
    assert page.url == desk_url(server, lib)
    ready(page)


def ready(page: Page) -> None:
    page.wait_for_function("() => document.documentElement.dataset.deskOffline === 'ready'")


def register_kept(page: Page, context: BrowserContext, n: int, question: tuple[str, str, str]) -> None:
    """The three taps while the server does not answer, at the device time of question `n`; the desk is back at
    step 1 and says the question is kept."""
    party, topic, help_ = question
    context.clock.set_fixed_time(device_time(n))
    party_button(page, party).click()
    expect(topic_button(page, topic)).to_be_visible()
    settled(page)
    topic_button(page, topic).click()
    expect(help_button(page, help_)).to_be_visible()
    settled(page)
    help_button(page, help_).click()
    expect(page.locator("#wizard p.ok")).to_contain_text("Bewaard op dit apparaat")
    expect(party_button(page, "cbr")).to_be_visible()
    settled(page)


def waiting_text(n: int) -> str:
    return f"{n} {'vraag wacht' if n == 1 else 'vragen wachten'} op verzending"


def kept_instants(page: Page) -> list[datetime]:
    """The instants the page stamped on the questions it keeps (IndexedDB), in order."""
    stamps = page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open('ido-desk');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
            const all = open.result.transaction('outbox').objectStore('outbox').getAll();
            all.onsuccess = () => resolve(all.result.map(i => i.asked));
            all.onerror = () => reject(all.error);
        };
    })""")
    return sorted(datetime.fromisoformat(s) for s in stamps)


def assert_stored(events: list[dict], instants: list[datetime], user_id: str) -> None:
    assert len(events) == len(instants), events
    assert len({e["question_id"] for e in events}) == len(events), "a question was stored twice"
    assert sorted(e["asked_at"] for e in events) == instants
    assert {e["actor"] for e in events} == {user_id}


def user_of(page: Page) -> str:
    return page.locator("#outbox").get_attribute("data-user")


# --- 1. the network cut -----------------------------------------------------------------------------------


def test_five_questions_with_the_network_cut_survive_a_reload_and_are_stored_once_with_their_times(
    page, context, watch, server, world, settings
):
    lib = world.libs["cut"]
    open_desk(page, server, lib)
    user = user_of(page)
    expected = [device_time(i).astimezone(UTC) for i in range(1, 6)]

    context.set_offline(True)
    for i, question in enumerate(QUESTIONS[:3], start=1):
        register_kept(page, context, i, question)
    expect(page.locator("#outbox-status")).to_contain_text(waiting_text(3))

    page.reload()  # from the service worker's copy
    expect(page.get_by_role("heading", level=1)).to_contain_text("Balie")
    expect(page.locator("#outbox-status")).to_contain_text(waiting_text(3))
    expect(page.locator("#outbox-detail")).to_contain_text("Deze pagina is op dit apparaat bewaard")
    for i, question in enumerate(QUESTIONS[3:], start=4):
        register_kept(page, context, i, question)
    expect(page.locator("#outbox-status")).to_contain_text(waiting_text(5))
    assert kept_instants(page) == expected
    assert registered(settings, lib.tenant_id) == []

    context.set_offline(False)
    expect(page.locator("#outbox-status")).to_have_text("Alle vragen zijn verzonden.", timeout=FLUSH_MS)
    assert_stored(wait_for_events(settings, lib.tenant_id, 5, page), expected, user)
    expect_count(page, 5)  # today's list from the server's last answer
    expect(page.locator("#wizard p.ok")).to_contain_text("Verzonden: CBR")  # no longer "Bewaard …"
    expect(page.locator("#announce")).to_have_text("")
    assert kept_instants(page) == []
    watch.assert_clean()


# --- 2. the server stopped --------------------------------------------------------------------------------


def test_five_questions_with_the_server_stopped_are_stored_once_when_it_is_back(
    page, context, watch, server, world, settings
):
    """The network is up, the server is not: the first step's request fails, the desk goes on without it."""
    lib = world.libs["stopped"]
    open_desk(page, server, lib)
    user = user_of(page)
    expected = [device_time(i).astimezone(UTC) for i in range(1, 6)]

    watch.expect_unreachable()
    server.stop()
    try:
        for i, question in enumerate(QUESTIONS[:2], start=1):
            register_kept(page, context, i, question)
        page.reload()
        expect(page.locator("#outbox-detail")).to_contain_text("Deze pagina is op dit apparaat bewaard")
        expect(page.locator("#outbox-status")).to_contain_text(waiting_text(2))
        for i, question in enumerate(QUESTIONS[2:], start=3):
            register_kept(page, context, i, question)
        expect(page.locator("#outbox-status")).to_contain_text(waiting_text(5))
        assert kept_instants(page) == expected
    finally:
        server.start()

    expect(page.locator("#outbox-status")).to_have_text("Alle vragen zijn verzonden.", timeout=FLUSH_MS)
    assert_stored(wait_for_events(settings, lib.tenant_id, 5, page), expected, user)
    expect_count(page, 5)
    watch.assert_clean()


# --- 3. two tabs ------------------------------------------------------------------------------------------


def test_two_tabs_keep_questions_in_one_outbox_and_send_each_once(context, server, world, settings):
    lib = world.libs["tabs"]
    watches = [Watch(), Watch()]
    first = watches[0].attach(context.new_page())
    open_desk(first, server, lib)
    second = watches[1].attach(context.new_page())
    second.goto(desk_url(server, lib))
    ready(second)
    user = user_of(first)
    expected = [device_time(i).astimezone(UTC) for i in range(1, 6)]

    context.set_offline(True)
    for i, question in enumerate(QUESTIONS, start=1):
        register_kept(
            first if i % 2 else second, context, i, question
        )  # 1, 3, 5 in one tab, 2, 4 in the other
    for tab in (first, second):
        expect(tab.locator("#outbox-status")).to_contain_text(waiting_text(5))
    second.reload()
    expect(second.locator("#outbox-status")).to_contain_text(waiting_text(5))
    assert kept_instants(first) == expected

    context.set_offline(False)  # both tabs hear "online" and try at once
    for tab in (first, second):
        expect(tab.locator("#outbox-status")).to_have_text("Alle vragen zijn verzonden.", timeout=FLUSH_MS)
    assert_stored(wait_for_events(settings, lib.tenant_id, 5, first), expected, user)
    for w in watches:
        w.assert_clean()


# --- 4. the session expired meanwhile ---------------------------------------------------------------------


def test_after_the_session_expired_the_questions_are_sent_under_the_user_who_entered_them(
    page, context, watch, server, world, settings, redis_url
):
    """Kept while offline, the session gone meanwhile: the desk asks to log in again. A colleague who logs in on
    the device does not send them (and is told they wait); the user who entered them does."""
    lib = world.libs["expired"]
    watch.expect_status(401)
    open_desk(page, server, lib)
    user = user_of(page)
    expected = [device_time(i).astimezone(UTC) for i in range(1, 3)]
    context.set_offline(True)
    for i, question in enumerate(QUESTIONS[:2], start=1):
        register_kept(page, context, i, question)
    expire_sessions(redis_url, user)

    context.set_offline(False)
    status = page.locator("#outbox-status")
    expect(status).to_contain_text("Uw sessie is verlopen", timeout=FLUSH_MS)
    expect(status).to_contain_text(waiting_text(2))
    assert registered(settings, lib.tenant_id) == []

    page.get_by_role("link", name="Opnieuw inloggen").click()
    page.fill("#email", world.colleague)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(desk_url(server, lib))
    assert user_of(page) != user
    expect(page.locator("#outbox-detail")).to_contain_text(
        "Op dit apparaat wachten ook 2 vragen van een andere gebruiker"
    )
    expect(status).to_have_text("")
    page.wait_for_timeout(2000)
    assert registered(settings, lib.tenant_id) == []
    logout(page)

    login(page, server.base_url, lib.desk, PASSWORD)
    expect(status).to_have_text("Alle vragen zijn verzonden.", timeout=FLUSH_MS)
    assert_stored(wait_for_events(settings, lib.tenant_id, 2, page), expected, user)
    watch.assert_clean()


# --- 5. the steps without the server are the server's -----------------------------------------------------

WIZARD = """() => {
    const w = document.getElementById('wizard');
    const text = e => e.textContent.replace(/\\s+/g, ' ').trim();
    return {
        heading: text(w.querySelector('#wizard-h')),
        legend: text(w.querySelector('legend')),
        forms: [...w.querySelectorAll('form')].map(f => ['method', 'action', 'hx-get', 'hx-post', 'hx-target',
            'hx-swap', 'hx-disabled-elt'].map(a => f.getAttribute(a))),
        hidden: [...w.querySelectorAll('input[type=hidden]')].map(i => i.name),
        buttons: [...w.querySelectorAll('button.choice')].map(b => [b.name, b.value, b.className,
            b.dataset.key, b.getAttribute('aria-keyshortcuts'), text(b)]),
        details: [...w.querySelectorAll('details .fields [id]')].map(e => e.tagName + '#' + e.id),
        radios: [...w.querySelectorAll('input[type=radio]')].map(r => [r.name, r.value, r.dataset.name || '',
            text(r.closest('label'))]),
        note: [...w.querySelectorAll('.referred-note')].map(text),
        links: [...w.querySelectorAll('a')].map(a => text(a)).filter(t => !t.startsWith('Druk uur')),
    };
}"""


def test_the_steps_rendered_without_the_server_are_the_servers_and_take_the_same_keys(
    page, context, watch, server, world, settings
):
    lib = world.libs["steps"]
    open_desk(page, server, lib)
    user = user_of(page)
    served = [page.evaluate(WIZARD)]
    assert [r[1] for r in served[0]["radios"]] == ["", str(world.partner), "niet-vermeld"]
    choose_door(page, str(world.partner))  # "Doorverwezen door" goes with the next steps
    party_button(page, "uwv").click()
    expect(topic_button(page, "uwv.wia")).to_be_visible()
    settled(page)
    served.append(page.evaluate(WIZARD))
    topic_button(page, "uwv.wia").click()
    expect(help_button(page, "samen_gezocht")).to_be_visible()
    settled(page)
    served.append(page.evaluate(WIZARD))
    assert served[2]["details"], "step 3 without its details"
    assert served[1]["note"] == served[2]["note"] == ["Doorverwezen door Welzijn Zuid."]
    assert "door" in served[1]["hidden"] and "door" in served[2]["hidden"]
    assert [r[1] for r in served[2]["radios"]] == ["warm", "koud"]

    page.reload()
    ready(page)
    context.set_offline(True)
    context.clock.set_fixed_time(device_time(1))
    rendered = [page.evaluate(WIZARD)]
    choose_door(page, str(world.partner))
    page.keyboard.press("b")  # UWV, with the focus on a radio button: the keys still choose
    expect(topic_button(page, "uwv.wia")).to_be_visible()
    expect(page.locator("#wizard-h")).to_be_focused()
    rendered.append(page.evaluate(WIZARD))
    page.keyboard.press("3")  # WIA
    expect(help_button(page, "samen_gezocht")).to_be_visible()
    rendered.append(page.evaluate(WIZARD))
    assert rendered == served
    page.keyboard.press("2")  # samen gezocht: kept
    expect(page.locator("#wizard p.ok")).to_contain_text(
        "Bewaard op dit apparaat: UWV (Uitvoeringsinstituut Werknemersverzekeringen) – Arbeidsongeschiktheid"
    )
    context.clock.set_fixed_time(device_time(2))
    for key in ("8", "5", "1"):  # typed ahead: Logius (DigiD), a topic, wegwijzer
        page.keyboard.press(key)
    expect(page.locator("#outbox-status")).to_contain_text(waiting_text(2))

    context.set_offline(False)
    expect(page.locator("#outbox-status")).to_have_text("Alle vragen zijn verzonden.", timeout=FLUSH_MS)
    events = wait_for_events(settings, lib.tenant_id, 2, page)
    assert [e["topic"][:5] for e in events] == ["uwv.w", "logiu"]
    assert [e["referred_by"] for e in events] == [str(world.partner), None]
    assert {e["actor"] for e in events} == {user}

    # the steps rendered here work with the server again, through htmx: no page load
    requests: list[tuple[str, str | None]] = []
    page.on("request", lambda r: requests.append((r.method, r.headers.get("hx-request"))))
    page.evaluate("window.__marker = 1")
    register_by_clicks(page, "cbr", "cbr.rijbewijs_75", "wegwijzer", count_after=3)
    assert page.evaluate("window.__marker") == 1
    assert requests == [("GET", "true"), ("GET", "true"), ("POST", "true")], requests
    watch.assert_clean()


# --- 6. a refused question, axe, the web app manifest -----------------------------------------------------


def test_a_question_the_server_refuses_is_shown_with_the_reason_until_removed_and_axe_finds_nothing(
    page, context, watch, server, world, settings
):
    """A device whose clock ran ahead: the server refuses the kept question's time (Dutch reason), the desk
    shows it with the reason and a button to remove it; the other kept question is stored. axe on the desk with
    waiting and refused questions, at 390 and 1366 px."""
    lib = world.libs["axe"]
    watch.expect_status(422)
    open_desk(page, server, lib)
    context.set_offline(True)
    register_kept(page, context, 1, QUESTIONS[0])
    register_kept(page, context, 150, QUESTIONS[1])  # 09:30; the server's clock stands at 08:00
    expect(page.locator("#outbox-status")).to_contain_text(waiting_text(2))
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 800})
        assert_no_violations(page, f"the desk offline with 2 questions waiting at {width} px")
        page.screenshot(path=SHOTS / f"waiting-{width}.png", full_page=True)

    context.set_offline(False)
    status = page.locator("#outbox-status")
    expect(status).to_contain_text("1 vraag is door de server geweigerd", timeout=FLUSH_MS)
    item = page.locator("#outbox-detail li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("ligt in de toekomst: loopt de klok van dit apparaat voor?")
    assert len(wait_for_events(settings, lib.tenant_id, 1, page)) == 1
    for width in (320, 390, 1366):
        page.set_viewport_size({"width": width, "height": 800})
        wide = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert wide <= 0, f"{wide} px wider than the window at {width} px"
        if width > 320:
            assert_no_violations(page, f"the desk with a refused question at {width} px")
            page.screenshot(path=SHOTS / f"refused-{width}.png", full_page=True)
    item.get_by_role("button", name=re.compile("^Verwijderen")).click()
    expect(item).to_have_count(0)
    expect(status).to_have_text("Alle vragen zijn verzonden.")
    assert len(registered(settings, lib.tenant_id)) == 1
    watch.assert_clean()


def test_the_desk_is_an_installable_web_app(page, context, server, world):
    lib = world.libs["axe"]
    open_desk(page, server, lib)
    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest
    data = json.loads(manifest["data"])
    assert data["start_url"] == f"/t/{lib.slug}/balie"
    assert {(i["sizes"], i.get("purpose", "any")) for i in data["icons"]} >= {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == [], errors


# --- 7. the answer lost on the way ------------------------------------------------------------------------


def test_a_registration_whose_answer_was_lost_is_kept_and_its_second_sending_stores_nothing_twice(
    page, context, watch, server, world, settings
):
    """The server stores the question, the answer never reaches the page: the desk keeps it and sends it again
    (now with the device's instant); the key finds the first, so one question, at the server's time."""
    lib = world.libs["lost"]
    watch.expect_unreachable()
    open_desk(page, server, lib)
    lost: list[str] = []

    def lose_the_first_answer(route):
        if route.request.method == "POST" and not lost:
            route.fetch()  # the server stores it
            lost.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(f"**/t/{lib.slug}/balie/vragen", lose_the_first_answer)
    context.clock.set_fixed_time(device_time(1))
    party, topic, help_ = QUESTIONS[0]
    party_button(page, party).click()
    topic_button(page, topic).click()
    settled(page)
    help_button(page, help_).click()
    expect(page.locator("#outbox-status")).to_have_text("Alle vragen zijn verzonden.", timeout=FLUSH_MS)
    assert lost
    events = wait_for_events(settings, lib.tenant_id, 1, page)
    assert [e["asked_at"] for e in events] == [NOW]  # the first sending's, at the server's clock
    expect_count(page, 1)
    watch.assert_clean()
