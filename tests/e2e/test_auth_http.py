"""Authentication and the walls around it over HTTP: login, sessions (fixation, logout, timeouts), the login
throttle, CSRF and same-origin checks, security headers, and which library each role may see."""

from __future__ import annotations

import json
import re
import secrets
import time
from datetime import timedelta
from uuid import uuid4

import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from domain.accounts import Role
from infra.platform.login_throttle import LoginThrottle
from infra.platform.passwords import Passwords
from tests.e2e.conftest import PASSWORD, another_browser, csrf_of, login

SESSION = "ido_session"
HX = {"HX-Request": "true"}
ADDRESS_KEY = LoginThrottle.address_key("testclient")  # the address the test client reports
FAILED = "Inloggen is niet gelukt. Controleer uw e-mailadres en wachtwoord."
THROTTLED = re.compile(r"Te veel mislukte pogingen\. Probeer het opnieuw om \d\d:\d\d\.")
ERROR_P = re.compile(r'<p class="error"[^>]*>([^<]*)</p>')


@pytest.fixture
async def redis(settings):
    r = Redis.from_url(settings.redis_url)
    yield r
    await r.aclose()


@pytest.fixture
async def browser2(client):
    yield another_browser(client)


@pytest.fixture(autouse=True)
async def _address_counter_reset(redis):
    """All tests share the test client's address: leave its failed-login counter as we found it (empty)."""
    await redis.delete(ADDRESS_KEY)
    yield
    await redis.delete(ADDRESS_KEY)


# helpers


async def post_login(client, email: str, password: str = PASSWORD, **headers):
    """Log in without following the redirect, so the Set-Cookie and Location of the answer are visible."""
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={"email": email, "password": password, "_csrf_token": csrf_of(page.text)},
        headers=headers or None,
        follow_redirects=False,
    )


def session_of(response) -> str | None:
    return response.cookies.get(SESSION)


def use_session(client, session_id: str) -> None:
    """Put exactly this session cookie in the client's jar (as a browser or an attacker would)."""
    client.cookies.delete(SESSION)
    client.cookies.set(SESSION, session_id, domain="testserver.local", path="/")


async def logged_in_session(client, email: str) -> str:
    r = await post_login(client, email)
    assert r.status_code == 303, r.text
    sid = session_of(r)
    assert sid
    return sid


async def assert_sent_to_login(client, url: str, **headers) -> None:
    r = await client.get(url, headers=headers or None, follow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:300])
    assert "/login" in r.headers["location"]


async def has_desk_access(client, lib) -> bool:
    r = await client.get(f"/t/{lib.slug}/balie", follow_redirects=False)
    if r.status_code == 200:
        return True
    assert r.status_code == 303 and "/login" in r.headers["location"], r.status_code
    return False


def library_name(lib) -> str:
    return f"Bibliotheek {lib.slug.removeprefix('bieb-')}"


async def count_events(container, tenant_id, type_: str | None = None) -> int:
    async with container.reader.platform() as conn:
        sql = "SELECT count(*) FROM events WHERE tenant_id = :t" + (" AND event_type = :e" if type_ else "")
        return (await conn.execute(text(sql), {"t": tenant_id, "e": type_})).scalar()


async def registration_form(client, lib) -> dict:
    """The third step of the desk wizard (cbr / rijbewijs 75+), filled in with 'wegwijzer'."""
    page = await client.get(f"/t/{lib.slug}/balie", params={"partij": "cbr", "onderwerp": "cbr.rijbewijs_75"})
    assert page.status_code == 200, page.text

    def hidden(name: str) -> str:
        return re.search(rf'name="{name}" value="([^"]+)"', page.text).group(1)

    return {
        "_csrf_token": csrf_of(page.text),
        "key": hidden("key"),
        "bezoek": hidden("bezoek"),
        "locatie": hidden("locatie"),
        "partij": "cbr",
        "onderwerp": "cbr.rijbewijs_75",
        "hulp": "wegwijzer",
    }


async def session_record(redis, sid: str) -> dict:
    raw = await redis.get(f"ido:session:{sid}")
    assert raw is not None, "no session record in Redis"
    return json.loads(raw)


async def rewrite_session(redis, sid: str, **fields) -> None:
    record = {**await session_record(redis, sid), **fields}
    await redis.set(f"ido:session:{sid}", json.dumps(record), keepttl=True)


# the login page and failed logins


