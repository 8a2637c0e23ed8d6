"""The desk over HTTP: pages, partials for HTMX, registration, undo, correction, tallies and refusals."""

from __future__ import annotations

import secrets
from datetime import timedelta
from uuid import uuid4

import msgspec
import pytest
from sqlalchemy import text

from domain.accounts import Role
from tests.clock import NOW, TODAY, YESTERDAY
from tests.e2e.conftest import PASSWORD, csrf_of, login

HX = {"HX-Request": "true"}


async def count_events(container, tenant_id, type_: str | None = None) -> int:
    async with container.reader.platform() as conn:
        sql = "SELECT count(*) FROM events WHERE tenant_id = :t" + (" AND event_type = :e" if type_ else "")
        return (await conn.execute(text(sql), {"t": tenant_id, "e": type_})).scalar()


async def test_login_leads_the_desk_user_to_the_desk(client, lib):
    r = await login(client, lib.desk)
    assert r.status_code == 200 and str(r.url).endswith(f"/t/{lib.slug}/balie")
    assert "1. Over welke dienstverlener gaat de vraag?" in r.text


async def _desk(client, lib, **params):
    r = await client.get(f"/t/{lib.slug}/balie", params=params)
    assert r.status_code == 200, r.text
    return r


def _form(page_html: str, **fields) -> dict:
    import re

    key = re.search(r'name="key" value="([^"]+)"', page_html).group(1)
    visit = re.search(r'name="bezoek" value="([^"]+)"', page_html).group(1)
    location = re.search(r'name="locatie" value="([^"]+)"', page_html).group(1)
    return {"_csrf_token": csrf_of(page_html), "key": key, "bezoek": visit, "locatie": location, **fields}


async def register(client, lib, party="cbr", topic="cbr.rijbewijs_75", help_="wegwijzer", hx=True, **extra):
    step3 = await _desk(client, lib, partij=party, onderwerp=topic)
    form = _form(step3.text, partij=party, onderwerp=topic, hulp=help_, **extra)
    return await client.post(f"/t/{lib.slug}/balie/vragen", data=form, headers=HX if hx else None), form


async def test_three_taps_register_a_question_and_the_count_updates_from_the_write(client, container, lib):
    await login(client, lib.desk)
    step1 = await _desk(client, lib)
    assert 'name="partij" value="cbr"' in step1.text
    step2 = await client.get(f"/t/{lib.slug}/balie", params={"partij": "cbr"}, headers=HX)
    assert step2.text.lstrip().startswith('<section id="wizard"') and "<html" not in step2.text
    r, _ = await register(client, lib)
    assert r.status_code == 200, r.text
    assert "Vandaag geregistreerd: <strong>1</strong> vraag" in r.text and 'hx-swap-oob="true"' in r.text
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 1


async def test_the_desk_page_is_a_full_page_and_the_step_is_a_partial_for_htmx(client, lib):
    await login(client, lib.desk)
    full = await client.get(f"/t/{lib.slug}/balie", params={"partij": "logius"})
    assert full.text.startswith("<!doctype html>") and "2. Waar ging de vraag over?" in full.text
    part = await client.get(f"/t/{lib.slug}/balie", params={"partij": "logius"}, headers=HX)
    assert "<html" not in part.text and 'id="wizard"' in part.text and "DigiD" in part.text


async def test_without_javascript_a_registration_is_a_plain_post_and_redirect(client, container, lib):
    await login(client, lib.desk)
    r, _ = await register(client, lib, hx=False)
    assert r.status_code == 200 and "De vraag is geregistreerd." in r.text
    assert "Vandaag geregistreerd: <strong>1</strong> vraag" in r.text
    assert r.history and r.history[0].status_code == 303


async def test_a_double_click_registers_once(client, container, lib):
    await login(client, lib.desk)
    r1, form = await register(client, lib)
    r2 = await client.post(f"/t/{lib.slug}/balie/vragen", data=form, headers=HX)
    assert r1.status_code == r2.status_code == 200
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 1
    assert "Vandaag geregistreerd: <strong>1</strong> vraag" in r2.text


async def test_several_questions_for_one_visit_share_the_visit(client, container, lib):
    await login(client, lib.desk)
    _, first = await register(client, lib)
    step3 = await _desk(client, lib, partij="svb", onderwerp="svb.aow", bezoek=first["bezoek"])
    form = _form(step3.text, partij="svb", onderwerp="svb.aow", hulp="samen_gezocht")
    assert form["bezoek"] == first["bezoek"]
    await client.post(f"/t/{lib.slug}/balie/vragen", data=form, headers=HX)
    async with container.reader.platform() as conn:
        visits = (
            (
                await conn.execute(
                    text(
                        "SELECT DISTINCT data->>'visit_id' FROM events WHERE tenant_id = :t AND event_type = 'QuestionRegistered'"
                    ),
                    {"t": lib.tenant_id},
                )
            )
            .scalars()
            .all()
        )
    assert visits == [first["bezoek"]]


