"""The desk over HTTP: pages, partials for HTMX, registration, undo, correction, tallies and refusals."""

from __future__ import annotations

from sqlalchemy import text

from tests.e2e.conftest import csrf_of, login

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