async def test_login_page_is_dutch_and_carries_the_csrf_hidden_field(client):
    r = await client.get("/login")
    assert r.status_code == 200
    assert '<html lang="nl">' in r.text
    assert "<h1>Inloggen</h1>" in r.text and "Wachtwoord" in r.text and "E-mailadres" in r.text
    field = re.search(r'<input[^>]*name="_csrf_token"[^>]*>', r.text)
    assert field and 'type="hidden"' in field.group() and csrf_of(r.text)


async def test_wrong_password_and_unknown_email_get_the_same_status_and_message(client, lib):
    wrong = await post_login(client, lib.desk, "niet-het-goede-wachtwoord")
    unknown = await post_login(
        client, f"niemand-{secrets.token_hex(4)}@test.example", "niet-het-goede-wachtwoord"
    )
    assert wrong.status_code == unknown.status_code == 401
    assert ERROR_P.findall(wrong.text) == ERROR_P.findall(unknown.text) == [FAILED]
    assert session_of(wrong) is None and session_of(unknown) is None


async def test_unknown_email_takes_comparable_time_to_a_wrong_password(client, lib):
    """The unknown account path still verifies a (dummy) hash; only a gross difference fails this test."""

    async def timed(email: str) -> float:
        page = await client.get("/login")
        start = time.perf_counter()
        r = await client.post(
            "/login",
            data={"email": email, "password": "niet-het-goede-wachtwoord", "_csrf_token": csrf_of(page.text)},
        )
        assert r.status_code == 401
        return time.perf_counter() - start

    known = sorted([await timed(lib.desk) for _ in range(2)])[0]
    unknown = sorted([await timed(f"niemand-{secrets.token_hex(4)}@test.example") for _ in range(2)])[0]
    assert unknown > known * 0.3, (known, unknown)