BAD_FIELDS = [
    ({"partij": "nasa"}, "Onbekende NPD-partij"),
    ({"onderwerp": "svb.aow"}, "hoort bij"),
    ({"hulp": "toveren"}, "Onbekende"),
    ({"tijdstip": "2099-01-01T10:00"}, "toekomst"),
    ({"tijdstip": "2019-01-01T10:00"}, "registreert pas vanaf"),
    ({"tijdstip": "gisteren"}, "geldige datum"),
    ({"notitie": "BSN 111222333"}, "burgerservicenummer"),
    ({"notitie": "mail naar jan.jansen@example.nl"}, "e-mailadres"),
    ({"notitie": "belt terug op 06-12345678"}, "telefoonnummer"),
    ({"notitie": "rekening NL91 ABNA 0417 1643 00"}, "IBAN"),
    ({"partner": "00000000-0000-0000-0000-000000000001", "hulp": "lokale_partner"}, "partner"),
]


@pytest.mark.parametrize("change, message", BAD_FIELDS)
async def test_bad_input_gets_a_dutch_message_and_stores_nothing(client, container, lib, change, message):
    await login(client, lib.desk)
    step3 = await _desk(client, lib, partij="cbr", onderwerp="cbr.rijbewijs_75")
    form = {**_form(step3.text, partij="cbr", onderwerp="cbr.rijbewijs_75", hulp="wegwijzer"), **change}
    r = await client.post(f"/t/{lib.slug}/balie/vragen", data=form, headers=HX)
    assert r.status_code == 422 and message in r.text and 'role="alert"' in r.text
    assert await count_events(container, lib.tenant_id) == 1  # only the IDO registration


async def test_an_oversized_body_is_refused_and_stores_nothing(client, container, lib):
    await login(client, lib.desk)
    step3 = await _desk(client, lib, partij="cbr", onderwerp="cbr.rijbewijs_75")
    form = _form(
        step3.text, partij="cbr", onderwerp="cbr.rijbewijs_75", hulp="wegwijzer", notitie="x" * 300_000
    )
    r = await client.post(f"/t/{lib.slug}/balie/vragen", data=form)
    assert r.status_code == 413 and "te groot" in r.text
    assert await count_events(container, lib.tenant_id) == 1


async def test_undo_removes_the_question_from_today_and_records_a_retraction(client, container, lib):
    await login(client, lib.desk)
    for _ in range(2):
        await register(client, lib)
    page = await _desk(client, lib)
    import re

    qid = re.search(r"/balie/vragen/([0-9a-f-]{36})/ongedaan", page.text).group(1)
    r = await client.post(
        f"/t/{lib.slug}/balie/vragen/{qid}/ongedaan",
        data={"_csrf_token": csrf_of(page.text), "locatie": str(lib.location_id)},
        headers=HX,
    )
    assert r.status_code == 200 and "Vandaag geregistreerd: <strong>1</strong> vraag" in r.text
    assert await count_events(container, lib.tenant_id, "QuestionRetracted") == 1
    again = await client.post(
        f"/t/{lib.slug}/balie/vragen/{qid}/ongedaan",
        data={"_csrf_token": csrf_of(page.text), "locatie": str(lib.location_id)},
        headers=HX,
    )
    assert again.status_code == 200 and "al ongedaan" in again.text
    assert await count_events(container, lib.tenant_id, "QuestionRetracted") == 1


async def test_a_correction_changes_the_question_and_keeps_its_time(client, container, lib):
    await login(client, lib.desk)
    await register(client, lib)
    page = await _desk(client, lib)
    import re

    qid = re.search(r"/balie/vragen/([0-9a-f-]{36})\"", page.text).group(1)
    form_page = await client.get(f"/t/{lib.slug}/balie/vragen/{qid}")
    assert form_page.status_code == 200 and "Vraag verbeteren" in form_page.text
    base = {
        "_csrf_token": csrf_of(form_page.text),
        "partij": "svb",
        "onderwerp": "svb.aow",
        "hulp": "samen_gezocht",
        "soort": "digitale_overheid",
        "kanaal": "telefoon",
    }
    bad = await client.post(
        f"/t/{lib.slug}/balie/vragen/{qid}", data={**base, "onderwerp": "cbr.rijbewijs_75"}
    )
    assert bad.status_code == 422 and await count_events(container, lib.tenant_id, "QuestionCorrected") == 0
    r = await client.post(f"/t/{lib.slug}/balie/vragen/{qid}", data=base)
    assert r.status_code == 200 and "SVB" in r.text
    assert await count_events(container, lib.tenant_id, "QuestionCorrected") == 1


