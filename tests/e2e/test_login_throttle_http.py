"""The login throttle over HTTP on a fixed clock: attempts sent at once, per account and address with growing
waits, the warning and the lock message, the address ceiling, and the unlock by the coordinator and the admin."""

from __future__ import annotations

import asyncio
import html
import re
import secrets
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from litestar.testing import AsyncTestClient, transport
from sqlalchemy import text

from domain.accounts import Role
from tests.e2e.conftest import PASSWORD, csrf_of

START = datetime(2026, 12, 7, 9, 40, tzinfo=UTC)  # 10:40 in the Netherlands
WRONG = "niet-het-goede-wachtwoord"
FAILED = "Inloggen is niet gelukt. Controleer uw e-mailadres en wachtwoord."
ERROR_P = re.compile(r'<p class="error"[^>]*>([^<]*)</p>')
POOL = ThreadPoolExecutor(max_workers=50)


@pytest.fixture
async def app_client(app, clock):
    """The suite's app, with its clock at START (the suite's clock fixture puts it back after the test)."""
    clock.set(START)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as c:
        yield c


class _AtAddress(transport.TestClientTransport):
    """Litestar's test transport from a client address of our own. Each request runs in a thread of its own:
    the stock transport answers one request before it takes the next, so nothing would ever arrive at once."""

    def __init__(self, client: AsyncTestClient, address: str) -> None:
        super().__init__(client=client)
        self.address = address

    def parse_request(self, request: httpx.Request) -> dict:
        return {**super().parse_request(request), "client": (self.address, 50000)}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await asyncio.get_running_loop().run_in_executor(POOL, self.handle_request, request)

    async def __aenter__(self) -> _AtAddress:
        return self

    async def __aexit__(self, *exc: object) -> None:
        pass


def browser_at(client: AsyncTestClient, address: str | None = None) -> httpx.AsyncClient:
    """A browser of its own (cookie jar) at an address of its own (a library's network)."""
    address = address or f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    return httpx.AsyncClient(
        transport=_AtAddress(client, address),
        base_url=str(client.base_url),
        headers={"user-agent": "testclient"},
    )


async def login_token(browser: httpx.AsyncClient) -> str:
    return csrf_of((await browser.get("/login")).text)


async def attempt(browser, email: str, password: str, token: str | None = None) -> httpx.Response:
    data = {"email": email, "password": password, "_csrf_token": token or await login_token(browser)}
    return await browser.post("/login", data=data)


def errors(r: httpx.Response) -> list[str]:
    return [html.unescape(m) for m in ERROR_P.findall(r.text)]


async def fail(browser, email: str, times: int) -> list[httpx.Response]:
    answers = [await attempt(browser, email, WRONG) for _ in range(times)]
    assert [r.status_code for r in answers] == [401] * times, [errors(r) for r in answers]
    return answers


async def user_id(container, email: str):
    return (await container.accounts.user_by_email(email)).user_id


# requests sent at once


async def test_fifty_wrong_passwords_sent_at_once_are_checked_at_most_five_times(app_client, lib):
    browser = browser_at(app_client)
    token = await login_token(browser)
    answers = await asyncio.gather(*(attempt(browser, lib.desk, WRONG, token) for _ in range(50)))
    codes = Counter(r.status_code for r in answers)
    assert codes == {401: 5, 429: 45}, codes
    refused = next(r for r in answers if r.status_code == 429)
    assert errors(refused) == ["Te veel mislukte pogingen. Probeer het opnieuw om 10:41."]
    assert refused.headers["retry-after"] == "60"


async def test_wrong_passwords_and_the_right_one_sent_at_once_get_no_more_than_five_checks(app_client, lib):
    browser = browser_at(app_client)
    token = await login_token(browser)
    passwords = [WRONG] * 29 + [PASSWORD]
    answers = await asyncio.gather(*(attempt(browser, lib.desk, p, token) for p in passwords))
    codes = Counter(r.status_code for r in answers)
    assert codes[401] + codes[303] <= 5 and codes[303] <= 1, codes
    assert codes[401] + codes[303] + codes[429] == 30, codes


async def test_a_batch_after_four_failures_gets_exactly_one_more_check(app_client, lib):
    browser = browser_at(app_client)
    await fail(browser, lib.desk, 4)
    token = await login_token(browser)
    answers = await asyncio.gather(*(attempt(browser, lib.desk, WRONG, token) for _ in range(20)))
    assert Counter(r.status_code for r in answers) == {401: 1, 429: 19}