async def test_a_successful_login_sets_an_httponly_samesite_session_cookie(client, lib):
    r = await post_login(client, lib.desk)
    assert r.status_code == 303 and r.headers["location"] == f"/t/{lib.slug}/balie"
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith(f"{SESSION}="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Path=/" in cookie


async def _stored_hash(container, email: str) -> str:
    async with container.db.platform() as conn:
        return (
            await conn.execute(text("SELECT password_hash FROM users WHERE email = :e"), {"e": email})
        ).scalar_one()


async def test_a_login_stores_a_new_hash_when_the_stored_one_has_other_parameters(client, container, lib):
    """The run's profile is `test`; a hash made at production parameters (as before the profile changed) is
    replaced at the next successful login, and not at a failed one."""
    production = Passwords("production")
    old = production.hash(PASSWORD)
    async with container.db.platform() as conn:
        await conn.execute(
            text("UPDATE users SET password_hash = :h WHERE email = :e"), {"h": old, "e": lib.desk}
        )
    assert (await post_login(client, lib.desk, "niet-het-goede-wachtwoord")).status_code == 401
    assert await _stored_hash(container, lib.desk) == old
    assert (await post_login(client, lib.desk)).status_code == 303
    new = await _stored_hash(container, lib.desk)
    assert new != old and not container.passwords.needs_rehash(new)
    assert container.passwords.verify(new, PASSWORD)
    assert (await post_login(client, lib.desk)).status_code == 303
    assert await _stored_hash(container, lib.desk) == new  # stored once, not at every login


# session fixation


async def test_a_session_id_chosen_before_login_is_not_kept_after_login(client, lib, redis):
    use_session(client, "attacker-chosen")
    r = await post_login(client, lib.desk)
    assert r.status_code == 303
    sid = session_of(r)
    assert sid and sid != "attacker-chosen" and len(sid) >= 32
    assert await redis.get("ido:session:attacker-chosen") is None
    assert await has_desk_access(client, lib)


async def test_a_real_session_id_from_another_login_is_replaced_and_stops_working(client, browser2, lib):
    planted = await logged_in_session(browser2, lib.coordinator)
    assert await has_desk_access(browser2, lib)

    use_session(client, planted)
    r = await post_login(client, lib.desk)
    assert r.status_code == 303
    fresh = session_of(r)
    assert fresh and fresh != planted
    assert await has_desk_access(client, lib)
    # the planted id is destroyed, for whoever still holds it
    assert not await has_desk_access(browser2, lib)
    use_session(client, planted)
    assert not await has_desk_access(client, lib)


# logout


async def test_logout_ends_the_session_and_the_old_cookie_no_longer_gives_access(client, lib, redis):
    await login(client, lib.desk)
    sid = client.cookies.get(SESSION)
    page = await client.get(f"/t/{lib.slug}/balie")
    r = await client.post("/logout", data={"_csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert await redis.get(f"ido:session:{sid}") is None
    assert client.cookies.get(SESSION) in (None, "")

    use_session(client, sid)  # a copy of the old cookie
    await assert_sent_to_login(client, f"/t/{lib.slug}/balie")


async def test_logout_everywhere_ends_the_sessions_of_the_same_user_in_other_browsers(client, browser2, lib):
    first = await logged_in_session(client, lib.desk)
    second = await logged_in_session(browser2, lib.desk)
    assert first != second
    assert await has_desk_access(browser2, lib)

    page = await client.get(f"/t/{lib.slug}/balie")
    r = await client.post(
        "/logout-everywhere", data={"_csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/login")

    await assert_sent_to_login(browser2, f"/t/{lib.slug}/balie")
    use_session(client, first)
    await assert_sent_to_login(client, f"/t/{lib.slug}/balie")


async def test_logout_everywhere_leaves_other_users_logged_in(client, browser2, lib):
    await logged_in_session(client, lib.desk)
    await logged_in_session(browser2, lib.coordinator)
    page = await client.get(f"/t/{lib.slug}/balie")
    r = await client.post(
        "/logout-everywhere", data={"_csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert r.status_code == 303
    assert await has_desk_access(browser2, lib)


# idle timeout and absolute lifetime


async def test_an_idle_session_of_31_minutes_sends_the_next_request_to_login(client, lib, redis, clock):
    sid = await logged_in_session(client, lib.desk)
    assert await has_desk_access(client, lib)
    clock.advance(timedelta(minutes=31))
    await assert_sent_to_login(client, f"/t/{lib.slug}/balie")
    assert await redis.get(f"ido:session:{sid}") is None


async def test_a_session_past_its_absolute_lifetime_of_12_hours_sends_to_login_even_when_active(
    client, lib, redis, clock
):
    sid = await logged_in_session(client, lib.desk)
    now = clock().timestamp()
    await rewrite_session(redis, sid, auth_at=now - 13 * 3600, seen_at=now - 60)
    await assert_sent_to_login(client, f"/t/{lib.slug}/balie")


async def test_activity_keeps_a_session_alive_within_the_idle_window(client, lib, redis, clock):
    sid = await logged_in_session(client, lib.desk)
    clock.advance(timedelta(minutes=29))
    assert await has_desk_access(client, lib)
    assert (await session_record(redis, sid))["seen_at"] == clock().timestamp()
    clock.advance(timedelta(minutes=29))
    assert await has_desk_access(client, lib)


async def test_an_htmx_request_with_an_expired_session_gets_hx_redirect_to_login(client, lib, clock):
    await logged_in_session(client, lib.desk)
    clock.advance(timedelta(minutes=31))
    r = await client.get(f"/t/{lib.slug}/balie", params={"partij": "cbr"}, headers=HX, follow_redirects=False)
    assert "/login" in r.headers.get("hx-redirect", ""), (r.status_code, dict(r.headers))
    assert r.status_code in (200, 401)


async def test_an_htmx_post_with_an_absolutely_expired_session_gets_hx_redirect_and_stores_nothing(
    client, container, lib, redis, clock
):
    sid = await logged_in_session(client, lib.desk)
    form = await registration_form(client, lib)
    await rewrite_session(redis, sid, auth_at=clock().timestamp() - 13 * 3600)
    r = await client.post(f"/t/{lib.slug}/balie/vragen", data=form, headers=HX, follow_redirects=False)
    assert "/login" in r.headers.get("hx-redirect", "")
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 0


# the login throttle


async def test_after_five_failures_for_an_account_even_the_right_password_gets_429(client, lib):
    for _ in range(5):
        r = await post_login(client, lib.desk, "niet-het-goede-wachtwoord")
        assert r.status_code == 401
    r = await post_login(client, lib.desk, PASSWORD)
    assert r.status_code == 429
    assert [THROTTLED.fullmatch(e) is not None for e in ERROR_P.findall(r.text)] == [True]
    assert '<html lang="nl">' in r.text
    assert session_of(r) is None
    assert not await has_desk_access(client, lib)


async def test_the_429_page_shows_no_stack_trace_or_internals(client, lib):
    for _ in range(5):
        await post_login(client, lib.desk, "niet-het-goede-wachtwoord")
    r = await post_login(client, lib.desk, PASSWORD)
    assert r.status_code == 429
    for leak in ("Traceback", 'File "', "redis", "Redis", "Exception", "litestar"):
        assert leak not in r.text, leak


async def test_the_account_throttle_blocks_only_that_account(client, lib):
    for _ in range(5):
        await post_login(client, lib.desk, "niet-het-goede-wachtwoord")
    r = await post_login(client, lib.coordinator, PASSWORD)
    assert r.status_code == 303


async def test_failures_for_twenty_accounts_from_one_address_block_logins_for_others_from_it(client, lib):
    for i in range(20):
        r = await post_login(
            client, f"onbekend-{i}-{secrets.token_hex(3)}@test.example", "niet-het-goede-wachtwoord"
        )
        assert r.status_code == 401
    r = await post_login(client, lib.desk, PASSWORD)  # an account without failures of its own
    assert r.status_code == 429
    assert "Te veel mislukte pogingen vanaf dit netwerk. Probeer het opnieuw om" in r.text


# CSRF and same-origin


async def test_a_registration_without_the_csrf_token_is_refused_and_nothing_is_stored(client, container, lib):
    await login(client, lib.desk)
    form = await registration_form(client, lib)
    without = {k: v for k, v in form.items() if k != "_csrf_token"}
    r = await client.post(f"/t/{lib.slug}/balie/vragen", data=without, follow_redirects=False)
    assert r.status_code == 403
    r = await client.post(f"/t/{lib.slug}/balie/vragen", data=without, headers=HX, follow_redirects=False)
    assert r.status_code == 403
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 0
    # the same form with its token is accepted: the refusal was the token's
    r = await client.post(f"/t/{lib.slug}/balie/vragen", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 1


async def test_a_forged_csrf_token_is_refused(client, container, lib):
    await login(client, lib.desk)
    form = await registration_form(client, lib)
    r = await client.post(
        f"/t/{lib.slug}/balie/vragen", data={**form, "_csrf_token": "0" * 64}, follow_redirects=False
    )
    assert r.status_code == 403
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 0


async def test_logout_without_the_csrf_token_is_refused_and_the_session_stays(client, lib):
    await login(client, lib.desk)
    r = await client.post("/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    assert await has_desk_access(client, lib)


async def test_a_cross_site_request_is_refused_even_with_a_valid_token(client, container, lib):
    await login(client, lib.desk)
    form = await registration_form(client, lib)
    r = await client.post(
        f"/t/{lib.slug}/balie/vragen",
        data=form,
        headers={"Sec-Fetch-Site": "cross-site"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 0


async def test_a_request_from_a_foreign_origin_is_refused_even_with_a_valid_token(client, container, lib):
    await login(client, lib.desk)
    form = await registration_form(client, lib)
    r = await client.post(
        f"/t/{lib.slug}/balie/vragen",
        data=form,
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 0
    r = await client.post(
        "/logout",
        data={"_csrf_token": form["_csrf_token"]},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert await has_desk_access(client, lib)


async def test_a_same_origin_header_is_accepted(client, container, lib):
    await login(client, lib.desk)
    form = await registration_form(client, lib)
    r = await client.post(
        f"/t/{lib.slug}/balie/vragen",
        data=form,
        follow_redirects=False,
        headers={"Origin": "http://testserver.local", "Sec-Fetch-Site": "same-origin"},
    )
    assert r.status_code == 303
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 1


async def test_a_cross_site_login_post_is_refused(client, lib):
    r = await post_login(client, lib.desk, PASSWORD, **{"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    assert session_of(r) is None


# security headers


def assert_security_headers(r) -> None:
    csp = r.headers.get("content-security-policy", "")
    assert csp, "no CSP"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == "script-src 'self'"
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'"
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert r.headers.get("referrer-policy")


def assert_same_origin_htmx(html: str) -> None:
    """Every script that runs comes from our own /static/; a JSON data block (type="application/json", which
    no browser executes and CSP's script-src does not govern) may stand inline."""
    scripts = [s for s in re.findall(r"<script[^>]*>", html) if 'type="application/json"' not in s]
    assert scripts and all('src="/static/' in s for s in scripts), scripts
    assert '<script src="/static/htmx.min.js"' in html
    m = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert m, "no htmx-config meta"
    assert json.loads(m.group(1))["allowEval"] is False


async def test_the_login_page_has_a_strict_csp_and_security_headers(client):
    r = await client.get("/login")
    assert_security_headers(r)
    assert_same_origin_htmx(r.text)


async def test_the_desk_page_has_a_strict_csp_and_security_headers(client, lib):
    await login(client, lib.desk)
    r = await client.get(f"/t/{lib.slug}/balie")
    assert r.status_code == 200
    assert_security_headers(r)
    assert_same_origin_htmx(r.text)
    assert "no-store" in r.headers.get("cache-control", "")


async def test_error_pages_and_refusals_carry_the_security_headers_too(client, lib):
    await login(client, lib.desk)
    r = await client.get(f"/t/bestaat-niet-{secrets.token_hex(3)}/balie")
    assert r.status_code == 404
    assert_security_headers(r)
    r = await client.post(
        "/logout", data={}, headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False
    )
    assert r.status_code == 403
    assert_security_headers(r)


async def test_htmx_is_served_from_our_own_origin(client):
    r = await client.get("/static/htmx.min.js")
    assert r.status_code == 200
    assert "javascript" in r.headers.get("content-type", "")
    assert "htmx" in r.text[:5000]


# roles and scope


async def test_a_desk_user_gets_404_for_every_page_of_another_library_revealing_nothing(client, lib, lib_b):
    await login(client, lib.desk)
    for path in ("/balie", "/baliemenu", "/partners", "/balie/telling", f"/balie/vragen/{uuid4()}"):
        r = await client.get(f"/t/{lib_b.slug}{path}", follow_redirects=False)
        assert r.status_code == 404, (path, r.status_code)
        assert lib_b.slug not in r.text and library_name(lib_b) not in r.text, path
        assert lib_b.poi not in r.text, path
    # and an unknown library looks exactly the same
    r = await client.get(f"/t/bieb-{secrets.token_hex(3)}/balie")
    assert r.status_code == 404


async def test_a_desk_user_cannot_write_into_another_library(client, container, lib, lib_b):
    await login(client, lib.desk)
    form = await registration_form(client, lib)
    r = await client.post(f"/t/{lib_b.slug}/balie/vragen", data=form, follow_redirects=False)
    assert r.status_code == 404
    assert await count_events(container, lib_b.tenant_id, "QuestionRegistered") == 0
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 0


async def test_a_desk_user_gets_403_on_the_partners_page_of_their_own_library(client, lib):
    await login(client, lib.desk)
    r = await client.get(f"/t/{lib.slug}/partners", follow_redirects=False)
    assert r.status_code == 403
    assert "Traceback" not in r.text


async def test_the_coordinator_reaches_the_partners_page_of_their_own_library(client, lib):
    await login(client, lib.coordinator)
    r = await client.get(f"/t/{lib.slug}/partners", follow_redirects=False)
    assert r.status_code == 200


async def test_a_poi_adviser_lands_on_poi_and_sees_only_the_libraries_of_their_poi(
    client, container, lib, lib_b
):
    email = f"poi-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(email, Role.POI_ADVISER, poi_slug=lib.poi, password=PASSWORD)
    r = await login(client, email)
    assert r.status_code == 200 and r.url.path == "/poi"
    assert library_name(lib) in r.text
    assert library_name(lib_b) not in r.text


async def test_a_kb_analyst_lands_on_kb(client, container, lib):
    email = f"kb-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(email, Role.KB_ANALYST, password=PASSWORD)
    r = await login(client, email)
    assert r.status_code == 200 and r.url.path == "/kb"
    assert library_name(lib) in r.text


async def test_poi_and_kb_users_get_404_on_a_library_desk(client, browser2, container, lib):
    poi, kb = f"poi-{secrets.token_hex(3)}@test.example", f"kb-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(poi, Role.POI_ADVISER, poi_slug=lib.poi, password=PASSWORD)
    await container.accounts.create_user(kb, Role.KB_ANALYST, password=PASSWORD)
    for c, email in ((client, poi), (browser2, kb)):
        await login(c, email)
        for path in ("/balie", "/baliemenu", "/balie/telling"):
            r = await c.get(f"/t/{lib.slug}{path}", follow_redirects=False)
            assert r.status_code == 404, (email, path, r.status_code)


async def test_a_desk_user_may_not_open_the_poi_and_kb_pages(client, lib):
    await login(client, lib.desk)
    for path in ("/poi", "/kb", "/beheer"):
        r = await client.get(path, follow_redirects=False)
        assert r.status_code in (403, 404), (path, r.status_code)
        assert "<table" not in r.text  # no list of libraries


async def test_an_anonymous_visit_to_a_library_page_redirects_to_login(client, lib):
    for path in ("/balie", "/baliemenu", "/partners", "/balie/telling"):
        await assert_sent_to_login(client, f"/t/{lib.slug}{path}")
    r = await client.get(f"/t/{lib.slug}/balie", headers=HX, follow_redirects=False)
    assert "/login" in r.headers.get("hx-redirect", "")


async def test_an_anonymous_visit_to_an_unknown_library_also_redirects_to_login(client):
    await assert_sent_to_login(client, f"/t/bieb-{secrets.token_hex(3)}/balie")