async def test_a_tally_for_a_busy_hour_counts_n_questions(client, container, lib):
    await login(client, lib.desk)
    page = await client.get(f"/t/{lib.slug}/balie/telling")
    import re

    key = re.search(r'name="key" value="([^"]+)"', page.text).group(1)
    form = {
        "_csrf_token": csrf_of(page.text),
        "key": key,
        "locatie": str(lib.location_id),
        "partij": "belastingdienst",
        "aantal": "7",
        "soort": "digitale_overheid",
    }
    bad = await client.post(f"/t/{lib.slug}/balie/telling", data={**form, "aantal": "zeven"})
    assert bad.status_code == 422 and "heel getal" in bad.text
    r = await client.post(f"/t/{lib.slug}/balie/telling", data=form)
    assert r.status_code == 200 and "Vandaag geregistreerd: <strong>7</strong> vragen" in r.text
    assert "7 vragen geteld." in r.text and "De vraag is geregistreerd" not in r.text
    assert "Nog een vraag bij dit bezoek" not in r.text, "a tally is no visit"
    await client.post(f"/t/{lib.slug}/balie/telling", data=form)  # resubmitted form
    assert await count_events(container, lib.tenant_id, "QuestionsTallied") == 1


async def test_a_tally_may_say_how_many_visitors_asked_its_questions(client, container, lib):
    await login(client, lib.desk)
    page = await client.get(f"/t/{lib.slug}/balie/telling")
    assert 'name="bezoekers"' in page.text and "Aantal bezoekers" in page.text
    form = {
        "_csrf_token": csrf_of(page.text),
        "locatie": str(lib.location_id),
        "partij": "cbr",
        "aantal": "5",
        "soort": "digitale_overheid",
    }
    for visitors, message in (
        ("6", "van 1 tot en met 5: niet meer bezoekers dan vragen"),
        ("vier", "heel getal"),
    ):
        bad = await client.post(
            f"/t/{lib.slug}/balie/telling", data={**form, "key": str(uuid4()), "bezoekers": visitors}
        )
        assert bad.status_code == 422 and message in bad.text
        assert 'id="bezoekers"' in bad.text and 'aria-invalid="true"' in bad.text
    r = await client.post(
        f"/t/{lib.slug}/balie/telling", data={**form, "key": str(uuid4()), "bezoekers": "3"}
    )
    assert r.status_code == 200 and "5 vragen van 3 bezoekers geteld." in r.text
    async with container.reader.platform() as conn:
        stored = (
            (
                await conn.execute(
                    text(
                        "SELECT data->'what'->>'visitors' FROM events WHERE tenant_id = :t AND event_type = 'QuestionsTallied'"
                    ),
                    {"t": lib.tenant_id},
                )
            )
            .scalars()
            .all()
        )
    assert stored == ["3"]


async def test_baliemenu_shows_parties_with_websites_and_the_local_partners(client, lib):
    await login(client, lib.coordinator)
    page = await client.get(f"/t/{lib.slug}/partners/")
    r = await client.post(
        f"/t/{lib.slug}/partners/",
        data={
            "_csrf_token": csrf_of(page.text),
            "name": "Formulierenbrigade Noord",
            "kind": "formulierenbrigade",
            "phone": "088-1234567",
            "helps_with": "Formulieren invullen",
        },
    )
    assert r.status_code == 200 and "Formulierenbrigade Noord" in r.text
    menu = await client.get(f"/t/{lib.slug}/baliemenu")
    assert "https://www.cbr.nl" in menu.text and "Formulierenbrigade Noord" in menu.text


async def test_partners_are_kept_edited_and_refused_with_a_message(client, container, lib):
    await login(client, lib.coordinator)
    page = await client.get(f"/t/{lib.slug}/partners/")
    token = csrf_of(page.text)
    bad = await client.post(
        f"/t/{lib.slug}/partners/", data={"_csrf_token": token, "name": "", "kind": "welzijn"}
    )
    assert bad.status_code == 422 and "naam" in bad.text
    bad_kind = await client.post(
        f"/t/{lib.slug}/partners/", data={"_csrf_token": token, "name": "X", "kind": "maffia"}
    )
    assert bad_kind.status_code == 422
    await client.post(
        f"/t/{lib.slug}/partners/", data={"_csrf_token": token, "name": "Welzijn Zuid", "kind": "welzijn"}
    )
    [partner] = await _partners(container, lib)
    r = await client.post(
        f"/t/{lib.slug}/partners/{partner.partner_id}",
        data={"_csrf_token": token, "name": "Welzijn Zuid-Oost", "kind": "welzijn", "active": ""},
    )
    assert r.status_code == 200
    [changed] = await _partners(container, lib)
    assert changed.name == "Welzijn Zuid-Oost" and not changed.active


async def _partners(container, lib):
    from infra.platform.partners import Partners

    return await Partners(container.db).list(lib.tenant_id)


