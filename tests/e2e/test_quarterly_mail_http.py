"""The kwartaaloverzicht over HTTP: every link in the mails answers 200 for its recipient when logged in; the
opt-out on the account page and through the mail's link (its GET changes nothing, its form does, without
logging in); links we did not sign are refused; the development mailbox shows the mails."""

from __future__ import annotations

import re
import secrets
from datetime import date, time
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from domain import questions as q
from domain.accounts import Role
from domain.calendar import at_local
from infra.notify.quarterly import QuarterlyMail
from infra.platform.mail_preferences import MailPreferences, unsubscribe_token
from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from tests.commands import handle
from tests.e2e.conftest import PASSWORD, Lib, another_browser, csrf_of, login, make_library
from tests.projections import caught_up
from tests.receivers import SmtpServer

BASE = "http://testserver.local"
JULY = at_local(date(2026, 7, 1), time(8))
LINK = re.compile(r"http://testserver\.local(/[^\s<>\"]*)")
CHECKBOX = re.compile(r'<input type="checkbox" id="acct-quarterly"[^>]*>')


async def with_questions(container, settings, n: int = 6) -> tuple[Lib, str]:
    """A library with `n` questions today (the second quarter) and an adviser of its POI."""
    lib = await make_library(container)
    for i in range(n):
        await handle(
            container,
            lib.tenant_id,
            q.RegisterQuestion(
                question_id=uuid4(),
                visit_id=uuid4(),
                location_id=lib.location_id,
                npd_party="svb",
                topic="svb.aow",
                help="wegwijzer",
                duration="0-5" if i else None,
            ),
        )
    await caught_up(
        Runner(container.db, container.events, all_projections(settings, container.events)), lib.tenant_id
    )
    adviser = f"adviseur-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(adviser, Role.POI_ADVISER, poi_slug=lib.poi, password=PASSWORD)
    return lib, adviser


def plain(msg) -> str:
    part = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    return part.get_content().replace("\r\n", "\n")


async def user_id(container, email: str):
    return (await container.accounts.user_by_email(email)).user_id


async def test_every_link_in_the_mails_answers_its_recipient(client, container, settings, clock):
    lib, adviser = await with_questions(container, settings)
    clock.set(JULY)
    with SmtpServer() as smtp:
        s = settings.with_(smtp_url=smtp.url, base_url=BASE)
        await QuarterlyMail(container.db, container.reader, s, container.clock).run_once()
    mails = {m["X-Envelope-To"]: plain(m) for m in smtp.mailbox.messages}
    checked = 0
    for email in (lib.coordinator, adviser):
        links = LINK.findall(mails[email])
        assert len(links) >= 6, mails[email]
        browser = another_browser(client)
        unsubscribe = [x for x in links if x.startswith("/kwartaaloverzicht/afmelden/")]
        assert len(unsubscribe) == 1
        r = await browser.get(unsubscribe[0])  # without logging in
        assert r.status_code == 200 and "Ja, meld mij af" in r.text
        assert (await login(browser, email)).status_code == 200
        for path in links:
            r = await browser.get(path.replace("&amp;", "&"))
            assert r.status_code == 200, (email, path, r.status_code)
            checked += 1
    # the coordinator's 9 (the verantwoording page, 5 files, the dashboard, the opt-out, the account page) and
    # the adviser's 7 (the board, the verantwoording page, 3 files, the opt-out, the account page)
    assert checked == 16