# per account and address, the warning, the wait


async def test_a_colleagues_typos_at_one_address_do_not_lock_the_account_at_another(app_client, lib):
    branch_a, branch_b = browser_at(app_client), browser_at(app_client)
    await fail(branch_a, lib.desk, 5)
    assert (await attempt(branch_a, lib.desk, PASSWORD)).status_code == 429
    r = await attempt(branch_b, lib.desk, PASSWORD)
    assert r.status_code == 303, errors(r)


async def test_the_warning_comes_before_the_last_attempt_and_the_lock_names_the_time(app_client, lib):
    browser = browser_at(app_client)
    answers = await fail(browser, lib.desk, 5)
    assert [errors(r) for r in answers] == [
        [FAILED],
        [FAILED],
        [FAILED],
        [f"{FAILED} Let op: na nog één mislukte poging moet u 1 minuut wachten."],
        [f"{FAILED} U kunt het opnieuw proberen om 10:41."],
    ]
    r = await attempt(browser, lib.desk, PASSWORD)
    assert r.status_code == 429 and "ido_session" not in r.cookies
    assert errors(r) == ["Te veel mislukte pogingen. Probeer het opnieuw om 10:41."]
    assert '<html lang="nl">' in r.text


async def test_after_the_wait_login_works_again_and_the_waits_grow(app_client, clock, lib):
    browser = browser_at(app_client)
    await fail(browser, lib.desk, 5)
    clock.advance(timedelta(seconds=59))
    assert (await attempt(browser, lib.desk, PASSWORD)).status_code == 429
    clock.advance(timedelta(seconds=1))
    (sixth,) = await fail(browser, lib.desk, 1)
    assert errors(sixth) == [f"{FAILED} U kunt het opnieuw proberen om 10:46."]
    assert errors(await attempt(browser, lib.desk, PASSWORD)) == [
        "Te veel mislukte pogingen. Probeer het opnieuw om 10:46."
    ]
    clock.advance(timedelta(minutes=5))
    r = await attempt(browser, lib.desk, PASSWORD)
    assert r.status_code == 303, errors(r)
    # the success ended the run: the next typo is the first again
    await browser.post("/logout", data={"_csrf_token": csrf_of((await browser.get("/account")).text)})
    (again,) = await fail(browser, lib.desk, 1)
    assert errors(again) == [FAILED]


async def test_an_unknown_account_is_answered_exactly_like_a_known_one(app_client, lib):
    async def answers(email: str) -> list[tuple[int, list[str]]]:
        browser = browser_at(app_client)
        return [(r.status_code, errors(r)) for r in [await attempt(browser, email, WRONG) for _ in range(7)]]

    known = await answers(lib.desk)
    assert [code for code, _ in known] == [401] * 5 + [429] * 2
    assert await answers(f"niemand-{secrets.token_hex(3)}@test.example") == known


# the address


async def test_many_failures_from_one_address_against_one_account_do_not_stop_other_accounts(
    app_client, clock, lib
):
    browser = browser_at(app_client)
    await fail(browser, lib.desk, 5)
    for _ in range(25):  # an attack on one account, as fast as the waits let it
        clock.advance(timedelta(hours=1))
        await fail(browser, lib.desk, 1)
    r = await attempt(browser, lib.coordinator, PASSWORD)
    assert r.status_code == 303, errors(r)


async def test_colleagues_behind_one_network_who_mistype_and_then_log_in_stop_nobody(
    app_client, container, lib
):
    browser = browser_at(app_client)
    colleagues = [f"collega-{i}-{secrets.token_hex(3)}@test.example" for i in range(6)]
    for email in colleagues:
        await container.accounts.create_user(email, Role.DESK, tenant_slug=lib.slug, password=PASSWORD)
        await fail(browser, email, 4)
        assert (await attempt(browser, email, PASSWORD)).status_code == 303
    r = await attempt(browser, lib.desk, PASSWORD)  # after 24 failures from this address
    assert r.status_code == 303, errors(r)


async def test_failures_for_twenty_accounts_from_one_address_stop_a_twenty_first(app_client, clock, lib):
    browser = browser_at(app_client)
    for i in range(20):
        await fail(browser, f"onbekend-{i}-{secrets.token_hex(3)}@test.example", 1)
    r = await attempt(browser, lib.desk, PASSWORD)
    assert r.status_code == 429
    assert errors(r) == ["Te veel mislukte pogingen vanaf dit netwerk. Probeer het opnieuw om 11:40."]
    assert (await attempt(browser_at(app_client), lib.desk, PASSWORD)).status_code == 303  # elsewhere
    clock.advance(timedelta(hours=1))
    assert (await attempt(browser, lib.desk, PASSWORD)).status_code == 303