async def test_a_referral_names_the_partner_and_a_partner_of_another_library_is_refused(
    client, container, lib, lib_b
):
    from infra.platform.partners import Partners

    mine = await Partners(container.db).add(
        lib.tenant_id, {"name": "Sociaal raadslieden", "kind": "sociaal_raadslieden"}
    )
    theirs = await Partners(container.db).add(lib_b.tenant_id, {"name": "Elders", "kind": "welzijn"})
    await login(client, lib.desk)
    bad, _ = await register(client, lib, help_="lokale_partner", partner=str(theirs), warmte="warm")
    assert bad.status_code == 422
    ok, _ = await register(client, lib, help_="lokale_partner", partner=str(mine), warmte="warm")
    assert ok.status_code == 200
    async with container.reader.platform() as conn:
        partner = (
            await conn.execute(
                text(
                    "SELECT data->'what'->>'partner_id' FROM events WHERE tenant_id = :t AND event_type = 'QuestionRegistered'"
                ),
                {"t": lib.tenant_id},
            )
        ).scalar()
    assert partner == str(mine)


def _today_section(html: str) -> str:
    return html[html.index('<section id="today"') :]


async def test_today_is_what_was_asked_today_here_newest_first_and_backdated_entries_stand_apart(
    client, container, lib, clock
):
    """The clock is 08:00 on TODAY. Registered now: 08:00; backdated within today: 07:15 (entered after the
    08:00 one, listed below it); backdated to yesterday: apart, with its date, and not counted."""
    await login(client, lib.desk)
    await register(client, lib, party="cbr", topic="cbr.rijbewijs_75")
    await register(client, lib, party="svb", topic="svb.aow", tijdstip=f"{TODAY}T07:15")
    r, _ = await register(
        client, lib, party="duo", topic="duo.studiefinanciering", tijdstip=f"{YESTERDAY}T15:30"
    )
    assert r.status_code == 200, r.text
    today = _today_section(r.text)
    assert "Vandaag geregistreerd: <strong>2</strong> vragen" in today
    main, apart = today.split("Vandaag ingevoerd voor een andere dag")
    assert main.index("08:00") < main.index("07:15") and "CBR" in main and "SVB" in main and "DUO" not in main
    assert "DUO" in apart and f"{YESTERDAY.day} " in apart and "15:30" in apart and "Ongedaan maken" in apart

    # the next day: yesterday's entries are gone; nothing was entered today for another day
    clock.set(NOW + timedelta(days=1))
    await login(client, lib.desk)  # the session of yesterday has expired
    page = _today_section((await _desk(client, lib)).text)
    assert "Vandaag geregistreerd: <strong>0</strong> vragen" in page
    assert "andere dag" not in page


async def test_imported_questions_are_the_coordinators_the_desk_neither_corrects_nor_undoes_them(
    client, container, lib
):
    from domain import questions as q
    from tests.commands import handle

    cmd = q.RegisterQuestion(
        question_id=uuid4(),
        visit_id=uuid4(),
        location_id=lib.location_id,
        npd_party="svb",
        topic="svb.aow",
        help="wegwijzer",
        asked_at=NOW - timedelta(minutes=30),
    )
    backdated = msgspec.structs.replace(
        cmd, question_id=uuid4(), visit_id=uuid4(), asked_at=NOW - timedelta(days=60)
    )
    for c in (cmd, backdated):
        await handle(container, lib.tenant_id, c, {"actor": "x", "via": "import", "import": "abc"})
    await login(client, lib.desk)
    page = _today_section((await _desk(client, lib)).text)
    assert "Vandaag geregistreerd: <strong>1</strong> vraag" in page and "Uit een import" in page
    assert f"/balie/vragen/{cmd.question_id}/ongedaan" not in page and "andere dag" not in page

    undo = await client.post(
        f"/t/{lib.slug}/balie/vragen/{cmd.question_id}/ongedaan",
        data={"_csrf_token": csrf_of(page), "locatie": str(lib.location_id)},
        headers=HX,
    )
    assert "alleen de coördinator" in undo.text
    assert await count_events(container, lib.tenant_id, "QuestionRetracted") == 0

    await login(client, lib.coordinator)
    page = (await _desk(client, lib)).text
    undo = await client.post(
        f"/t/{lib.slug}/balie/vragen/{cmd.question_id}/ongedaan",
        data={"_csrf_token": csrf_of(page), "locatie": str(lib.location_id)},
        headers=HX,
    )
    assert undo.status_code == 200 and "De registratie is ongedaan gemaakt." in undo.text
    assert await count_events(container, lib.tenant_id, "QuestionRetracted") == 1


async def _question_id(client, lib) -> str:
    import re

    page = await _desk(client, lib)
    return re.search(r"/balie/vragen/([0-9a-f-]{36})\"", page.text).group(1)


