"""Accounts on the web over HTTP, with a real SMTP server: invitations (link from the e-mail, single use, expiry,
tampering), forgotten and changed passwords, the coordinator's user list and its walls, deactivation,
API tokens, and the platform admin's POIs, libraries and audit log."""

from __future__ import annotations

import asyncio
import hashlib
import html as htmllib
import re
import secrets
import statistics
import time
from collections import Counter
from datetime import timedelta

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import text

from domain.accounts import Role
from infra.platform.login_throttle import LoginThrottle
from tests.e2e.conftest import PASSWORD, another_browser, csrf_of, login
from tests.receivers import SmtpServer

BASE = "http://testserver.local"
SESSION = "ido_session"
HX = {"HX-Request": "true"}
INVITE_LINK = re.compile(r"http://testserver\.local/uitnodiging/([A-Za-z0-9_-]+)")
RESET_LINK = re.compile(r"http://testserver\.local/wachtwoord-herstellen/([A-Za-z0-9_-]+)")
MAIN = re.compile(r"<main[^>]*>(.*)</main>", re.S)
ALERT = re.compile(r'<p class="error" role="alert"[^>]*>([^<]*)</p>')
NEW_PASSWORD = "een-heel-nieuw-wachtwoord"


# fixtures


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def mail_app(settings, smtp):
    from services.api.app import create_app

    return create_app(settings.with_(smtp_url=smtp.url, base_url=BASE))


@pytest.fixture
async def client(mail_app):
    async with AsyncTestClient(app=mail_app, base_url=BASE) as c:
        yield c


@pytest.fixture
async def browser2(client):
    yield another_browser(client)


@pytest.fixture
async def redis(settings):
    r = Redis.from_url(settings.redis_url)
    yield r
    await r.aclose()


@pytest.fixture(autouse=True)
async def _address_counters_reset(redis):
    """All tests share the test client's address: its login and reset counters start empty."""
    keys = (LoginThrottle.address_key("testclient"), "ido:reset:addr:testclient")
    await redis.delete(*keys)
    yield
    await redis.delete(*keys)


@pytest.fixture
async def admin(container) -> str:
    email = f"beheer-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(email, Role.PLATFORM_ADMIN, password=PASSWORD)
    return email


# helpers


def new_address(kind: str = "nieuw") -> str:
    return f"{kind}-{secrets.token_hex(4)}@test.example"


async def form_post(client, page_url: str, url: str, data: dict | None = None, **kw):
    page = await client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code, page.text[:300])
    return await client.post(url, data={**(data or {}), "_csrf_token": csrf_of(page.text)}, **kw)


async def invite(client, lib, email: str, role: str = "desk", **kw):
    base = f"/t/{lib.slug}/gebruikers"
    return await form_post(
        client, base, f"{base}/uitnodigen", {"email": email, "role": role}, follow_redirects=False, **kw
    )


def plain(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def html(msg) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()


async def mails_to(smtp, email: str, subject: str, count: int = 1, wait: float = 5.0) -> list:
    """The messages to `email` with `subject`, once at least `count` have arrived (sending may run after the
    answer)."""
    deadline = time.monotonic() + wait
    while True:
        found = [m for m in smtp.mailbox.messages if m["X-Envelope-To"] == email and m["Subject"] == subject]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)


async def invitation_token(smtp, email: str, count: int = 1) -> str:
    mails = await mails_to(smtp, email, "Uitnodiging voor IDO-registratie", count)
    assert len(mails) >= count, f"no invitation mail for {email}"
    m = INVITE_LINK.search(plain(mails[-1]))
    assert m and m.group(0) in html(mails[-1])
    return m.group(1)


async def reset_token(smtp, email: str, count: int = 1) -> str:
    mails = await mails_to(smtp, email, "Wachtwoord opnieuw instellen voor IDO-registratie", count)
    assert len(mails) >= count, f"no reset mail for {email}"
    m = RESET_LINK.search(plain(mails[-1]))
    assert m and m.group(0) in html(mails[-1])
    return m.group(1)


async def accept(browser, token: str, password: str = NEW_PASSWORD, repeat: str | None = None, **kw):
    page = await browser.get(f"/uitnodiging/{token}")
    assert page.status_code == 200, (page.status_code, page.text[:500])
    data = {"password": password, "repeat": password if repeat is None else repeat}
    return await browser.post(
        f"/uitnodiging/{token}",
        data={**data, "_csrf_token": csrf_of(page.text)},
        follow_redirects=False,
        **kw,
    )


async def post_with_token_of(browser, page_url: str, url: str, data: dict):
    """POST to `url` with the CSRF token of another page (for links whose own page is gone)."""
    page = await browser.get(page_url)
    return await browser.post(url, data={**data, "_csrf_token": csrf_of(page.text)}, follow_redirects=False)


async def user_row(container, email: str):
    async with container.db.platform() as conn:
        return (
            await conn.execute(
                text("SELECT user_id, password_hash, active FROM users WHERE email = :e"), {"e": email}
            )
        ).first()