# unlocking


async def unlock_form(browser, page_url: str, uid) -> tuple[str, dict]:
    page = await browser.get(page_url)
    assert page.status_code == 200, page.text[:300]
    match = re.search(rf'action="([^"]*/{uid}/deblokkeren)"', page.text)
    assert match, "no unlock button for the locked account"
    assert "inloggen geblokkeerd tot 7 december 2026 om 10:41" in page.text
    return match.group(1), {"_csrf_token": csrf_of(page.text)}


async def audited_unlocks(container, uid) -> list:
    async with container.db.platform() as conn:
        sql = "SELECT actor, details FROM admin_audit WHERE action = 'user.unlocked' AND object_id = :u"
        return (await conn.execute(text(sql), {"u": uid})).all()


async def test_the_coordinator_unlocks_a_desk_account_of_their_library(app_client, container, lib):
    desk = browser_at(app_client)
    await fail(desk, lib.desk, 5)
    coordinator = browser_at(app_client)
    assert (await attempt(coordinator, lib.coordinator, PASSWORD)).status_code == 303
    uid = await user_id(container, lib.desk)
    action, form = await unlock_form(coordinator, f"/t/{lib.slug}/gebruikers", uid)
    r = await coordinator.post(action, data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?melding=gedeblokkeerd")
    page = await coordinator.get(r.headers["location"])
    assert "De blokkering is opgeheven" in page.text and "geblokkeerd tot" not in page.text
    assert (await attempt(desk, lib.desk, PASSWORD)).status_code == 303
    audited = await audited_unlocks(container, uid)
    assert [a.actor for a in audited] == [await user_id(container, lib.coordinator)]
    assert audited[0].details == {"tenant_id": str(lib.tenant_id)}


async def test_the_platform_admin_unlocks_an_account(app_client, container, lib):
    admin = f"beheer-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(admin, Role.PLATFORM_ADMIN, password=PASSWORD)
    desk = browser_at(app_client)
    await fail(desk, lib.coordinator, 5)
    browser = browser_at(app_client)
    assert (await attempt(browser, admin, PASSWORD)).status_code == 303
    uid = await user_id(container, lib.coordinator)
    action, form = await unlock_form(browser, f"/beheer/bibliotheken/{lib.tenant_id}", uid)
    form["terug"] = f"/beheer/bibliotheken/{lib.tenant_id}"
    r = await browser.post(action, data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    assert r.headers["location"] == f"/beheer/bibliotheken/{lib.tenant_id}?melding=gebruiker-gedeblokkeerd"
    assert (await attempt(desk, lib.coordinator, PASSWORD)).status_code == 303
    assert [a.actor for a in await audited_unlocks(container, uid)] == [await user_id(container, admin)]


async def test_a_desk_user_cannot_unlock(app_client, container, lib):
    colleague = f"collega-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(colleague, Role.DESK, tenant_slug=lib.slug, password=PASSWORD)
    locked = browser_at(app_client)
    await fail(locked, colleague, 5)
    desk = browser_at(app_client)
    assert (await attempt(desk, lib.desk, PASSWORD)).status_code == 303
    token = csrf_of((await desk.get("/account")).text)
    uid = await user_id(container, colleague)
    for url in (f"/t/{lib.slug}/gebruikers/{uid}/deblokkeren", f"/beheer/gebruikers/{uid}/deblokkeren"):
        r = await desk.post(url, data={"_csrf_token": token}, follow_redirects=False)
        assert r.status_code == 403, (url, r.status_code)
    assert (await attempt(locked, colleague, PASSWORD)).status_code == 429
    assert await audited_unlocks(container, uid) == []


async def test_an_unlock_without_the_csrf_token_is_refused(app_client, container, lib):
    await fail(browser_at(app_client), lib.desk, 5)
    coordinator = browser_at(app_client)
    assert (await attempt(coordinator, lib.coordinator, PASSWORD)).status_code == 303
    uid = await user_id(container, lib.desk)
    r = await coordinator.post(f"/t/{lib.slug}/gebruikers/{uid}/deblokkeren", data={}, follow_redirects=False)
    assert r.status_code == 403
    assert (
        "geblokkeerd tot 7 december 2026 om 10:41"
        in (await coordinator.get(f"/t/{lib.slug}/gebruikers")).text
    )
