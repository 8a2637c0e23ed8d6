"""IDO planning over HTTP: the coordinator's planning pages, refusals that append nothing, notices in the POI and
KB inboxes (projections run in-process), who was told after a real dispatch, and the POI/KB/admin boards."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest
from markupsafe import escape
from sqlalchemy import text

from domain import ido
from domain.accounts import Role
from domain.calendar import day_text
from infra.notify.notices import Dispatcher
from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from tests.clock import TODAY
from tests.commands import handle
from tests.e2e.conftest import PASSWORD, another_browser, csrf_of, login, make_library
from tests.projections import caught_up
from tests.receivers import SmtpServer, WebhookReceiver

HX = {"HX-Request": "true"}
Y = TODAY.year


@pytest.fixture
async def second(client):
    async with another_browser(client) as c:
        yield c


def nl(d) -> str:
    """A date as a form may take it (dd-mm-jjjj)."""
    return d.strftime("%d-%m-%Y")


def shown(d) -> str:
    """A date as the pages show it: "5 december 2026"."""
    return day_text(d)


async def count_events(container, tenant_id, location_id) -> int:
    async with container.reader.platform() as conn:
        return (
            await conn.execute(
                text("SELECT count(*) FROM events WHERE tenant_id = :t AND stream_id = :s"),
                {"t": tenant_id, "s": ido.stream_id(location_id)},
            )
        ).scalar_one()


async def project(container, settings, *tenants) -> None:
    runner = Runner(container.db, container.events, all_projections(settings, container.events))
    for tenant_id in tenants:
        await caught_up(runner, tenant_id)


async def notices_of(container, tenant_id, kind: str = "rescheduled") -> list:
    async with container.reader.platform() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT notice_id, subject, to_kb FROM notices WHERE tenant_id = :t AND kind = :k "
                    "ORDER BY created_at"
                ),
                {"t": tenant_id, "k": kind},
            )
        ).all()


async def coordinator(client, lib) -> str:
    """Log the library's coordinator in; answer a CSRF token for the forms."""
    await login(client, lib.coordinator)
    r = await client.get(f"/t/{lib.slug}/ido/")
    assert r.status_code == 200, r.text
    return csrf_of(r.text)