async def test_the_account_page_turns_the_mail_off_and_on_again(client, container, lib, clock):
    prefs = MailPreferences(container.db)
    me = await user_id(container, lib.coordinator)
    await login(client, lib.coordinator)
    page = await client.get("/account")
    [box] = CHECKBOX.findall(page.text)
    assert " checked" in box and "Kwartaaloverzicht per e-mail ontvangen" in page.text  # on unless turned off

    r = await client.post(  # an unticked checkbox sends nothing
        "/account/kwartaaloverzicht", data={"_csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/account?melding=kwartaal-uit")
    assert await prefs.quarterly(me) is False
    page = await client.get(r.headers["location"])
    assert " checked" not in CHECKBOX.findall(page.text)[0]
    assert "U krijgt het kwartaaloverzicht niet meer per e-mail." in page.text

    r = await client.post(
        "/account/kwartaaloverzicht",
        data={"kwartaaloverzicht": "1", "_csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.headers["location"].startswith("/account?melding=kwartaal-aan")
    assert await prefs.quarterly(me) is True
    async with container.db.platform() as conn:
        since = (
            await conn.execute(text("SELECT quarterly_mail_since FROM users WHERE user_id = :u"), {"u": me})
        ).scalar_one()
    assert (
        since == clock()
    )  # no quarter that fell due before this is sent (tests/unit/test_quarterly_mail.py)
    page = await client.get("/account")
    assert " checked" in CHECKBOX.findall(page.text)[0]


async def test_desk_staff_get_no_mail_and_see_no_checkbox(client, lib):
    await login(client, lib.desk)
    page = await client.get("/account")
    assert page.status_code == 200 and not CHECKBOX.findall(page.text)


async def test_the_mails_link_asks_first_and_then_turns_the_mail_off_without_logging_in(
    client, container, settings, lib
):
    prefs = MailPreferences(container.db)
    me = await user_id(container, lib.coordinator)
    path = f"/kwartaaloverzicht/afmelden/{unsubscribe_token(settings.secret_key, me)}"
    page = await client.get(path)
    assert page.status_code == 200 and lib.coordinator in page.text and "Ja, meld mij af" in page.text
    await client.get(path)
    assert await prefs.quarterly(me) is True  # GET changes nothing

    r = await client.post(path, data={})  # without the form's token: refused, nothing changed
    assert r.status_code == 403 and await prefs.quarterly(me) is True
    r = await client.post(path, data={"_csrf_token": csrf_of(page.text)})
    assert r.status_code == 200 and "U bent afgemeld" in r.text
    assert await prefs.quarterly(me) is False
    again = await client.get(path)
    assert again.status_code == 200 and "al niet meer" in again.text and "Ja, meld mij af" not in again.text
    r = await client.post(path, data={"_csrf_token": csrf_of(page.text)})  # once more: the same, still off
    assert r.status_code == 200 and await prefs.quarterly(me) is False


@pytest.mark.parametrize("kind", ["altered", "other secret", "garbage", "nul"])
async def test_a_link_we_did_not_sign_is_refused(client, container, settings, lib, kind):
    me = await user_id(container, lib.coordinator)
    good = unsubscribe_token(settings.secret_key, me)
    token = {
        "altered": good[:-1] + ("A" if good[-1] != "A" else "B"),
        "other secret": unsubscribe_token("een-ander-geheim-" * 3, me),
        "garbage": "abc",
        "nul": good[:10] + "%00" + good[11:],
    }[kind]
    page = await client.get(f"/kwartaaloverzicht/afmelden/{token}")
    assert page.status_code == 404 and "Deze afmeldlink kennen we niet." in page.text
    form = csrf_of((await client.get("/login")).text)  # a valid form token: the refusal is the link's
    r = await client.post(f"/kwartaaloverzicht/afmelden/{token}", data={"_csrf_token": form})
    assert r.status_code == 404
    assert await MailPreferences(container.db).quarterly(me) is True


async def test_development_mail_shows_the_quarterly_mails(container, settings, clock, tmp_path):
    from services.api.app import create_app

    lib, adviser = await with_questions(container, settings, 2)
    folder = tmp_path / "dev-mail"
    dev = settings.with_(development=True, smtp_url=f"file://{folder}", base_url="http://127.0.0.1:8101")
    clock.set(JULY)
    await QuarterlyMail(container.db, container.reader, dev, container.clock).run_once()
    async with AsyncTestClient(app=create_app(dev, clock=clock), base_url=BASE) as c:
        page = await c.get("/ontwikkeling/post")
    assert f"Aan {lib.coordinator}" in page.text and f"Aan {adviser}" in page.text
    assert "Kwartaaloverzicht tweede kwartaal 2026" in page.text
    assert f'<a href="http://127.0.0.1:8101/t/{lib.slug}/verantwoording/2026.pdf?kwartaal=2">' in page.text