async def has_desk_access(browser, lib) -> bool:
    r = await browser.get(f"/t/{lib.slug}/balie", follow_redirects=False)
    if r.status_code == 200:
        return True
    assert r.status_code in (303, 404), r.status_code
    return False


async def login_status(client, email: str, password: str = PASSWORD) -> int:
    page = await client.get("/login")
    r = await client.post(
        "/login",
        data={"email": email, "password": password, "_csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    return r.status_code


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def alerts(page: str) -> list[str]:
    return [htmllib.unescape(m) for m in ALERT.findall(page)]


def main_text(html_text: str) -> str:
    m = MAIN.search(html_text)
    assert m, "no <main>"
    return re.sub(r'value="[^"]*"', "", m.group(1))


# invitations


async def test_a_coordinator_invites_desk_staff_who_sets_a_password_from_the_email_and_is_logged_in(
    client, browser2, container, smtp, lib
):
    await login(client, lib.coordinator)
    email = new_address("balie")
    r = await invite(client, lib, email)
    assert r.status_code == 303 and r.headers["location"].endswith("/gebruikers?melding=uitgenodigd")
    token = await invitation_token(smtp, email)
    assert len(token) >= 43  # 256 bits in URL-safe base64
    mail = (await mails_to(smtp, email, "Uitnodiging voor IDO-registratie"))[-1]
    assert "als baliemedewerker bij" in plain(mail).replace("\r\n", " ").replace("\n", " ")
    assert library_name(lib) in plain(mail)

    async with container.db.tenant(lib.tenant_id) as conn:
        row = (
            await conn.execute(
                text("SELECT token_hash, role, tenant_id, expires_at - created_at AS valid FROM invitations "
                     "WHERE email = :e"),
                {"e": email},
            )
        ).one()  # fmt: skip
    assert bytes(row.token_hash) == hashlib.sha256(token.encode()).digest()
    assert row.role == "desk" and row.tenant_id == lib.tenant_id and row.valid.days == 7
    assert await user_row(container, email) is None  # no account before the link is followed

    page = await browser2.get(f"/uitnodiging/{token}")
    assert page.status_code == 200
    assert email in page.text and "als <strong>baliemedewerker</strong>" in page.text
    assert library_name(lib) in page.text
    r = await accept(browser2, token)
    assert r.status_code == 303 and r.headers["location"] == f"/t/{lib.slug}/balie"
    assert r.cookies.get(SESSION)
    assert await has_desk_access(browser2, lib)

    users = await client.get(f"/t/{lib.slug}/gebruikers")
    row_html = re.search(rf"<tr>\s*<th scope=\"row\">{re.escape(email)}.*?</tr>", users.text, re.S)
    assert row_html and "actief" in row_html.group() and "nog nooit" not in row_html.group()
    assert await login_status(browser2, email, NEW_PASSWORD) == 303


async def test_an_invitation_link_works_once(client, browser2, container, smtp, lib):
    await login(client, lib.coordinator)
    email = new_address()
    await invite(client, lib, email)
    token = await invitation_token(smtp, email)
    assert (await accept(browser2, token)).status_code == 303
    first_hash = (await user_row(container, email)).password_hash

    r = await browser2.get(f"/uitnodiging/{token}")
    assert r.status_code == 410 and "al gebruikt" in r.text and '<html lang="nl">' in r.text
    r = await post_with_token_of(
        browser2,
        "/login",
        f"/uitnodiging/{token}",
        {"password": "weer-een-ander-wachtwoord", "repeat": "weer-een-ander-wachtwoord"},
    )
    assert r.status_code == 410
    assert (await user_row(container, email)).password_hash == first_hash


async def test_an_expired_invitation_gets_410_and_changes_nothing(
    client, browser2, container, smtp, lib, clock
):
    await login(client, lib.coordinator)
    email = new_address()
    await invite(client, lib, email)
    token = await invitation_token(smtp, email)
    async with container.db.tenant(lib.tenant_id) as conn:  # the app role in the library, as the app would
        await conn.execute(
            text("UPDATE invitations SET expires_at = :at WHERE email = :e"),
            {"e": email, "at": clock() - timedelta(minutes=1)},
        )
    r = await browser2.get(f"/uitnodiging/{token}")
    assert r.status_code == 410 and "verlopen" in r.text
    r = await post_with_token_of(
        browser2, "/login", f"/uitnodiging/{token}", {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert r.status_code == 410 and SESSION not in r.cookies
    assert await user_row(container, email) is None
    users = await client.get(f"/t/{lib.slug}/gebruikers")
    assert "verlopen op" in users.text and "Opnieuw versturen" in users.text


async def test_a_tampered_or_unknown_link_gets_404_and_changes_nothing(
    client, browser2, container, smtp, lib
):
    await login(client, lib.coordinator)
    email = new_address()
    await invite(client, lib, email)
    token = await invitation_token(smtp, email)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (tampered, secrets.token_urlsafe(32), "x"):
        r = await browser2.get(f"/uitnodiging/{bad}")
        assert r.status_code == 404 and "kennen we niet" in r.text
        r = await post_with_token_of(
            browser2, "/login", f"/uitnodiging/{bad}", {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
        )
        assert r.status_code == 404 and SESSION not in r.cookies
    assert await user_row(container, email) is None
    assert (await accept(browser2, token)).status_code == 303  # the real link still works


async def test_resending_an_invitation_replaces_the_link(client, browser2, container, smtp, lib):
    await login(client, lib.coordinator)
    email = new_address()
    await invite(client, lib, email)
    old = await invitation_token(smtp, email)
    async with container.db.tenant(lib.tenant_id) as conn:
        invitation_id = (
            await conn.execute(text("SELECT invitation_id FROM invitations WHERE email = :e"), {"e": email})
        ).scalar_one()
    base = f"/t/{lib.slug}/gebruikers"
    r = await form_post(client, base, f"{base}/uitnodigingen/{invitation_id}/opnieuw", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("melding=opnieuw")
    new = await invitation_token(smtp, email, count=2)
    assert new != old
    r = await browser2.get(f"/uitnodiging/{old}")
    assert r.status_code == 410 and "vervangen" in r.text
    assert (await accept(browser2, new)).status_code == 303


def pending_action(page_html: str, email: str, verb: str) -> str:
    """The action of a form in the row of `email` in the list of open invitations (`opnieuw`, `intrekken`)."""
    row = re.search(rf"<tr>\s*<th scope=\"row\">{re.escape(email)}</th>.*?</tr>", page_html, re.S)
    assert row, f"no open invitation for {email}"
    return re.search(rf'action="([^"]+/{verb})"', row.group()).group(1)


async def test_a_coordinator_revokes_an_invitation_and_its_link_stops_working(
    client, browser2, container, smtp, lib
):
    await login(client, lib.coordinator)
    email = new_address()
    await invite(client, lib, email)
    token = await invitation_token(smtp, email)
    base = f"/t/{lib.slug}/gebruikers"
    action = pending_action((await client.get(base)).text, email, "intrekken")
    r = await form_post(client, base, action, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("melding=ingetrokken")
    assert email not in (await client.get(base)).text
    r = await browser2.get(f"/uitnodiging/{token}")
    assert r.status_code == 410 and "ingetrokken" in r.text
    assert await user_row(container, email) is None


async def test_a_short_a_common_or_a_mistyped_password_is_refused_in_dutch_and_the_link_stays_usable(
    client, browser2, container, smtp, lib
):
    await login(client, lib.coordinator)
    email = new_address()
    await invite(client, lib, email)
    token = await invitation_token(smtp, email)
    for password, repeat, message in (
        ("kort-1234", None, "Een wachtwoord heeft minstens 12 tekens."),
        ("wachtwoord123", None, "Dit wachtwoord is te gangbaar en makkelijk te raden; kies een ander."),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "De twee wachtwoorden zijn niet gelijk."),
    ):
        r = await accept(browser2, token, password, repeat)
        assert r.status_code == 422, password
        assert alerts(r.text) == [message]
        assert (
            'aria-invalid="true"' in r.text and 'aria-describedby="acct-password-hint acct-error"' in r.text
        )
        assert SESSION not in r.cookies
    assert await user_row(container, email) is None
    assert (await accept(browser2, token)).status_code == 303


async def test_inviting_an_existing_user_adds_the_membership_when_they_accept(
    client, browser2, container, smtp, lib, lib_b
):
    await login(client, lib_b.coordinator)
    r = await invite(client, lib_b, lib.desk)
    assert r.status_code == 303
    token = await invitation_token(smtp, lib.desk)
    await login(browser2, lib.desk)
    assert not await has_desk_access(browser2, lib_b)
    page = await browser2.get(f"/uitnodiging/{token}")
    assert page.status_code == 200 and "U heeft al een account" in page.text
    r = await browser2.post(
        f"/uitnodiging/{token}",
        data={"current": "niet-het-wachtwoord", "_csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 422 and alerts(r.text) == ["Dit wachtwoord klopt niet."]
    r = await browser2.post(
        f"/uitnodiging/{token}",
        data={"current": PASSWORD, "_csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert await has_desk_access(browser2, lib) and await has_desk_access(browser2, lib_b)
    assert await login_status(client, lib.desk, PASSWORD) == 303  # the password is unchanged


async def test_an_htmx_invitation_gets_the_user_list_partial(client, smtp, lib):
    await login(client, lib.coordinator)
    email = new_address()
    r = await invite(client, lib, email, headers=HX)
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="acct-users">') and "<html" not in r.text
    assert f"De uitnodiging aan {email} is verstuurd." in r.text
    await invitation_token(smtp, email)


async def test_an_invitation_without_the_csrf_token_is_refused(client, container, lib):
    await login(client, lib.coordinator)
    email = new_address()
    r = await client.post(
        f"/t/{lib.slug}/gebruikers/uitnodigen", data={"email": email, "role": "desk"}, follow_redirects=False
    )
    assert r.status_code == 403
    async with container.db.tenant(lib.tenant_id) as conn:
        assert (
            await conn.execute(text("SELECT count(*) FROM invitations WHERE email = :e"), {"e": email})
        ).scalar() == 0


# scope and roles


async def test_a_coordinator_cannot_list_or_invite_into_another_library(client, container, smtp, lib, lib_b):
    await login(client, lib.coordinator)
    r = await client.get(f"/t/{lib_b.slug}/gebruikers", follow_redirects=False)
    assert r.status_code == 404
    assert lib_b.desk not in r.text and lib_b.coordinator not in r.text
    email = new_address()
    own = f"/t/{lib.slug}/gebruikers"
    r = await form_post(
        client, own, f"/t/{lib_b.slug}/gebruikers/uitnodigen", {"email": email, "role": "coordinator"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 404
    b_desk = (await user_row(container, lib_b.desk)).user_id
    r = await form_post(
        client, own, f"/t/{lib_b.slug}/gebruikers/{b_desk}/deactiveren", follow_redirects=False
    )
    assert r.status_code == 404
    r = await form_post(client, own, f"{own}/{b_desk}/deactiveren", follow_redirects=False)
    assert r.status_code == 404  # through one's own library's address, still not theirs
    assert (await user_row(container, lib_b.desk)).active
    async with container.db.tenant(lib_b.tenant_id) as conn:
        assert (
            await conn.execute(text("SELECT count(*) FROM invitations WHERE email = :e"), {"e": email})
        ).scalar() == 0
    assert await mails_to(smtp, email, "Uitnodiging voor IDO-registratie", wait=0.2) == []


async def test_a_coordinator_cannot_resend_an_invitation_of_another_library(
    client, smtp, container, lib, lib_b
):
    await login(client, lib_b.coordinator)
    email = new_address()
    await invite(client, lib_b, email)
    await invitation_token(smtp, email)
    async with container.db.tenant(lib_b.tenant_id) as conn:
        invitation_id = (
            await conn.execute(text("SELECT invitation_id FROM invitations WHERE email = :e"), {"e": email})
        ).scalar_one()
    await login(client, lib.coordinator)
    own = f"/t/{lib.slug}/gebruikers"
    r = await form_post(client, own, f"{own}/uitnodigingen/{invitation_id}/opnieuw", follow_redirects=False)
    assert r.status_code == 404
    assert len(await mails_to(smtp, email, "Uitnodiging voor IDO-registratie", wait=0.2)) == 1


async def test_a_desk_user_cannot_reach_the_user_list(client, lib):
    await login(client, lib.desk)
    r = await client.get(f"/t/{lib.slug}/gebruikers", follow_redirects=False)
    assert r.status_code == 403
    assert lib.coordinator not in r.text
    page = await client.get(f"/t/{lib.slug}/balie")
    r = await client.post(
        f"/t/{lib.slug}/gebruikers/uitnodigen",
        data={"email": new_address(), "role": "coordinator", "_csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 403


async def test_the_coordinator_sees_gebruikers_in_the_library_menu_and_the_desk_does_not(
    client, browser2, lib
):
    await login(client, lib.coordinator)
    await login(browser2, lib.desk)
    link = f'href="/t/{lib.slug}/gebruikers/"'
    assert link in (await client.get(f"/t/{lib.slug}/balie")).text
    assert link not in (await browser2.get(f"/t/{lib.slug}/balie")).text
    assert 'href="/account"' in (await browser2.get(f"/t/{lib.slug}/balie")).text


# deactivation


async def test_deactivating_a_user_ends_their_sessions_and_api_tokens_at_once(
    client, browser2, container, lib
):
    token = await container.accounts.create_token(lib.desk, "kassa")
    assert (await client.get("/api/v1/catalogue", headers=bearer(token))).status_code == 200
    await login(browser2, lib.desk)
    assert await has_desk_access(browser2, lib)
    await login(client, lib.coordinator)
    desk_id = (await user_row(container, lib.desk)).user_id
    base = f"/t/{lib.slug}/gebruikers"
    r = await form_post(client, base, f"{base}/{desk_id}/deactiveren", follow_redirects=False)
    assert r.status_code == 303

    assert not await has_desk_access(browser2, lib)
    assert (await client.get("/api/v1/catalogue", headers=bearer(token))).status_code == 401
    assert await login_status(browser2, lib.desk) == 401
    listing = await client.get(base)
    assert "gedeactiveerd" in listing.text and "Heractiveren" in listing.text

    r = await form_post(client, base, f"{base}/{desk_id}/heractiveren", follow_redirects=False)
    assert r.status_code == 303
    assert await login_status(browser2, lib.desk) == 303
    assert (await client.get("/api/v1/catalogue", headers=bearer(token))).status_code == 200


async def test_a_coordinator_cannot_deactivate_themselves(client, container, lib):
    await login(client, lib.coordinator)
    me = (await user_row(container, lib.coordinator)).user_id
    base = f"/t/{lib.slug}/gebruikers"
    r = await form_post(client, base, f"{base}/{me}/deactiveren", follow_redirects=False)
    assert r.status_code == 422
    assert "U kunt uw eigen account niet deactiveren." in r.text
    assert (await user_row(container, lib.coordinator)).active
    assert (await client.get(base)).status_code == 200


async def test_a_coordinator_cannot_deactivate_someone_who_also_works_for_another_library(
    client, container, lib, lib_b
):
    await container.accounts.create_user(lib_b.desk, Role.DESK, tenant_slug=lib.slug)
    await login(client, lib.coordinator)
    other = (await user_row(container, lib_b.desk)).user_id
    base = f"/t/{lib.slug}/gebruikers"
    r = await form_post(client, base, f"{base}/{other}/deactiveren", follow_redirects=False)
    assert r.status_code == 422 and "andere bibliotheek" in r.text
    assert (await user_row(container, lib_b.desk)).active


# forgotten password


async def forgot(client, email: str):
    return await form_post(client, "/wachtwoord-vergeten", "/wachtwoord-vergeten", {"email": email})


async def test_forgotten_password_answers_the_same_for_known_and_unknown_addresses(client, smtp, lib):
    known = await forgot(client, lib.desk)
    unknown_address = new_address("niemand")
    unknown = await forgot(client, unknown_address)
    assert known.status_code == unknown.status_code == 200
    assert main_text(known.text) == main_text(unknown.text)
    assert "Als er een account bij dit e-mailadres hoort" in known.text
    assert SESSION not in known.cookies and SESSION not in unknown.cookies
    assert len(await mails_to(smtp, lib.desk, "Wachtwoord opnieuw instellen voor IDO-registratie")) == 1
    assert (
        await mails_to(smtp, unknown_address, "Wachtwoord opnieuw instellen voor IDO-registratie", wait=0.3)
        == []
    )


async def test_forgotten_password_takes_comparable_time_for_known_and_unknown_addresses(
    client, smtp, redis, lib, lib_b
):
    """Both do the same database work; the mail goes out after the answer (each is awaited before the next
    measurement, so no sending overlaps a timed request). Known and unknown addresses alternate, so a stretch
    of load falls on both, and are compared by their medians: only a gross difference fails this test."""
    sent: Counter[str] = Counter()

    async def timed(email: str, known: bool) -> float:
        await redis.delete(f"ido:reset:acct:{email}", "ido:reset:addr:testclient")  # never throttled
        page = await client.get("/wachtwoord-vergeten")
        start = time.perf_counter()
        r = await client.post(
            "/wachtwoord-vergeten", data={"email": email, "_csrf_token": csrf_of(page.text)}
        )
        elapsed = time.perf_counter() - start
        assert r.status_code == 200
        if known:
            sent[email] += 1
            mails = await mails_to(
                smtp, email, "Wachtwoord opnieuw instellen voor IDO-registratie", sent[email]
            )
            assert len(mails) == sent[email]
        return elapsed

    await timed(new_address("opwarmen"), known=False)
    await timed(lib.desk, known=True)
    accounts = (lib.coordinator, lib_b.coordinator, lib.desk, lib_b.desk)
    known, unknown = [], []
    for i in range(10):
        known.append(await timed(accounts[i % len(accounts)], known=True))
        unknown.append(await timed(new_address("niemand"), known=False))
    k, u = statistics.median(known), statistics.median(unknown)
    assert u > k * 0.3 and k < u * 3 + 0.05, (known, unknown)


async def test_a_reset_link_sets_the_password_ends_every_session_and_logs_in_afresh(
    client, browser2, container, smtp, lib
):
    await login(browser2, lib.desk)
    assert await has_desk_access(browser2, lib)
    await forgot(client, lib.desk)
    token = await reset_token(smtp, lib.desk)
    async with container.db.platform() as conn:
        stored = (
            await conn.execute(
                text("SELECT r.token_hash, r.expires_at - r.created_at AS valid FROM password_resets r "
                     "JOIN users u USING (user_id) WHERE u.email = :e"),
                {"e": lib.desk},
            )
        ).one()  # fmt: skip
    assert bytes(stored.token_hash) == hashlib.sha256(token.encode()).digest()
    assert stored.valid.total_seconds() == 3600

    page = await client.get(f"/wachtwoord-herstellen/{token}")
    assert page.status_code == 200 and "Kies een nieuw wachtwoord" in page.text
    r = await client.post(
        f"/wachtwoord-herstellen/{token}",
        data={"password": "kort", "repeat": "kort", "_csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 422 and alerts(r.text) == ["Een wachtwoord heeft minstens 12 tekens."]
    r = await client.post(
        f"/wachtwoord-herstellen/{token}",
        data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD, "_csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/t/{lib.slug}/balie"
    assert r.cookies.get(SESSION)
    assert await has_desk_access(client, lib)
    assert not await has_desk_access(browser2, lib)  # the other session ended
    assert await login_status(browser2, lib.desk, PASSWORD) == 401
    assert await login_status(browser2, lib.desk, NEW_PASSWORD) == 303

    r = await client.get(f"/wachtwoord-herstellen/{token}")
    assert r.status_code == 410 and "al gebruikt" in r.text


async def test_an_expired_or_tampered_reset_link_changes_nothing(client, container, smtp, lib, clock):
    await forgot(client, lib.coordinator)
    token = await reset_token(smtp, lib.coordinator)
    before = (await user_row(container, lib.coordinator)).password_hash
    r = await client.get(f"/wachtwoord-herstellen/{token[:-2]}xy")
    assert r.status_code == 404
    async with container.db.platform() as conn:
        await conn.execute(
            text("UPDATE password_resets SET expires_at = :at WHERE token_hash = :h"),
            {"h": hashlib.sha256(token.encode()).digest(), "at": clock() - timedelta(seconds=1)},
        )
    r = await client.get(f"/wachtwoord-herstellen/{token}")
    assert r.status_code == 410 and "verlopen" in r.text
    r = await post_with_token_of(
        client,
        "/login",
        f"/wachtwoord-herstellen/{token}",
        {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD},
    )
    assert r.status_code == 410 and SESSION not in r.cookies
    assert (await user_row(container, lib.coordinator)).password_hash == before


async def test_reset_requests_are_limited_per_address_without_a_different_answer(client, smtp, lib):
    answers = [await forgot(client, lib.coordinator) for _ in range(4)]
    assert {a.status_code for a in answers} == {200}
    assert len({main_text(a.text) for a in answers}) == 1
    await asyncio.sleep(0.3)
    assert (
        len(
            await mails_to(smtp, lib.coordinator, "Wachtwoord opnieuw instellen voor IDO-registratie", 4, 1.0)
        )
        == 3
    )


# changing the password, API tokens


async def test_changing_the_password_asks_the_current_one_and_ends_the_other_sessions(client, browser2, lib):
    await login(client, lib.coordinator)
    await login(browser2, lib.coordinator)
    form = {"current": "niet-het-wachtwoord", "password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    r = await form_post(client, "/account/wachtwoord", "/account/wachtwoord", form, follow_redirects=False)
    assert r.status_code == 422 and alerts(r.text) == ["Dit wachtwoord klopt niet."]
    form = {"current": PASSWORD, "password": "welkom123", "repeat": "welkom123"}
    r = await form_post(client, "/account/wachtwoord", "/account/wachtwoord", form, follow_redirects=False)
    assert r.status_code == 422 and "minstens 12 tekens" in alerts(r.text)[0]
    assert await has_desk_access(browser2, lib)

    form = {"current": PASSWORD, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    r = await form_post(client, "/account/wachtwoord", "/account/wachtwoord", form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?melding=wachtwoord"
    assert await has_desk_access(client, lib)
    assert not await has_desk_access(browser2, lib)
    assert await login_status(browser2, lib.coordinator, NEW_PASSWORD) == 303


async def test_a_coordinator_creates_sees_and_revokes_an_api_token(client, lib):
    await login(client, lib.coordinator)
    r = await form_post(client, "/account/tokens", "/account/tokens", {"name": "Koppeling kassa"})
    assert r.status_code == 200
    token = re.search(r'id="acct-new-token" class="acct-code" value="(ido_[^"]+)"', r.text).group(1)
    assert "niet nog eens getoond" in r.text
    page = await client.get("/account/tokens")
    assert token not in page.text and "Koppeling kassa" in page.text and "nog nooit" in page.text

    assert (await client.get("/api/v1/catalogue", headers=bearer(token))).status_code == 200
    page = await client.get("/account/tokens")
    assert "nog nooit" not in page.text

    token_id = re.search(r'action="/account/tokens/([0-9a-f-]{36})/intrekken"', page.text).group(1)
    r = await client.post(
        f"/account/tokens/{token_id}/intrekken",
        data={"_csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert (await client.get("/api/v1/catalogue", headers=bearer(token))).status_code == 401
    assert "ingetrokken op" in (await client.get("/account/tokens")).text


async def test_an_empty_token_name_is_refused_and_a_desk_user_has_no_tokens_page(client, browser2, lib):
    await login(client, lib.coordinator)
    r = await form_post(client, "/account/tokens", "/account/tokens", {"name": "  "})
    assert r.status_code == 422 and alerts(r.text)
    await login(browser2, lib.desk)
    assert (await browser2.get("/account/tokens", follow_redirects=False)).status_code == 403
    assert (await browser2.get("/account")).status_code == 200


# platform admin


async def test_the_platform_admin_creates_a_poi_and_a_library_and_the_audit_list_shows_both(client, admin):
    await login(client, admin)
    suffix = secrets.token_hex(3)
    r = await form_post(
        client,
        "/beheer/pois",
        "/beheer/pois",
        {
            "slug": f"poi-{suffix}",
            "name": f"POI Zuidwest {suffix}",
            "email": "poi@test.example",
            "provinces": ["Zeeland", "Noord-Brabant"],
            "webhook_url": "https://poi.example/hook",
        },
    )
    assert r.status_code == 200 and "niet nog eens getoond" in r.text
    secret = re.search(r'id="acct-secret" class="acct-code" value="([^"]+)"', r.text).group(1)
    assert len(secret) >= 43
    poi_id = re.search(r'action="/beheer/pois/([0-9a-f-]{36})"', r.text).group(1)
    again = await client.get(f"/beheer/pois/{poi_id}")
    assert secret not in again.text and "Er is een geheim ingesteld" in again.text
    assert re.search(r'value="Zeeland" checked', again.text) and not re.search(
        r'value="Utrecht" checked', again.text
    )

    r = await form_post(
        client,
        "/beheer/bibliotheken",
        "/beheer/bibliotheken",
        {
            "slug": f"bieb-{suffix}",
            "name": f"Bibliotheek Zeeuws {suffix}",
            "poi_id": poi_id,
            "province": "Zeeland",
            "municipalities": "Middelburg\nVlissingen\nMiddelburg",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and "melding=aangemaakt" in r.headers["location"]
    detail = await client.get(r.headers["location"])
    assert "Middelburg\nVlissingen</textarea>" in detail.text

    home = await client.get("/beheer")
    assert home.status_code == 200
    audit = re.search(r"<caption>De laatste wijzigingen.*?</table>", home.text, re.S).group()
    assert "POI aangemaakt" in audit and f"POI Zuidwest {suffix}" in audit
    assert "Bibliotheek aangemaakt" in audit and f"Bibliotheek Zeeuws {suffix}" in audit
    assert admin in audit


async def test_admin_forms_refuse_bad_input_in_dutch(client, admin, lib):
    await login(client, admin)
    r = await form_post(
        client, "/beheer/pois", "/beheer/pois",
        {"slug": "x-" + secrets.token_hex(2), "name": "POI", "webhook_url": "http://evil.example/hook"},
    )  # fmt: skip
    assert r.status_code == 422
    assert alerts(r.text) == ["Een webhookadres begint met https:// en bevat een geldige servernaam."]
    r = await form_post(
        client, "/beheer/bibliotheken", "/beheer/bibliotheken",
        {"slug": lib.slug, "name": "Dubbel", "poi_id": await poi_of(client, lib), "province": ""},
    )  # fmt: skip
    assert r.status_code == 422 and alerts(r.text) == [
        f"Er is al een bibliotheek met de korte naam '{lib.slug}'."
    ]


async def poi_of(client, lib) -> str:
    page = await client.get("/beheer/bibliotheken")
    href = re.search(
        rf'<a href="/beheer/bibliotheken/([0-9a-f-]+)">{library_name(lib)}</a>', page.text
    ).group(1)
    detail = await client.get(f"/beheer/bibliotheken/{href}")
    return re.search(r'<option value="([0-9a-f-]{36})" selected>', detail.text).group(1)


async def test_a_non_admin_gets_403_on_the_admin_pages(client, lib):
    await login(client, lib.coordinator)
    for path in ("/beheer/pois", "/beheer/bibliotheken", "/beheer/kb-analisten", "/beheer/wijzigingen"):
        assert (await client.get(path, follow_redirects=False)).status_code == 403, path


async def test_a_deactivated_library_locks_its_users_out_and_keeps_its_events(
    client, browser2, container, admin, lib
):
    token = await container.accounts.create_token(lib.coordinator, "rapport")
    await login(browser2, lib.coordinator)
    assert await has_desk_access(browser2, lib)
    await login(client, admin)
    url = f"/beheer/bibliotheken/{lib.tenant_id}"
    r = await form_post(client, url, f"{url}/deactiveren", follow_redirects=False)
    assert r.status_code == 303

    assert not await has_desk_access(browser2, lib)
    assert await login_status(browser2, lib.coordinator) == 401
    assert (await client.get("/api/v1/catalogue", headers=bearer(token))).status_code == 401
    async with container.reader.platform() as conn:
        events = (
            await conn.execute(text("SELECT count(*) FROM events WHERE tenant_id = :t"), {"t": lib.tenant_id})
        ).scalar()
    assert events > 0
    assert "Bibliotheek gedeactiveerd" in (await client.get("/beheer")).text

    r = await form_post(client, url, f"{url}/heractiveren", follow_redirects=False)
    assert r.status_code == 303
    assert await login_status(browser2, lib.coordinator) == 303


async def test_the_admin_invites_a_first_poi_adviser_who_invites_a_colleague(
    client, browser2, smtp, admin, lib
):
    await login(client, admin)
    poi_url = f"/beheer/pois/{await poi_of(client, lib)}"
    first = new_address("adviseur")
    r = await form_post(client, poi_url, f"{poi_url}/uitnodigen", {"email": first}, follow_redirects=False)
    assert r.status_code == 303
    r = await accept(browser2, await invitation_token(smtp, first))
    assert r.status_code == 303 and r.headers["location"] == "/poi"

    colleague = new_address("collega")
    r = await form_post(
        browser2, "/poi/collegas", "/poi/collegas/", {"email": colleague}, follow_redirects=False
    )
    assert r.status_code == 303
    listing = await browser2.get("/poi/collegas")
    assert first in listing.text and colleague in listing.text and "uitgenodigd, geldig tot" in listing.text
    mail = (await mails_to(smtp, colleague, "Uitnodiging voor IDO-registratie"))[-1]
    assert "POI-adviseur" in plain(mail)


async def test_the_admin_invites_a_kb_analyst_and_a_library_coordinator(client, browser2, smtp, admin, lib):
    await login(client, admin)
    analyst = new_address("kb")
    r = await form_post(
        client, "/beheer/kb-analisten", "/beheer/kb-analisten", {"email": analyst}, follow_redirects=False
    )
    assert r.status_code == 303
    r = await accept(browser2, await invitation_token(smtp, analyst))
    assert r.status_code == 303 and r.headers["location"] == "/kb"

    coordinator = new_address("coord")
    url = f"/beheer/bibliotheken/{lib.tenant_id}"
    r = await form_post(client, url, f"{url}/uitnodigen", {"email": coordinator}, follow_redirects=False)
    assert r.status_code == 303
    token = await invitation_token(smtp, coordinator)
    browser2.cookies.clear()
    r = await accept(browser2, token)
    # the library has no opening hours, partners or questions yet: its coordinator starts on the guide
    assert r.status_code == 303 and r.headers["location"] == f"/t/{lib.slug}/aan-de-slag"
    assert (await browser2.get(f"/t/{lib.slug}/gebruikers")).status_code == 200


async def test_the_admin_resends_invitations_from_the_library_poi_and_kb_pages(
    client, browser2, smtp, admin, lib
):
    """A library's invitation is under its tenant policy, a POI's or the KB's is not: each page's button works."""
    await login(client, admin)
    library = f"/beheer/bibliotheken/{lib.tenant_id}"
    poi = f"/beheer/pois/{await poi_of(client, lib)}"
    for page_url, invite_url in ((library, f"{library}/uitnodigen"), (poi, f"{poi}/uitnodigen"),
                                 ("/beheer/kb-analisten", "/beheer/kb-analisten")):  # fmt: skip
        email = new_address()
        r = await form_post(client, page_url, invite_url, {"email": email}, follow_redirects=False)
        assert r.status_code == 303, (page_url, r.status_code)
        old = await invitation_token(smtp, email)
        action = pending_action((await client.get(page_url)).text, email, "opnieuw")
        r = await form_post(client, page_url, action, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"{page_url}?melding=opnieuw", (
            action,
            r.text,
        )
        new = await invitation_token(smtp, email, count=2)
        assert new != old and (await browser2.get(f"/uitnodiging/{old}")).status_code == 410
        browser2.cookies.clear()
        assert (await accept(browser2, new)).status_code == 303


def library_name(lib) -> str:
    return f"Bibliotheek {lib.slug.removeprefix('bieb-')}"


async def test_the_admin_deactivates_a_user_who_works_for_two_libraries(
    client, browser2, container, admin, lib, lib_b
):
    await container.accounts.create_user(lib_b.desk, Role.DESK, tenant_slug=lib.slug)
    await login(browser2, lib_b.desk)
    assert await has_desk_access(browser2, lib)
    await login(client, admin)
    user_id = (await user_row(container, lib_b.desk)).user_id
    url = f"/beheer/bibliotheken/{lib.tenant_id}"
    r = await form_post(
        client, url, f"/beheer/gebruikers/{user_id}/deactiveren", {"terug": url}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"{url}?melding=gebruiker-gedeactiveerd"
    assert not await has_desk_access(browser2, lib) and not await has_desk_access(browser2, lib_b)
    assert await login_status(browser2, lib_b.desk) == 401
    changes = await client.get("/beheer/wijzigingen")
    assert changes.status_code == 200 and "Gebruiker gedeactiveerd" in changes.text
    assert lib_b.desk not in changes.text  # the log names the object by id only: no e-mail address
    me = (await user_row(container, admin)).user_id
    r = await form_post(
        client, url, f"/beheer/gebruikers/{me}/deactiveren", {"terug": url}, follow_redirects=False
    )
    assert r.status_code == 422 and (await user_row(container, admin)).active