async def _asked_at(container, lib, qid: str, event_type: str) -> str:
    async with container.reader.platform() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT data->'what'->>'asked_at' FROM events WHERE tenant_id = :t AND event_type = :e "
                    "AND data->>'question_id' = :q"
                ),
                {"t": lib.tenant_id, "e": event_type, "q": qid},
            )
        ).scalar()


def _options(html: str, select_id: str) -> list[str]:
    import re

    body = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', body)


async def test_a_correction_confirms_on_the_desk_and_offers_only_the_partys_topics(client, container, lib):
    from domain.catalogue import CATALOGUE

    await login(client, lib.desk)
    await register(client, lib)
    qid = await _question_id(client, lib)
    form_page = await client.get(f"/t/{lib.slug}/balie/vragen/{qid}")
    cbr = [t.code for t in CATALOGUE.party("cbr").topics]
    svb = [t.code for t in CATALOGUE.party("svb").topics]
    assert _options(form_page.text, "onderwerp") == cbr
    assert 'hx-get="/t/' + lib.slug + '/balie/onderwerpen"' in form_page.text
    # with JavaScript: changing the party swaps in that party's topics
    swapped = await client.get(f"/t/{lib.slug}/balie/onderwerpen", params={"partij": "svb"}, headers=HX)
    assert swapped.status_code == 200 and "<html" not in swapped.text
    assert _options(f'<select id="x">{swapped.text}</select>', "x") == svb
    unknown = await client.get(f"/t/{lib.slug}/balie/onderwerpen", params={"partij": "nasa"}, headers=HX)
    assert unknown.status_code == 200 and "<option" not in unknown.text
    # opened as a page (no htmx), the route lists the party's topics
    listed = await client.get(f"/t/{lib.slug}/balie/onderwerpen", params={"partij": "svb"})
    assert listed.text.startswith("<!doctype html>") and "<h1>Onderwerpen van SVB" in listed.text
    assert "<li>AOW</li>" in listed.text
    # without JavaScript: another party with the old topic is refused, and the form shows the new party's topics
    base = {
        "_csrf_token": csrf_of(form_page.text),
        "partij": "svb",
        "onderwerp": "cbr.rijbewijs_75",
        "hulp": "wegwijzer",
        "tijdstip": "2026-06-10T08:00",
    }
    bad = await client.post(f"/t/{lib.slug}/balie/vragen/{qid}", data=base)
    assert bad.status_code == 422 and "Kies een onderwerp van de gekozen dienstverlener" in bad.text
    assert _options(bad.text, "onderwerp") == svb and 'value="svb" selected' in bad.text
    assert await count_events(container, lib.tenant_id, "QuestionCorrected") == 0
    r = await client.post(f"/t/{lib.slug}/balie/vragen/{qid}", data={**base, "onderwerp": "svb.aow"})
    assert r.status_code == 200 and "De vraag is verbeterd." in r.text
    assert (
        r.history
        and r.history[0].status_code == 303
        and "melding=verbeterd" in r.history[0].headers["location"]
    )
    assert await count_events(container, lib.tenant_id, "QuestionCorrected") == 1


async def test_a_correction_can_change_the_date_and_time_within_the_rules_of_backdating(
    client, container, lib
):
    from datetime import time

    from domain.calendar import at_local
    from tests.clock import NOW, YESTERDAY

    await login(client, lib.desk)
    await register(client, lib)
    qid = await _question_id(client, lib)
    form_page = await client.get(f"/t/{lib.slug}/balie/vragen/{qid}")
    # prefilled with the time asked, in Dutch time (NOW is 08:00 in Amsterdam, 06:00 UTC)
    assert 'name="tijdstip" type="datetime-local" value="2026-06-10T08:00"' in form_page.text
    base = {
        "_csrf_token": csrf_of(form_page.text),
        "partij": "cbr",
        "onderwerp": "cbr.rijbewijs_75",
        "hulp": "wegwijzer",
    }
    for when, message in [
        ("2026-06-10T09:00", "toekomst"),
        ("2025-12-31T23:30", "registreert pas vanaf 01-01-2026"),
        ("gisteren", "geldige datum"),
    ]:
        bad = await client.post(f"/t/{lib.slug}/balie/vragen/{qid}", data={**base, "tijdstip": when})
        assert bad.status_code == 422 and message in bad.text, when
        assert f'value="{when}"' in bad.text and 'aria-invalid="true"' in bad.text
    assert await count_events(container, lib.tenant_id, "QuestionCorrected") == 0
    # the prefilled minute keeps the stored instant: nothing changed, nothing stored
    same = await client.post(
        f"/t/{lib.slug}/balie/vragen/{qid}", data={**base, "tijdstip": "2026-06-10T08:00"}
    )
    assert same.status_code == 200 and await count_events(container, lib.tenant_id, "QuestionCorrected") == 0
    r = await client.post(
        f"/t/{lib.slug}/balie/vragen/{qid}", data={**base, "tijdstip": f"{YESTERDAY}T15:30"}
    )
    assert r.status_code == 200 and "De vraag is verbeterd." in r.text
    from datetime import datetime

    moved = datetime.fromisoformat(await _asked_at(container, lib, qid, "QuestionCorrected"))
    assert moved == at_local(YESTERDAY, time(15, 30)) and moved < NOW


