"""The sociaal-educatieve kaart over HTTP: partner entries with their topics, where and when, how to refer, the
link to HetInformatiepunt.nl / G!DS and the date of the last check; refusals in Dutch; the entries older than
six months; the baliemenu's partners per topic; and the desk's DigiD hint."""

from __future__ import annotations

from datetime import date

from infra.platform.partners import Partners
from tests.clock import TODAY
from tests.e2e.conftest import csrf_of, login

HX = {"HX-Request": "true"}


async def _add(client, lib, **fields):
    page = await client.get(f"/t/{lib.slug}/partners/")
    data = {"_csrf_token": csrf_of(page.text), "kind": "formulierenbrigade", **fields}
    return await client.post(f"/t/{lib.slug}/partners/", data=data, headers=HX)


async def test_a_partner_entry_holds_topics_where_when_how_to_refer_and_its_gids_link(client, container, lib):
    await login(client, lib.coordinator)
    r = await _add(
        client,
        lib,
        name="Formulierenbrigade Noord",
        topics=["uwv.ww", "belastingdienst"],
        address="Dorpsstraat 1, Noorddorp",
        hours="dinsdag 9.00–12.00 uur",
        referral_ways=["telefoon", "inloop"],
        professional_phone="030 765 4321",
        phone="030 123 4567",
        website="https://formulierenbrigade.example.nl",
        gids_url="https://www.hetinformatiepunt.nl/locaties/formulierenbrigade-noord",
    )
    assert r.status_code == 200, r.text
    assert "Formulierenbrigade Noord is toegevoegd." in r.text
    [p] = await Partners(container.db).list(lib.tenant_id)
    assert p.topics == ("belastingdienst", "uwv.ww") and p.referral_ways == ("telefoon", "inloop")
    assert p.checked_on == TODAY, "a new entry was checked when it was entered"
    assert "UWV (Uitvoeringsinstituut Werknemersverzekeringen) – WW-uitkering" in r.text
    assert "Belastingdienst (alle onderwerpen)" in r.text
    assert "Bellen via de telefoonlijn voor professionals" in r.text and "030 765 4321" in r.text
    assert 'href="https://www.hetinformatiepunt.nl/locaties/formulierenbrigade-noord"' in r.text
    assert "Controleren:" not in r.text


async def test_links_phone_numbers_and_the_line_for_professionals_are_refused_with_a_dutch_message(
    client, lib
):
    await login(client, lib.coordinator)
    http = await _add(client, lib, name="Welzijn", website="http://welzijn.example.nl")
    assert http.status_code == 422 and "Een link begint met https://" in http.text
    assert 'id="website"' in http.text and 'aria-invalid="true"' in http.text
    gids = await _add(client, lib, name="Welzijn", gids_url="hetinformatiepunt.nl/welzijn")
    assert gids.status_code == 422 and "https://" in gids.text
    phone = await _add(client, lib, name="Welzijn", phone="12345")
    assert phone.status_code == 422 and "Nederlands telefoonnummer" in phone.text
    line = await _add(client, lib, name="Welzijn", referral_ways=["telefoon"])
    assert line.status_code == 422 and "vul dat telefoonnummer in" in line.text
    topic = await _add(client, lib, name="Welzijn", topics=["uwv.bestaat_niet"])
    assert topic.status_code == 422 and "Onbekend onderwerp" in topic.text
    future = await _add(client, lib, name="Welzijn", checked_on="2026-06-11")
    assert future.status_code == 422 and "in de toekomst" in future.text
    assert "Welzijn" in future.text and 'value="Welzijn"' in future.text, "what was typed is kept"