async def register(client, lib, token, *, name: str, subsidy_year: int, planned) -> UUID:
    form = {
        "_csrf_token": token,
        "name": name,
        "branch": "Stadhuis",
        "variant": "basis",
        "inside_library": "nee",
        "subsidy_year": str(subsidy_year),
        "planned_opening": planned.isoformat(),
    }
    r = await client.post(f"/t/{lib.slug}/ido/", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    return UUID(re.search(r"/ido/([0-9a-f-]{36})", r.headers["location"]).group(1))


async def command(client, lib, location_id, action: str, token: str, hx: bool = False, **fields):
    return await client.post(
        f"/t/{lib.slug}/ido/{location_id}/{action}",
        data={"_csrf_token": token, **fields},
        headers=HX if hx else None,
        follow_redirects=False,
    )


async def user(container, role: Role, **scope) -> str:
    email = f"{role.value.replace('_', '-')}-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(email, role, password=PASSWORD, **scope)
    return email


def inbox(html: str) -> str:
    return re.search(r'<div id="plan-inbox">.*?\n</div>', html, re.S).group(0)


def unread_heading(html: str) -> int:
    return int(re.search(r'id="plan-unread-h"[^>]*>\((\d+) ongelezen\)', html).group(1))


def unread_nav(html: str) -> int:
    return int(re.search(r'id="plan-unread-nav"[^>]*>(\d+)<', html).group(1))


async def test_a_desk_user_gets_403_and_a_coordinator_of_another_library_404(client, second, lib, lib_b):
    await login(client, lib.desk)
    assert (await client.get(f"/t/{lib.slug}/ido/")).status_code == 403
    assert (await client.get(f"/t/{lib.slug}/ido/{lib.location_id}")).status_code == 403
    await login(second, lib_b.coordinator)
    assert (await second.get(f"/t/{lib.slug}/ido/")).status_code == 404
    assert (await second.get(f"/t/{lib_b.slug}/ido/{lib.location_id}")).status_code == 404
    token = csrf_of((await second.get(f"/t/{lib_b.slug}/ido/")).text)
    r = await command(second, lib_b, lib.location_id, "geopend", token, opened_on=TODAY.isoformat())
    assert r.status_code == 404


async def test_the_coordinator_registers_an_ido_as_a_plain_post_and_with_htmx(client, container, lib):
    token = await coordinator(client, lib)
    name = f"IDO Gemeentehuis {secrets.token_hex(2)}"
    location_id = await register(
        client, lib, token, name=name, subsidy_year=Y + 1, planned=TODAY + timedelta(60)
    )
    page = await client.get(f"/t/{lib.slug}/ido/{location_id}", params={"melding": "aangemeld"})
    assert page.status_code == 200 and f"{name} is aangemeld" in page.text
    assert "buiten de bibliotheek" in page.text and shown(TODAY + timedelta(60)) in page.text
    listing = await client.get(f"/t/{lib.slug}/ido/")
    assert (
        name in listing.text and "IDO en planning" in listing.text and 'aria-current="page"' in listing.text
    )
    form = {"_csrf_token": token, "name": "IDO Markt", "branch": "Markt", "variant": "basis"}
    r = await client.post(
        f"/t/{lib.slug}/ido/", data={**form, "subsidy_year": str(Y), "planned_opening": nl(TODAY)}, headers=HX
    )
    assert (
        r.status_code == 200
        and r.text.lstrip().startswith('<div id="plan-locations"')
        and "<html" not in r.text
    )
    assert "IDO Markt is aangemeld; de POI krijgt een melding." in r.text
    refused = await client.post(
        f"/t/{lib.slug}/ido/",
        data={**form, "subsidy_year": str(Y), "planned_opening": (TODAY - timedelta(1)).isoformat()},
        headers=HX,
    )
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert "De geplande openingsdatum ligt in het verleden." in refused.text
    assert 'aria-describedby="plan-register-error"' in refused.text


async def test_rescheduling_tells_the_poi_and_past_the_subsidy_year_also_the_kb(
    app, client, container, settings, lib
):
    token = await coordinator(client, lib)
    name = f"IDO Stadhuis {secrets.token_hex(2)}"
    loc = await register(client, lib, token, name=name, subsidy_year=Y + 1, planned=date(Y + 1, 3, 2))
    within, later = date(Y + 1, 4, 1), date(Y + 2, 1, 15)
    r = await command(
        client, lib, loc, "verzetten", token, new_date=within.isoformat(), reason="Meubilair te laat"
    )
    assert r.status_code == 303
    page = await client.get(r.headers["location"])
    assert "de POI krijgt een melding" in page.text and "30 dagen later dan de eerste planning" in page.text
    await project(container, settings, lib.tenant_id)

    adviser = await user(container, Role.POI_ADVISER, poi_slug=lib.poi)
    analyst = await user(container, Role.KB_ANALYST)
    async with (
        another_browser(client) as poi,
        another_browser(client) as kb,
    ):
        await login(poi, adviser)
        await login(kb, analyst)
        board = await poi.get("/poi")
        assert f"Opening {name} verplaatst naar {shown(within)}" in board.text
        # the library's two IDOs were registered (each a notice for the POI), then one was moved
        assert unread_heading(board.text) == 3 and unread_nav(board.text) == 3
        assert "Meubilair te laat" in board.text
        kb_before = await kb.get("/kb")
        assert name not in inbox(kb_before.text)
        kb_unread = unread_heading(kb_before.text)

        r = await command(
            client, lib, loc, "verzetten", token, hx=True, new_date=later.isoformat(), reason="Verbouwing"
        )
        assert (
            r.status_code == 200 and '<section id="plan-status"' in r.text and 'hx-swap-oob="true"' in r.text
        )
        assert "de POI en de KB krijgen een melding" in r.text and "later dan het subsidiejaar" in r.text
        await project(container, settings, lib.tenant_id)
        first, second = await notices_of(container, lib.tenant_id)
        assert (first.to_kb, second.to_kb) == (False, True)

        board = await poi.get("/poi")
        assert (
            unread_heading(board.text) == 4 and f"Opening {name} verplaatst naar {shown(later)}" in board.text
        )
        kb_page = await kb.get("/kb")
        assert f"Opening {name} verplaatst naar {shown(later)}" in inbox(kb_page.text)
        assert f"Opening {name} verplaatst naar {shown(within)}" not in inbox(kb_page.text)
        assert unread_heading(kb_page.text) == kb_unread + 1

        token_poi = csrf_of(board.text)
        read = await poi.post(
            f"/poi/meldingen/{first.notice_id}/gelezen", data={"_csrf_token": token_poi}, headers=HX
        )
        assert read.status_code == 200 and read.text.lstrip().startswith('<div id="plan-inbox"')
        assert unread_nav(read.text) == 3 and unread_heading(read.text) == 3
        only_unread = await poi.get("/poi", params={"ongelezen": "1"})
        assert shown(later) in inbox(only_unread.text)
        assert f"verplaatst naar {shown(within)}" not in inbox(only_unread.text)
        everything = await poi.post(
            "/poi/meldingen/gelezen", data={"_csrf_token": token_poi}, follow_redirects=False
        )
        assert everything.status_code == 303
        assert unread_heading((await poi.get("/poi")).text) == 0

        token_kb = csrf_of(kb_page.text)
        r = await kb.post(f"/kb/meldingen/{second.notice_id}/gelezen", data={"_csrf_token": token_kb})
        assert r.status_code == 200 and unread_heading(r.text) == kb_unread
        assert (await kb.get(f"/kb/meldingen/{first.notice_id}")).status_code == 404


async def test_opening_hours_closure_and_reopening_show_in_status_history_and_desk(client, container, lib):
    token = await coordinator(client, lib)
    loc = lib.location_id
    r = await command(client, lib, loc, "geopend", token, hx=True, opened_on=TODAY.isoformat())
    assert r.status_code == 200 and "<html" not in r.text
    assert r.text.lstrip().startswith('<section id="plan-status"') and "De opening is vastgelegd" in r.text
    hours = {
        "slot-0-0-van": "10:00",
        "slot-0-0-tot": "12:00",
        "slot-0-1-van": "13:00",
        "slot-0-1-tot": "16:00",
        "slot-2-0-van": "09:30",
        "slot-2-0-tot": "12:30",
        "feestdagen": "27-04-2026\n2026-12-25\n",
    }
    r = await command(client, lib, loc, "openingstijden", token, **hours)
    assert r.status_code == 303
    page = await client.get(f"/t/{lib.slug}/ido/{loc}")
    assert "maandag 10:00–12:00, 13:00–16:00; woensdag 09:30–12:30" in page.text
    assert "(8 uur per week)" in page.text and 'value="13:00"' in page.text and "25-12-2026" in page.text
    desk = await client.get(f"/t/{lib.slug}/balie")
    assert "Openingstijden deze week" in desk.text and "10:00–12:00, 13:00–16:00" in desk.text

    r = await command(
        client, lib, loc, "tijdelijk-gesloten", token, closed_from=TODAY.isoformat(), reason="Verbouwing"
    )
    assert r.status_code == 303
    page = await client.get(f"/t/{lib.slug}/ido/{loc}")
    assert "Tijdelijk gesloten</span> vanaf" in page.text and "Heropening vastleggen" in page.text
    r = await command(client, lib, loc, "heropend", token, hx=True, reopened_on=TODAY.isoformat())
    assert r.status_code == 200 and "De heropening is vastgelegd; de POI krijgt een melding." in r.text
    r = await command(client, lib, loc, "stappen", token, hx=True, step="staff_trained")
    assert r.status_code == 200 and r.text.lstrip().startswith('<section id="plan-steps"')
    assert "2 van de 6 stappen gedaan" in r.text  # ticked, and opened (the IDO opened above)

    history = (await client.get(f"/t/{lib.slug}/ido/{loc}")).text
    lines = re.findall(r"<time datetime=[^>]+>[^<]+</time> — ([^<]+)", history)
    assert [line.split(":")[0].split(" op ")[0].split(" vanaf ")[0] for line in lines] == [
        "Stap afgerond",
        "Heropend",
        "Tijdelijk gesloten",
        "Openingstijden vastgelegd",
        "IDO geopend",
        "IDO aangemeld",
    ]
    assert f"Tijdelijk gesloten vanaf {shown(TODAY)}. Reden: Verbouwing" in history
    assert lib.coordinator in history
    assert await count_events(container, lib.tenant_id, loc) == 6


REFUSALS = [
    (
        "verzetten",
        {"new_date": (TODAY - timedelta(1)).isoformat(), "reason": "x"},
        "De nieuwe openingsdatum ligt in het verleden.",
        "new_date",
    ),
    (
        "verzetten",
        {"new_date": (TODAY + timedelta(9)).isoformat(), "reason": " "},
        "Geef de reden van de wijziging op; de POI krijgt die te zien.",
        "reason",
    ),
    ("verzetten", {"new_date": "", "reason": "Later"}, "Vul de nieuwe openingsdatum in.", "new_date"),
    (
        "heropend",
        {"reopened_on": TODAY.isoformat()},
        "Het IDO is niet tijdelijk gesloten, dus kan niet heropenen.",
        None,
    ),
    (
        "openingstijden",
        {"slot-0-0-van": "10:00", "slot-0-0-tot": "12:00", "slot-0-1-van": "11:00", "slot-0-1-tot": "13:00"},
        "Op maandag overlappen 10:00–12:00 en 11:00–13:00.",
        "slots",
    ),
    (
        "openingstijden",
        {"slot-1-0-van": "09:00", "slot-1-0-tot": "25:00"},
        "'25:00' is geen tijd; schrijf uu:mm, bijvoorbeeld 09:30.",
        "slots",
    ),
    (
        "openingstijden",
        {"slot-1-0-van": "09:00"},
        "Vul op dinsdag bij tijdvak 1 zowel 'van' als 'tot' in.",
        "slots",
    ),
]


@pytest.mark.parametrize("hx", [False, True], ids=["plain", "htmx"])
async def test_each_refused_input_gives_422_with_the_dutch_message_and_appends_nothing(
    client, container, lib, hx
):
    token = await coordinator(client, lib)
    loc = lib.location_id
    for action, fields, message, field in REFUSALS:
        before = await count_events(container, lib.tenant_id, loc)
        r = await command(client, lib, loc, action, token, hx=hx, **fields)
        assert r.status_code == 422, (action, fields, r.text)
        assert str(escape(message)) in r.text and 'role="alert"' in r.text
        assert ("<html" in r.text) is not hx
        if field in ("new_date", "reason"):
            assert re.search(r'aria-invalid="true" aria-describedby="[^"]*plan-reschedule-error"', r.text)
        assert await count_events(container, lib.tenant_id, loc) == before
    assert (await command(client, lib, loc, "geopend", token, opened_on=TODAY.isoformat())).status_code == 303
    before = await count_events(container, lib.tenant_id, loc)
    r = await command(
        client,
        lib,
        loc,
        "verzetten",
        token,
        hx=hx,
        new_date=(TODAY + timedelta(9)).isoformat(),
        reason="Later",
    )
    assert r.status_code == 422
    assert "Het IDO is al geopend; de openingsdatum kan niet meer verzet worden." in r.text
    assert await count_events(container, lib.tenant_id, loc) == before


async def _set_poi_channels(container, poi_slug: str, email: str, webhook: str) -> None:
    async with container.db.platform() as conn:
        await conn.execute(
            text("UPDATE pois SET email = :e, webhook_url = :w, webhook_secret = 'geheim' WHERE slug = :p"),
            {"e": email, "w": webhook, "p": poi_slug},
        )


async def test_who_was_told_shows_delivered_after_a_real_dispatch(client, container, settings, lib):
    with SmtpServer() as smtp, WebhookReceiver() as hook:
        await _set_poi_channels(container, lib.poi, f"adviseur@{lib.poi}.example", hook.url)
        s = settings.with_(smtp_url=smtp.url, kb_email="kb@kb.example")
        token = await coordinator(client, lib)
        loc = await register(
            client, lib, token, name="IDO Bieb", subsidy_year=Y, planned=TODAY + timedelta(5)
        )
        new = date(Y + 1, 1, 20)
        assert (
            await command(client, lib, loc, "verzetten", token, new_date=new.isoformat(), reason="Vertraging")
        ).status_code == 303
        page = await client.get(f"/t/{lib.slug}/ido/{loc}")
        assert "De melding wordt voorbereid: nog niet verstuurd" in page.text
        await project(container, s, lib.tenant_id)
        page = await client.get(f"/t/{lib.slug}/ido/{loc}")
        assert "POI: e-mail nog niet verstuurd; webhook nog niet verstuurd" in page.text
        assert "KB: e-mail nog niet verstuurd" in page.text

        await Dispatcher(container.db, container.reader, s, container.clock).run_once()
        page = await client.get(f"/t/{lib.slug}/ido/{loc}")
        told = re.search(r"POI geïnformeerd op (\d+ \w+ \d{4} om \d\d:\d\d) per e-mail en webhook", page.text)
        assert told and told.group(1).startswith(shown(TODAY))
        assert re.search(r"KB geïnformeerd op [^<]+ om \d\d:\d\d per e-mail<", page.text)
        assert any(m["X-Envelope-To"] == f"adviseur@{lib.poi}.example" for m in smtp.mailbox.messages)
        assert any(call.json["location"] == "IDO Bieb" for call in hook.received)


async def test_a_delivery_that_keeps_failing_shows_as_failed_to_the_coordinator_and_the_admin(
    client, second, container, settings, lib
):
    with SmtpServer() as smtp, WebhookReceiver(fail_first=1000) as hook:
        await _set_poi_channels(container, lib.poi, f"adviseur@{lib.poi}.example", hook.url)
        s = settings.with_(smtp_url=smtp.url, notice_retry_for_hours=0)
        token = await coordinator(client, lib)
        new = TODAY + timedelta(3)
        assert (
            await command(
                client, lib, lib.location_id, "verzetten", token, new_date=new.isoformat(), reason="Storing"
            )
        ).status_code == 303
        await project(container, s, lib.tenant_id)
        await Dispatcher(container.db, container.reader, s, container.clock).run_once()
        page = await client.get(f"/t/{lib.slug}/ido/{lib.location_id}")
        assert re.search(r"POI geïnformeerd op [^<;]+ om \d\d:\d\d per e-mail; webhook mislukt", page.text)

        await login(second, await user(container, Role.PLATFORM_ADMIN))
        admin = await second.get("/beheer")
        assert admin.status_code == 200 and "Mislukte en opnieuw te proberen verzendingen" in admin.text
        row = re.search(
            rf"<tr[^>]*><td>{re.escape(lib.slug.replace('bieb-', 'Bibliotheek '))}</td>.*?</tr>", admin.text
        )
        assert (
            row and "webhook:poi" in row.group(0) and "mislukt" in row.group(0) and "HTTP 500" in row.group(0)
        )
        assert "Achterstand per projectie" in admin.text


async def test_a_poi_adviser_sees_only_their_own_libraries_and_notices(
    client, second, container, settings, lib, lib_b
):
    for library in (lib, lib_b):
        await handle(
            container,
            library.tenant_id,
            ido.RescheduleOpening(
                location_id=library.location_id, new_date=TODAY + timedelta(40), reason="Personeel ziek"
            ),
            {"actor": "test"},
        )
    await project(container, settings, lib.tenant_id, lib_b.tenant_id)
    [mine] = await notices_of(container, lib.tenant_id)
    [theirs] = await notices_of(container, lib_b.tenant_id)
    await login(client, await user(container, Role.POI_ADVISER, poi_slug=lib.poi))

    board = await client.get("/poi")
    assert board.status_code == 200
    assert mine.subject in inbox(board.text) and theirs.subject not in board.text
    assert lib.slug in board.text and lib_b.slug not in board.text
    delay = 40  # the fixture planned the opening on TODAY
    assert f"{delay} dagen" in board.text and "vertraagd" in board.text
    assert (await client.get(f"/poi/meldingen/{mine.notice_id}")).status_code == 200
    assert (await client.get(f"/poi/meldingen/{theirs.notice_id}")).status_code == 404
    token = csrf_of(board.text)
    assert (
        await client.post(f"/poi/meldingen/{theirs.notice_id}/gelezen", data={"_csrf_token": token})
    ).status_code == 404
    assert (await client.get(f"/poi/bibliotheken/{lib_b.slug}")).status_code == 404
    assert (await client.get("/poi", params={"bibliotheek": lib_b.slug})).status_code == 404
    library = await client.get(f"/poi/bibliotheken/{lib.slug}")
    assert library.status_code == 200 and mine.subject in library.text
    delayed = await client.get(
        "/poi", params={"vertraagd": "1"}, headers={**HX, "HX-Target": "plan-board-locations"}
    )
    assert delayed.text.lstrip().startswith('<div id="plan-board-locations"') and "<html" not in delayed.text
    assert lib.slug.replace("bieb-", "IDO ") in delayed.text
    async with container.reader.platform() as conn:
        reads = (
            await conn.execute(
                text("SELECT count(*) FROM notice_reads WHERE notice_id = :n"), {"n": theirs.notice_id}
            )
        ).scalar_one()
    assert reads == 0

    await login(second, lib.coordinator)
    assert (await second.get("/poi")).status_code == 403
    assert (await second.get("/kb")).status_code == 403


async def _new_ido(container, library, name: str, planned) -> UUID:
    cmd = ido.RegisterIdo(
        tenant_id=library.tenant_id,
        location_id=uuid4(),
        name=name,
        branch="Wijk",
        variant=ido.Variant.BASIS,
        inside_library=False,
        subsidy_year=Y,
        planned_opening=planned,
    )
    await handle(container, library.tenant_id, cmd)
    return cmd.location_id


def _count_row(html: str, label: str) -> list[str]:
    row = re.search(rf'<tr><th scope="row">{re.escape(label)}</th>(.*?)</tr>', html)
    assert row, label
    return re.findall(r"<td>([^<]*)</td>", row.group(1))


async def test_the_kb_board_counts_per_province_and_poi(client, container, settings):
    suffix = secrets.token_hex(3)
    poi_slug, poi_name = f"poi-telling-{suffix}", f"POI Telling {suffix}"
    await container.accounts.create_poi(poi_slug, poi_name)
    north, south = f"Provincie {suffix} Noord", f"Provincie {suffix} Zuid"
    libs = [await make_library(container, poi_slug) for _ in range(3)]
    async with container.db.platform() as conn:
        for library, province in zip(libs, (north, north, south), strict=True):
            await conn.execute(
                text("UPDATE tenants SET province = :p WHERE tenant_id = :t"),
                {"p": province, "t": library.tenant_id},
            )
    soon = TODAY + timedelta(10)
    for library in libs:  # later than the fixture's first plan: delayed
        await handle(
            container,
            library.tenant_id,
            ido.RescheduleOpening(location_id=library.location_id, new_date=soon, reason="Later"),
            {},
        )
    first, second, third = libs
    await handle(container, first.tenant_id, ido.OpenIdo(location_id=first.location_id, opened_on=TODAY), {})
    wijk = await _new_ido(container, first, "IDO Wijkcentrum", TODAY)
    await handle(container, first.tenant_id, ido.OpenIdo(location_id=wijk, opened_on=TODAY), {})
    await handle(
        container,
        first.tenant_id,
        ido.CloseTemporarily(location_id=wijk, closed_from=TODAY, until=None, reason="Corona"),
        {},
    )
    gone = await _new_ido(container, second, "IDO Dorpshuis", soon)
    await handle(
        container, second.tenant_id, ido.CloseIdo(location_id=gone, closed_on=TODAY, reason="Geen ruimte"), {}
    )
    await _new_ido(container, third, "IDO Nieuwbouw", soon)  # planned, on its first plan
    await project(container, settings, *(x.tenant_id for x in libs))

    await login(client, await user(container, Role.KB_ANALYST))
    board = await client.get("/kb")
    assert board.status_code == 200
    # open, planned, delayed, temporarily closed, closed, share open
    assert _count_row(board.text, north) == ["1", "0", "1", "1", "1", "50%"]
    assert _count_row(board.text, south) == ["0", "1", "1", "0", "0", "0%"]
    assert _count_row(board.text, poi_name) == ["1", "1", "2", "1", "1", "25%"]
    filtered = await client.get("/kb", params={"provincie": south})
    table = re.search(r'<div id="plan-board-locations">.*?</div>', filtered.text, re.S).group(0)
    assert "IDO Nieuwbouw" in table and "IDO Wijkcentrum" not in table and "(2)" in table
    by_status = await client.get("/kb", params={"poi": poi_slug, "status": "tijdelijk_gesloten"})
    table = re.search(r'<div id="plan-board-locations">.*?</div>', by_status.text, re.S).group(0)
    assert "IDO Wijkcentrum" in table and "(1)" in table


async def test_each_planning_form_says_who_will_be_told_before_the_coordinator_confirms(
    client, container, lib
):
    token = await coordinator(client, lib)
    loc = await register(client, lib, token, name="IDO Voorbeeld", subsidy_year=Y, planned=date(Y, 12, 15))
    page = (await client.get(f"/t/{lib.slug}/ido/{loc}")).text
    told = re.search(r'<div class="plan-field" id="plan-reschedule-told">.*?</div>', page, re.S).group(0)
    assert f"Nieuwe datum op of voor 31 december {Y}: de POI krijgt een melding." in told
    assert f"Nieuwe datum na 31 december {Y}: de POI en de KB krijgen een melding." in told
    assert f"De opening is verzet naar na het subsidiejaar {Y}." in told
    assert 'aria-describedby="plan-reschedule-told"' in page
    assert "De POI krijgt een melding. <span" in page  # the opening, today: in the year
    close = re.search(r'id="plan-close-told">.*?</div>', page, re.S).group(0)
    assert "De POI en de KB krijgen een melding." in close and "gaat niet door" in close
    listing = (await client.get(f"/t/{lib.slug}/ido/")).text
    assert "Geplande opening na het subsidiejaar: de POI en de KB krijgen een melding." in listing

    # after a slip past the year every move tells the KB too, back into the year included
    r = await command(
        client, lib, loc, "verzetten", token, new_date=date(Y + 1, 2, 1).isoformat(), reason="Bouw"
    )
    page = (await client.get(r.headers["location"])).text
    assert "De nieuwe openingsdatum is vastgelegd; de POI en de KB krijgen een melding." in page
    told = re.search(r'id="plan-reschedule-told">.*?</div>', page, re.S).group(0)
    assert told.count("de POI en de KB krijgen een melding") == 2 and "teruggezet in het subsidiejaar" in told
    r = await command(
        client, lib, loc, "verzetten", token, new_date=date(Y, 11, 1).isoformat(), reason="Sneller"
    )
    page = (await client.get(r.headers["location"])).text
    assert "De nieuwe openingsdatum is vastgelegd; de POI en de KB krijgen een melding." in page


async def test_the_history_shows_who_was_told_of_every_planning_fact(client, container, settings, lib):
    token = await coordinator(client, lib)
    assert (
        await command(client, lib, lib.location_id, "geopend", token, opened_on=TODAY.isoformat())
    ).status_code == 303
    r = await command(
        client,
        lib,
        lib.location_id,
        "tijdelijk-gesloten",
        token,
        closed_from=TODAY.isoformat(),
        reason="Verbouwing",
    )
    page = (await client.get(r.headers["location"])).text
    assert "De tijdelijke sluiting is vastgelegd; de POI krijgt een melding." in page
    await project(container, settings, lib.tenant_id)
    page = (await client.get(f"/t/{lib.slug}/ido/{lib.location_id}")).text
    # registered, opened, closed for a while: three facts, each with the POI's line; none for the KB
    assert page.count("POI: geen e-mailadres of webhook bekend") == 3 and "KB:" not in page
    kinds = [n.subject for n in await notices_of(container, lib.tenant_id, "temporarily_closed")]
    assert kinds == [f"{lib.slug.replace('bieb-', 'IDO ')} is tijdelijk gesloten vanaf {shown(TODAY)}"]
    # a fact the notices projection passed without a notice was recorded before every fact was told
    async with container.db.tenant(lib.tenant_id) as conn:
        for table in ("notice_deliveries", "notices"):
            await conn.execute(
                text(
                    f"DELETE FROM {table} WHERE tenant_id = :t AND notice_id IN "
                    "(SELECT notice_id FROM notices WHERE tenant_id = :t AND kind = 'registered')"
                ),
                {"t": lib.tenant_id},
            )
    page = (await client.get(f"/t/{lib.slug}/ido/{lib.location_id}")).text
    assert "Geen melding: vastgelegd voordat elke wijziging in de planning werd doorgegeven" in page
    assert page.count("POI: geen e-mailadres of webhook bekend") == 2 and "wordt voorbereid" not in page


async def test_the_kb_board_counts_per_subsidy_year_and_lists_the_late_openings(
    client, container, settings, clock
):
    """A subsidy year of its own (no other test uses it), with the clock at its end and after it."""
    year = Y + 3
    library = await make_library(container)
    ids = {}
    for name, planned in (
        ("IDO Op Tijd", date(year, 6, 1)),
        ("IDO Januari", date(year, 12, 15)),
        ("IDO Later Gepland", date(year + 1, 3, 1)),
        ("IDO Afgeblazen", date(year, 5, 1)),
        ("IDO Wacht", date(year, 12, 20)),
    ):
        cmd = ido.RegisterIdo(
            tenant_id=library.tenant_id,
            location_id=uuid4(),
            name=name,
            branch="Wijk",
            variant=ido.Variant.BASIS,
            inside_library=True,
            subsidy_year=year,
            planned_opening=planned,
        )
        await handle(container, library.tenant_id, cmd)
        ids[name] = cmd.location_id
    t = library.tenant_id
    await handle(
        container, t, ido.CloseIdo(location_id=ids["IDO Afgeblazen"], closed_on=TODAY, reason="Geen geld")
    )
    clock.set(clock().replace(year=year, month=6, day=2))
    await handle(container, t, ido.OpenIdo(location_id=ids["IDO Op Tijd"], opened_on=date(year, 6, 1)))
    clock.set(clock().replace(year=year + 1, month=1, day=10))
    await handle(container, t, ido.OpenIdo(location_id=ids["IDO Januari"], opened_on=date(year + 1, 1, 9)))
    await project(container, settings, t)

    await login(client, await user(container, Role.KB_ANALYST))
    board = (await client.get("/kb")).text
    # in time, late, not yet, of which already late, closed without opening
    assert _count_row(board, str(year)) == ["1", "1", "2", "2", "1"]
    late = re.search(r'<h3 id="plan-late-h">.*?</ul>', board, re.S).group(0)
    assert "IDO Januari</strong>" in late and f"Geopend op 9 januari {year + 1}, na het subsidiejaar" in late
    assert (
        "IDO Later Gepland</strong>" in late and f"gepland op 1 maart {year + 1}, na het subsidiejaar" in late
    )
    assert "IDO Wacht</strong>" in late and "het subsidiejaar is voorbij" in late
    assert "IDO Op Tijd</strong>" not in late and "IDO Afgeblazen</strong>" not in late