async def test_a_referral_names_a_partner_or_staat_er_niet_bij_while_the_library_has_partners(
    client, container, lib
):
    from infra.platform.partners import Partners

    await Partners(container.db).add(
        lib.tenant_id, {"name": "Sociaal raadslieden", "kind": "sociaal_raadslieden"}
    )
    await login(client, lib.desk)
    step3 = await _desk(client, lib, partij="cbr", onderwerp="cbr.rijbewijs_75")
    assert (
        _options(step3.text, "partner")[-1] == "niet-vermeld" and ">Staat er niet bij</option>" in step3.text
    )
    for hx in (True, False):
        bad, _ = await register(client, lib, help_="lokale_partner", hx=hx, warmte="koud")
        assert bad.status_code == 422 and "of &#39;Staat er niet bij&#39;." in bad.text
        assert '<details class="more" open>' in bad.text and 'aria-invalid="true"' in bad.text
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 0
    ok, _ = await register(client, lib, help_="lokale_partner", partner="niet-vermeld", warmte="koud")
    assert ok.status_code == 200
    qid = await _question_id(client, lib)
    async with container.reader.platform() as conn:
        what = (
            await conn.execute(
                text(
                    "SELECT data->'what' FROM events WHERE tenant_id = :t AND event_type = 'QuestionRegistered'"
                ),
                {"t": lib.tenant_id},
            )
        ).scalar()
    assert what["help"] == "lokale_partner" and what.get("partner_id") is None
    # the correction form keeps "Staat er niet bij"; choosing "Geen" for a referral is refused there too
    form_page = await client.get(f"/t/{lib.slug}/balie/vragen/{qid}")
    assert 'value="niet-vermeld" selected' in form_page.text
    fields = {
        "_csrf_token": csrf_of(form_page.text),
        "partij": "cbr",
        "onderwerp": "cbr.rijbewijs_75",
        "hulp": "lokale_partner",
        "kanaal": "telefoon",
        "warmte": "koud",
    }
    bad = await client.post(f"/t/{lib.slug}/balie/vragen/{qid}", data={**fields, "partner": ""})
    assert bad.status_code == 422 and "Staat er niet bij" in bad.text
    r = await client.post(f"/t/{lib.slug}/balie/vragen/{qid}", data={**fields, "partner": "niet-vermeld"})
    assert r.status_code == 200 and "De vraag is verbeterd." in r.text


async def test_without_partners_the_desk_offers_no_staat_er_niet_bij_and_a_referral_needs_none(
    client, container, lib
):
    await login(client, lib.desk)
    step3 = await _desk(client, lib, partij="cbr", onderwerp="cbr.rijbewijs_75")
    assert _options(step3.text, "partner") == [""]
    ok, _ = await register(client, lib, help_="lokale_partner", warmte="warm")
    assert ok.status_code == 200
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 1


async def test_a_library_without_an_ido_tells_desk_staff_to_ask_and_shows_the_coordinator_where_to_register(
    client, container
):
    suffix = secrets.token_hex(3)
    poi = f"poi-{suffix}"
    await container.accounts.create_poi(poi, f"POI {suffix}")
    slug = f"bieb-{suffix}"
    await container.accounts.create_tenant(slug, f"Bibliotheek {suffix}", poi)
    desk, coord = f"balie-{suffix}@test.example", f"coord-{suffix}@test.example"
    await container.accounts.create_user(desk, Role.DESK, tenant_slug=slug, password=PASSWORD)
    await container.accounts.create_user(coord, Role.COORDINATOR, tenant_slug=slug, password=PASSWORD)

    await login(client, desk)
    page = (await client.get(f"/t/{slug}/balie")).text
    assert "Vraag de coördinator om het IDO aan te melden." in page
    assert f'href="/t/{slug}/ido/' not in page
    await client.post("/logout", data={"_csrf_token": csrf_of(page)})

    await login(client, coord)
    page = (await client.get(f"/t/{slug}/balie")).text
    assert "Vraag de coördinator" not in page
    assert f'<a class="tap" href="/t/{slug}/ido/#plan-register-h">Meld het IDO aan</a>' in page


# --- issue 19: warm or cold referrals, and visitors sent by a partner ----------------------------------------