async def test_entries_older_than_six_months_stand_out_until_the_coordinator_marks_them_checked(
    client, container, lib
):
    partners = Partners(container.db)
    old = await partners.add(
        lib.tenant_id,
        {"name": "Sociaal raadslieden", "kind": "sociaal_raadslieden", "checked_on": "2025-12-09"},
    )
    recent = await partners.add(
        lib.tenant_id, {"name": "Taalhuis", "kind": "taalhuis", "checked_on": "2025-12-10"}
    )
    await login(client, lib.coordinator)
    page = await client.get(f"/t/{lib.slug}/partners/")
    due = page.text[page.text.index("pk-due") : page.text.index("</ul>", page.text.index("pk-due"))]
    assert "1 vermelding is ouder dan 6 maanden" in due
    assert (
        "Sociaal raadslieden: laatst gecontroleerd op dinsdag 9 december 2025" in due
        and "Taalhuis" not in due
    )
    r = await client.post(
        f"/t/{lib.slug}/partners/{old}/gecontroleerd", data={"_csrf_token": csrf_of(page.text)}, headers=HX
    )
    assert r.status_code == 200 and "De controle van vandaag is vastgelegd." in r.text
    assert "Controleren:" not in r.text
    assert (await partners.get(lib.tenant_id, old)).checked_on == TODAY
    assert (await partners.get(lib.tenant_id, recent)).checked_on == date(2025, 12, 10)
    plain = await client.post(
        f"/t/{lib.slug}/partners/{old}/gecontroleerd",
        data={"_csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert plain.status_code == 303 and plain.headers["location"].endswith("melding=gecontroleerd")


async def test_editing_keeps_the_topics_and_a_cleared_check_date_makes_the_entry_due(client, container, lib):
    partners = Partners(container.db)
    pid = await partners.add(
        lib.tenant_id, {"name": "Welzijn Oost", "kind": "welzijn", "topics": ["svb.aow"]}, TODAY
    )
    await login(client, lib.coordinator)
    form = await client.get(f"/t/{lib.slug}/partners/{pid}")
    assert 'value="svb.aow" checked' in form.text and f'value="{TODAY.isoformat()}"' in form.text
    r = await client.post(
        f"/t/{lib.slug}/partners/{pid}",
        data={
            "_csrf_token": csrf_of(form.text),
            "name": "Welzijn Oost",
            "kind": "welzijn",
            "active": "1",
            "topics": ["svb.aow", "svb.anw"],
            "checked_on": "",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    p = await partners.get(lib.tenant_id, pid)
    assert p.topics == ("svb.aow", "svb.anw") and p.checked_on is None and p.stale(TODAY)


async def test_the_baliemenu_shows_the_partners_that_help_with_the_chosen_topic(
    client, container, lib, lib_b
):
    partners = Partners(container.db)
    await partners.add(
        lib.tenant_id,
        {"name": "Formulierenbrigade", "kind": "formulierenbrigade", "topics": ["belastingdienst"]},
    )
    await partners.add(lib.tenant_id, {"name": "Werkplein", "kind": "gemeente", "topics": ["uwv.ww"]})
    await partners.add(lib_b.tenant_id, {"name": "Elders", "kind": "welzijn", "topics": ["belastingdienst"]})
    await login(client, lib.desk)
    menu = await client.get(f"/t/{lib.slug}/baliemenu", params={"onderwerp": "belastingdienst.toeslagen"})
    assert menu.status_code == 200
    found = menu.text[menu.text.index('id="menu-found-h"') : menu.text.index("Publieke dienstverleners")]
    assert "Toeslagen" in found and "Formulierenbrigade" in found
    assert "Werkplein" not in found and "Elders" not in menu.text
    assert "Mijn toeslagen" in found
    none = await client.get(f"/t/{lib.slug}/baliemenu", params={"onderwerp": "cbr.examen"})
    assert "Geen van uw lokale partners helpt met dit onderwerp." in none.text
    bad = await client.get(f"/t/{lib.slug}/baliemenu", params={"onderwerp": "cbr.vliegbrevet"})
    assert bad.status_code == 422 and "Dit onderwerp staat niet in de catalogus" in bad.text


async def test_a_topic_that_needs_a_digid_login_shows_the_desk_a_hint_to_refer_with_the_matching_partners(
    client, container, lib
):
    partners = Partners(container.db)
    await partners.add(
        lib.tenant_id,
        {
            "name": "Werkplein",
            "kind": "gemeente",
            "topics": ["uwv"],
            "referral_ways": ["telefoon"],
            "professional_phone": "030 111 2233",
        },
    )
    await partners.add(lib.tenant_id, {"name": "Taalhuis", "kind": "taalhuis", "topics": ["cbr.examen"]})
    gone = await partners.add(lib.tenant_id, {"name": "Gestopt", "kind": "welzijn", "topics": ["uwv.wia"]})
    await partners.update(
        lib.tenant_id, gone, {"name": "Gestopt", "kind": "welzijn", "topics": ["uwv.wia"]}, False
    )
    await login(client, lib.desk)
    step3 = await client.get(
        f"/t/{lib.slug}/balie", params={"partij": "uwv", "onderwerp": "uwv.wia"}, headers=HX
    )
    assert "Inloggen met DigiD: verwijs door" in step3.text and "Mijn UWV" in step3.text
    hint = step3.text[
        step3.text.index("digid-hint") : step3.text.index("</div>", step3.text.index("digid-hint"))
    ]
    assert "Werkplein" in hint and "030 111 2233" in hint
    assert "Taalhuis" not in hint and "Gestopt" not in hint, "only active partners for this topic"
    no_hint = await client.get(f"/t/{lib.slug}/balie", params={"partij": "cbr", "onderwerp": "cbr.examen"})
    assert "Inloggen met DigiD" not in no_hint.text
    step2 = await client.get(f"/t/{lib.slug}/balie", params={"partij": "uwv"})
    assert "Inloggen met DigiD" not in step2.text
