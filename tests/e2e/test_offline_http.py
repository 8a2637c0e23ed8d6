"""A question the browser kept while the server did not answer, over HTTP (docs/offline.md): the instant it was
asked on the device (`gevraagd`) within the limits, Dutch refusals outside them, the user who entered it, a
second sending that stores nothing twice; the service worker and the web app manifest."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import text

from domain.calendar import at_local
from tests.clock import NOW, TODAY, YEAR
from tests.e2e.conftest import login
from tests.e2e.test_desk_http import HX, _desk, _form, count_events


async def asked_at(container, tenant_id) -> list[datetime]:
    async with container.reader.platform() as conn:
        rows = await conn.execute(
            text(
                "SELECT data->'what'->>'asked_at' FROM events WHERE tenant_id = :t "
                "AND event_type = 'QuestionRegistered' ORDER BY global_position"
            ),
            {"t": tenant_id},
        )
        return [datetime.fromisoformat(v) for v in rows.scalars()]


def user_of(html: str) -> str:
    return re.search(r'id="outbox"[^>]*data-user="([^"]+)"', html).group(1)


async def kept(client, lib, **fields):
    """Send a question as static/desk-offline.js sends a kept one: the step-3 form's fields and a key, plus
    `gevraagd` and `gebruiker` (unless given otherwise)."""
    page = await _desk(client, lib, partij="cbr", onderwerp="cbr.rijbewijs_75")
    form = _form(page.text, partij="cbr", onderwerp="cbr.rijbewijs_75", hulp="wegwijzer")
    form["gebruiker"] = user_of(page.text)
    form.update(fields)
    form = {k: v for k, v in form.items() if v is not None}
    return await client.post(f"/t/{lib.slug}/balie/vragen", data=form, headers=HX), form


async def test_a_kept_question_is_stored_with_the_instant_the_device_stamped(client, container, lib):
    await login(client, lib.desk)
    device = NOW - timedelta(minutes=47, seconds=12, milliseconds=345)
    r, _ = await kept(client, lib, gevraagd=device.astimezone(UTC).isoformat().replace("+00:00", "Z"))
    assert r.status_code == 200, r.text
    assert "Vandaag geregistreerd: <strong>1</strong> vraag" in r.text
    r, _ = await kept(client, lib, gevraagd=device.isoformat())  # an offset instead of Z: the same instant
    assert r.status_code == 200, r.text
    assert await asked_at(container, lib.tenant_id) == [device, device]


CLOCK_AHEAD = "ligt in de toekomst: loopt de klok van dit apparaat voor? Zet de klok goed"


@pytest.mark.parametrize(
    ("device", "message"),
    [
        ((NOW + timedelta(minutes=2, seconds=1)).isoformat(), CLOCK_AHEAD),
        ((NOW + timedelta(days=3)).isoformat(), CLOCK_AHEAD),
        (
            at_local(TODAY.replace(year=YEAR - 1, month=12, day=31), time(16)).isoformat(),
            "pas vanaf 01-01-2026",
        ),
        ("2026-06-10T07:00:00", "mist de tijdzone"),
        ("gisteren om vier uur", "geen geldig tijdstip"),
        ("2026-06-10T07:00:00+02:00" + "0" * 40, "geen geldig tijdstip"),
    ],
)
async def test_an_asked_at_outside_the_limits_is_refused_in_dutch_and_stores_nothing(
    client, container, lib, device, message
):
    await login(client, lib.desk)
    r, _ = await kept(client, lib, gevraagd=device)
    assert r.status_code == 422, r.text
    assert message in r.text and 'id="wizard-error"' in r.text
    assert await count_events(container, lib.tenant_id) == 1  # the IDO's registration only


async def test_the_limits_are_the_clock_skew_ahead_and_the_first_day_of_the_subsidy_year(
    client, container, lib
):
    await login(client, lib.desk)
    first_day = at_local(TODAY.replace(month=1, day=1), time(0))
    for device in (NOW + timedelta(minutes=2), first_day):
        r, _ = await kept(client, lib, gevraagd=device.isoformat())
        assert r.status_code == 200, r.text
    assert await asked_at(container, lib.tenant_id) == [NOW + timedelta(minutes=2), first_day]


async def test_a_time_filled_in_on_the_form_wins_over_the_device_instant(client, container, lib):
    await login(client, lib.desk)
    r, _ = await kept(client, lib, gevraagd=NOW.isoformat(), tijdstip=f"{TODAY.isoformat()}T07:15")
    assert r.status_code == 200, r.text
    assert await asked_at(container, lib.tenant_id) == [at_local(TODAY, time(7, 15))]


async def test_a_question_entered_by_another_user_is_not_sent_under_this_one(client, container, lib):
    await login(client, lib.desk)
    r, _ = await kept(client, lib, gevraagd=NOW.isoformat(), gebruiker=str(uuid4()))
    assert r.status_code == 409
    assert "ingevoerd door een andere gebruiker" in r.text
    assert await count_events(container, lib.tenant_id, "QuestionRegistered") == 0


async def test_sent_again_a_kept_question_is_stored_once(client, container, lib):
    """Twice with the same key and instant (an answer lost on the way); and a question whose first sending was
    the form's own (without `gevraagd`, stored at the server's time) and then again from the outbox."""
    await login(client, lib.desk)
    device = NOW - timedelta(minutes=5)
    first, form = await kept(client, lib, gevraagd=device.isoformat())
    again = await client.post(f"/t/{lib.slug}/balie/vragen", data=form, headers=HX)
    assert first.status_code == again.status_code == 200, again.text

    plain, form = await kept(client, lib, gevraagd=None, gebruiker=None)
    assert plain.status_code == 200, plain.text
    resent = await client.post(
        f"/t/{lib.slug}/balie/vragen",
        data={**form, "gevraagd": device.isoformat(), "gebruiker": user_of((await _desk(client, lib)).text)},
        headers=HX,
    )
    assert resent.status_code == 200, resent.text
    assert "Vandaag geregistreerd: <strong>2</strong> vragen" in resent.text
    assert await asked_at(container, lib.tenant_id) == [device, NOW]

    # the form's own second sending with other data is still refused: only a kept question counts as stored
    other = await client.post(
        f"/t/{lib.slug}/balie/vragen", data={**form, "hulp": "samen_gezocht"}, headers=HX
    )
    assert other.status_code == 422 and "al gebruikt" in other.text


async def test_the_desk_page_carries_what_the_offline_script_needs(client, lib):
    await login(client, lib.desk)
    page = (await _desk(client, lib)).text
    catalogue = json.loads(
        re.search(r'<script type="application/json" id="desk-catalogue">(.*?)</script>', page).group(1)
    )
    assert catalogue["zone"] == "Europe/Amsterdam"
    assert [p["code"] for p in catalogue["parties"]][:1] == ["belastingdienst"]
    assert '<template id="desk-details">' in page and 'id="outbox-status"' in page
    assert re.fullmatch(r"[0-9a-f-]{36}", user_of(page))
    assert (
        f'<link rel="manifest" href="/t/{lib.slug}/balie/app.webmanifest" crossorigin="use-credentials">'
        in page
    )
    assert '<script src="/static/desk-offline.js" defer></script>' in page


async def test_the_service_worker_is_served_from_the_root_with_the_security_headers(client):
    r = await client.get("/sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert 'self.addEventListener("fetch"' in r.text


async def test_the_manifest_is_the_desks_and_needs_a_login(client, lib):
    r = await client.get(f"/t/{lib.slug}/balie/app.webmanifest", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    await login(client, lib.desk)
    r = await client.get(f"/t/{lib.slug}/balie/app.webmanifest")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/manifest+json")
    m = r.json()
    assert m["start_url"] == f"/t/{lib.slug}/balie" and m["display"] == "standalone" and m["lang"] == "nl"
    for icon in m["icons"]:
        assert (await client.get(icon["src"])).status_code == 200