async def _what(container, lib) -> list[dict]:
    """The classification of every registration and correction of the library, oldest first."""
    async with container.reader.platform() as conn:
        rows = await conn.execute(
            text(
                "SELECT data->'what' FROM events WHERE tenant_id = :t "
                "AND event_type IN ('QuestionRegistered', 'QuestionCorrected') ORDER BY global_position"
            ),
            {"t": lib.tenant_id},
        )
        return [r[0] for r in rows.all()]


def _radios(html: str, name: str) -> list[tuple[str, bool]]:
    """The radio buttons of the wizard or the correction form (not of the page's templates for the offline desk)."""
    import re

    html = html.split("<template", 1)[0]
    found = re.findall(rf'<input type="radio" name="{name}" value="([^"]*)"([^>]*)>', html)
    return [(value, "checked" in rest) for value, rest in found]


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "no-javascript"])
async def test_a_referral_says_warm_or_cold_or_is_refused_in_dutch_with_nothing_stored(
    client, container, lib, hx
):
    await login(client, lib.desk)
    step3 = await _desk(client, lib, partij="cbr", onderwerp="cbr.rijbewijs_75")
    assert _radios(step3.text, "warmte") == [("warm", False), ("koud", False)]  # an explicit choice
    assert "Warm: contact gelegd" in step3.text and "Koud: adres meegegeven" in step3.text
    bad, form = await register(client, lib, help_="lokale_partner", hx=hx)
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    assert "Kies hoe is doorverwezen: warm (contact gelegd) of koud (adres meegegeven)." in bad.text
    assert '<details class="more" open>' in bad.text
    assert 'role="radiogroup" aria-labelledby="warmte-legend"\n            aria-invalid="true"' in bad.text
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 0
    # warm or cold with other help is refused as well
    other, _ = await register(client, lib, help_="wegwijzer", hx=hx, warmte="warm")
    assert other.status_code == 422 and "alleen bij" in other.text
    # the same form again with "warm" chosen: stored once, as warm
    ok = await client.post(
        f"/t/{lib.slug}/balie/vragen", data={**form, "warmte": "warm"}, headers=HX if hx else None
    )
    assert ok.status_code == 200 and "Vandaag geregistreerd: <strong>1</strong> vraag" in ok.text
    today = ok.text.split('<section id="today"')[1]
    assert '<td class="today-help">Doorverwezen naar lokale partner (warm)</td>' in today, (
        "the list says warm"
    )
    if not hx:
        assert ok.history and ok.history[0].status_code == 303
    [what] = await _what(container, lib)
    assert (what["help"], what["warmth"], what["referred_by_partner_id"]) == ("lokale_partner", "warm", None)


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "no-javascript"])
async def test_a_visitor_sent_by_a_partner_is_chosen_on_the_first_step_and_kept_through_the_next_two(
    client, container, lib, lib_b, hx
):
    """Plain GET forms: the first step's "Doorverwezen door" (closed: "Nee") goes with the party, the next steps
    keep it as a hidden field and say so, the links back keep it too; the registration records the partner."""
    from infra.platform.partners import Partners

    taal = await Partners(container.db).add(lib.tenant_id, {"name": "Taalhuis Oost", "kind": "taalhuis"})
    theirs = await Partners(container.db).add(lib_b.tenant_id, {"name": "Elders", "kind": "welzijn"})
    await login(client, lib.desk)
    headers = HX if hx else None
    step1 = await client.get(f"/t/{lib.slug}/balie", headers=headers)
    assert '<details class="more referred-by">' in step1.text
    assert _radios(step1.text, "door") == [("", True), (str(taal), False), ("niet-vermeld", False)]
    step2 = await client.get(
        f"/t/{lib.slug}/balie", params={"partij": "svb", "door": str(taal)}, headers=headers
    )
    assert f'<input type="hidden" name="door" value="{taal}">' in step2.text
    assert "Doorverwezen door Taalhuis Oost." in step2.text and f"&amp;door={taal}" in step2.text
    params = {"partij": "svb", "onderwerp": "svb.aow", "door": str(taal)}
    step3 = await client.get(f"/t/{lib.slug}/balie", params=params, headers=headers)
    assert f'<input type="hidden" name="door" value="{taal}">' in step3.text
    assert "Doorverwezen door Taalhuis Oost." in step3.text
    form = _form(step3.text, partij="svb", onderwerp="svb.aow", hulp="samen_gezocht", door=str(taal))
    r = await client.post(f"/t/{lib.slug}/balie/vragen", data=form, headers=headers)
    assert r.status_code == 200 and "Vandaag geregistreerd: <strong>1</strong> vraag" in r.text
    today = r.text.split('<section id="today"')[1]
    assert '<span class="sub today-door">Doorverwezen door Taalhuis Oost</span>' in today, (
        "the list says who sent"
    )
    [what] = await _what(container, lib)
    assert (what["referred_by_partner_id"], what["referred_by_unlisted"]) == (str(taal), False)
    assert (what["help"], what["warmth"]) == ("samen_gezocht", None)
    # "een partner die er niet bij staat" the same way; a partner of another library is not kept, nor stored
    step3 = await client.get(
        f"/t/{lib.slug}/balie", params={**params, "door": "niet-vermeld"}, headers=headers
    )
    assert "Doorverwezen door een partner die er niet bij staat." in step3.text
    other = await client.get(f"/t/{lib.slug}/balie", params={**params, "door": str(theirs)}, headers=headers)
    assert 'name="door" value' not in other.text.split('<section id="wizard"')[1].split("</section>")[0]
    form = _form(step3.text, partij="svb", onderwerp="svb.aow", hulp="wegwijzer", door="niet-vermeld")
    assert (await client.post(f"/t/{lib.slug}/balie/vragen", data=form, headers=headers)).status_code == 200
    step3 = await client.get(f"/t/{lib.slug}/balie", params=params, headers=headers)  # a new key
    bad = _form(step3.text, partij="svb", onderwerp="svb.aow", hulp="wegwijzer", door=str(theirs))
    refused = await client.post(f"/t/{lib.slug}/balie/vragen", data=bad, headers=headers)
    assert refused.status_code == 422 and "niet bekend bij uw bibliotheek" in refused.text
    whats = await _what(container, lib)
    assert len(whats) == 2 and whats[1]["referred_by_unlisted"] is True


async def test_a_warm_referral_of_a_visitor_sent_by_a_partner_in_four_taps_and_five_fields(
    client, container, lib
):
    """Sent by one partner and referred on to another, warm, through the desk's forms as the browser posts them."""
    from infra.platform.partners import Partners

    welzijn = await Partners(container.db).add(lib.tenant_id, {"name": "Welzijn", "kind": "welzijn"})
    raad = await Partners(container.db).add(
        lib.tenant_id, {"name": "Raadslieden", "kind": "sociaal_raadslieden"}
    )
    await login(client, lib.desk)
    r, _ = await register(
        client, lib, help_="lokale_partner", partner=str(raad), warmte="warm", door=str(welzijn)
    )
    assert r.status_code == 200
    [what] = await _what(container, lib)
    assert (what["partner_id"], what["warmth"], what["referred_by_partner_id"]) == (
        str(raad),
        "warm",
        str(welzijn),
    )


async def test_the_correction_form_shows_and_changes_warmth_and_sender_and_keeps_not_recorded_of_before(
    client, container, lib
):
    """A referral stored before warm or cold was asked shows "Niet vastgelegd", which saving keeps; a partner
    that sent the visitor can be added; without JavaScript (a plain post and redirect)."""
    from domain import questions as q
    from infra.platform.partners import Partners

    welzijn = await Partners(container.db).add(lib.tenant_id, {"name": "Welzijn", "kind": "welzijn"})
    old = q.QuestionRegistered(
        question_id=uuid4(),
        visit_id=uuid4(),
        what=q.Classification(
            location_id=lib.location_id,
            asked_at=NOW - timedelta(minutes=5),
            kind="digitale_overheid",
            npd_party="cbr",
            topic="cbr.rijbewijs_75",
            help="lokale_partner",
            channel="balie",
        ),
        catalogue_version="2026.1",
    )
    from domain.ports import NewEvent

    await container.events.append(lib.tenant_id, q.stream_id(old.question_id), [NewEvent(uuid4(), old)], 0)
    await login(client, lib.desk)
    url = f"/t/{lib.slug}/balie/vragen/{old.question_id}"
    page = await client.get(url)
    assert _radios(page.text, "warmte") == [("warm", False), ("koud", False), ("onbekend", True)]
    assert _options(page.text, "door") == ["", str(welzijn), "niet-vermeld"]
    fields = {
        "_csrf_token": csrf_of(page.text),
        "partij": "cbr",
        "onderwerp": "cbr.rijbewijs_75",
        "hulp": "lokale_partner",
        "partner": "niet-vermeld",
        "warmte": "onbekend",
        "tijdstip": "",
    }
    same = await client.post(url, data=fields)
    assert same.status_code == 200 and "De vraag is verbeterd." in same.text
    assert await count_events(container, lib.tenant_id, "QuestionCorrected") == 0  # nothing changed
    missing = await client.post(url, data={**fields, "warmte": ""})
    assert missing.status_code == 422 and "Kies hoe is doorverwezen" in missing.text
    r = await client.post(url, data={**fields, "warmte": "koud", "door": str(welzijn)})
    assert r.status_code == 200 and r.history[0].status_code == 303
    [_, corrected] = await _what(container, lib)
    assert (corrected["warmth"], corrected["referred_by_partner_id"]) == ("koud", str(welzijn))
    again = await client.get(url)
    assert _radios(again.text, "warmte") == [("warm", False), ("koud", True)]  # no "Niet vastgelegd" any more
    assert f'<option value="{welzijn}" selected>' in again.text
