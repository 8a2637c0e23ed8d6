"""The gemeente of an IDO location over HTTP: the planning forms set and change it (a code not in the list is a
Dutch 422 that stores nothing), the form's default from the library's municipalities, and the POI's and the KB's
boards, which filter their list of IDOs by province, POI and gemeente and show every IDO of the board per gemeente
with small cells hidden."""

from __future__ import annotations

import re
import secrets
from datetime import time, timedelta
from uuid import UUID, uuid4

from sqlalchemy import text

from domain import ido
from domain import questions as q
from domain.accounts import Role
from domain.calendar import at_local
from tests.clock import TODAY, YESTERDAY
from tests.commands import handle
from tests.e2e.conftest import login, make_library
from tests.e2e.test_planning_http import HX, command, coordinator, count_events, project, user

GEMEENTE_ERROR = "Deze gemeentecode staat niet in de lijst van gemeenten (2025)."


def register_form(token: str, location_id: UUID, **fields) -> dict:
    return {
        "_csrf_token": token,
        "location_id": str(location_id),
        "name": f"IDO Wijkpunt {secrets.token_hex(2)}",
        "branch": "Wijkpunt",
        "variant": "basis",
        "inside_library": "nee",
        "subsidy_year": str(TODAY.year),
        "planned_opening": (TODAY + timedelta(days=30)).isoformat(),
        **fields,
    }


async def stored(container, tenant_id: UUID, location_id: UUID) -> ido.Ido:
    recorded = await container.events.read_stream(tenant_id, ido.stream_id(location_id))
    return ido.fold(location_id, [r.event for r in recorded])


async def test_the_coordinator_registers_an_ido_in_a_gemeente_chosen_by_province(client, container, lib):
    token = await coordinator(client, lib)
    page = (await client.get(f"/t/{lib.slug}/ido/")).text
    select = re.search(r'<select id="plan-gemeente" name="gemeente".*?</select>', page, re.S).group(0)
    assert '<optgroup label="Fryslân">' in select and '<option value="GM0080">Leeuwarden</option>' in select
    assert len(re.findall(r"<option value=\"GM\d{4}\"", select)) == 342
    location_id = uuid4()
    r = await client.post(
        f"/t/{lib.slug}/ido/",
        data=register_form(token, location_id, gemeente="GM0080"),
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    state = await stored(container, lib.tenant_id, location_id)
    assert (state.gemeente, state.gemeente_list, state.inside_library) == ("GM0080", "2025", False)
    shown = (await client.get(r.headers["location"])).text
    assert "Leeuwarden" in shown and "CBS-code GM0080" in shown
    assert "gemeente Leeuwarden (GM0080, Fryslân)" in shown  # the history
    listed = (await client.get(f"/t/{lib.slug}/ido/")).text
    assert "<td>Leeuwarden</td>" in listed and "<td>Geen gemeente opgegeven</td>" in listed


async def test_a_gemeente_code_not_in_the_list_is_a_dutch_422_and_nothing_is_stored(client, container, lib):
    token = await coordinator(client, lib)
    location_id = uuid4()
    for headers in (None, HX):
        r = await client.post(
            f"/t/{lib.slug}/ido/", data=register_form(token, location_id, gemeente="GM9999"), headers=headers
        )
        assert r.status_code == 422 and GEMEENTE_ERROR in r.text
        assert re.search(r'<select id="plan-gemeente" name="gemeente"[^>]*aria-invalid="true"', r.text)
    assert await count_events(container, lib.tenant_id, location_id) == 0
    for headers in (False, True):
        r = await command(client, lib, lib.location_id, "gemeente", token, hx=headers, gemeente="GM9999")
        assert r.status_code == 422 and GEMEENTE_ERROR in r.text
        r = await command(client, lib, lib.location_id, "gemeente", token, hx=headers, gemeente="")
        assert r.status_code == 422 and "Kies de gemeente waarin het IDO ligt." in r.text
    assert await count_events(container, lib.tenant_id, lib.location_id) == 1  # the registration only


async def test_the_gemeente_of_a_location_is_set_and_changed_with_and_without_htmx(client, container, lib):
    token = await coordinator(client, lib)
    page = (await client.get(f"/t/{lib.slug}/ido/{lib.location_id}")).text
    assert "Geen gemeente opgegeven" in page and "Gemeente opgeven" in page
    r = await command(client, lib, lib.location_id, "gemeente", token, gemeente="GM0363")
    assert r.status_code == 303 and r.headers["location"].endswith("?melding=gemeente#plan-status")
    page = (await client.get(r.headers["location"])).text
    assert (
        "De gemeente is opgeslagen." in page
        and "Gemeente vastgelegd: Amsterdam (GM0363, Noord-Holland)" in page
    )
    assert '<option value="GM0363" selected>Amsterdam</option>' in page
    r = await command(client, lib, lib.location_id, "gemeente", token, hx=True, gemeente="GM1992")
    assert r.status_code == 200 and 'id="plan-status"' in r.text and "Voorne aan Zee" in r.text
    assert "<html" not in r.text
    state = await stored(container, lib.tenant_id, lib.location_id)
    assert (state.gemeente, state.version) == ("GM1992", 3)
    again = await command(client, lib, lib.location_id, "gemeente", token, gemeente="GM1992")
    assert again.status_code == 303 and (await stored(container, lib.tenant_id, lib.location_id)).version == 3


async def test_the_form_proposes_the_one_gemeente_the_library_names(client, container, lib):
    async def proposed(names: list[str]) -> list[str]:
        async with container.db.platform() as conn:
            await conn.execute(
                text("UPDATE tenants SET municipalities = :m WHERE tenant_id = :t"),
                {"m": names, "t": lib.tenant_id},
            )
        page = (await client.get(f"/t/{lib.slug}/ido/")).text
        select = re.search(r'<select id="plan-gemeente".*?</select>', page, re.S).group(0)
        return re.findall(r'<option value="(GM\d{4})" selected>', select)

    await coordinator(client, lib)
    assert await proposed(["Leeuwarden", "Nergenshuizen"]) == ["GM0080"]
    assert await proposed(["Den Haag"]) == ["GM0518"]
    assert await proposed(["Leeuwarden", "Harlingen"]) == []
    assert await proposed([]) == []


# --- the boards


async def tally(container, tenant_id: UUID, location_id: UUID, count: int, visitors: int) -> None:
    cmd = q.TallyQuestions(
        question_id=uuid4(),
        location_id=location_id,
        hour_start=at_local(YESTERDAY, time(10)),
        npd_party="cbr",
        count=count,
        visitors=visitors,
    )
    await handle(container, tenant_id, cmd)


def locations_table(html: str) -> str:
    return re.search(r'<div id="plan-board-locations">.*?</div>', html, re.S).group(0)


def gemeente_rows(html: str) -> dict[str, list[str]]:
    table = re.search(r'<caption id="plan-gemeenten-caption">.*?</table>', html, re.S).group(0)
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th>(.*?)</tr>', table, re.S)
    return {label: re.findall(r"<td>([^<]*)</td>", cells) for label, cells in rows}


async def test_the_boards_filter_by_province_poi_and_gemeente_and_count_per_gemeente(
    client, container, settings
):
    suffix = secrets.token_hex(3)
    poi_slug = f"poi-gemeente-{suffix}"
    await container.accounts.create_poi(poi_slug, f"POI Gemeente {suffix}")
    friesland, utrecht = await make_library(container, poi_slug), await make_library(container, poi_slug)
    async with container.db.platform() as conn:
        await conn.execute(
            text("UPDATE tenants SET province = 'Utrecht' WHERE tenant_id = :t"), {"t": utrecht.tenant_id}
        )
    await handle(
        container, friesland.tenant_id, ido.SetGemeente(location_id=friesland.location_id, gemeente="GM0080")
    )
    outside = uuid4()
    await handle(
        container,
        friesland.tenant_id,
        ido.RegisterIdo(
            tenant_id=friesland.tenant_id,
            location_id=outside,
            name=f"IDO Stadsloket {suffix}",
            branch="Stadsloket",
            variant=ido.Variant.BASIS,
            inside_library=False,
            subsidy_year=TODAY.year,
            planned_opening=TODAY + timedelta(days=20),
            gemeente="GM0363",
        ),
    )
    await tally(container, friesland.tenant_id, friesland.location_id, 12, 8)
    await tally(container, friesland.tenant_id, outside, 3, 2)
    await tally(container, utrecht.tenant_id, utrecht.location_id, 6, 6)
    await project(container, settings, friesland.tenant_id, utrecht.tenant_id)
    main_f, main_u = (
        f"IDO {friesland.slug.removeprefix('bieb-')}",
        f"IDO {utrecht.slug.removeprefix('bieb-')}",
    )

    await login(client, await user(container, Role.KB_ANALYST))
    board = await client.get("/kb", params={"poi": poi_slug})
    assert board.status_code == 200
    select = re.search(r'<select id="plan-f-gemeente" name="gemeente">.*?</select>', board.text, re.S).group(
        0
    )
    assert '<option value="geen">Geen gemeente opgegeven</option>' in select
    assert re.search(r'<optgroup label="Fryslân">.*?<option value="GM0080">Leeuwarden</option>', select, re.S)
    national = gemeente_rows(board.text)  # every IDO in the land, whatever the filters say
    assert national["Leeuwarden"][:2] == ["GM0080", "Fryslân"] and "Geen gemeente opgegeven" in national
    assert gemeente_rows((await client.get("/kb", params={"gemeente": "GM0080"})).text) == national
    everything = locations_table(board.text)
    assert all(name in everything for name in (main_f, main_u, f"IDO Stadsloket {suffix}"))
    assert "buiten de bibliotheek" in everything

    async def shown(**params) -> set[str]:
        r = await client.get("/kb", params={"poi": poi_slug, **params})
        assert r.status_code == 200
        table = locations_table(r.text)
        return {n for n in (main_f, main_u, f"IDO Stadsloket {suffix}") if n in table}

    assert await shown(provincie="Fryslân") == {main_f}  # the gemeente's province
    assert await shown(provincie="Utrecht") == {main_u}  # no gemeente: the library's province
    assert await shown(gemeente="GM0363") == {f"IDO Stadsloket {suffix}"}
    assert await shown(gemeente="geen") == {main_u}
    assert await shown(provincie="Fryslân", gemeente="GM0363") == set()
    other = await client.get("/kb", params={"poi": "poi-die-er-niet-is", "gemeente": "GM0080"})
    assert main_f not in locations_table(other.text)
    partial = await client.get(
        "/kb",
        params={"poi": poi_slug, "gemeente": "GM0080"},
        headers={**HX, "HX-Target": "plan-board-locations"},
    )
    assert partial.text.lstrip().startswith('<div id="plan-board-locations">')
    assert main_f in partial.text and main_u not in partial.text

    # the POI's board: its own libraries only, so the figures are these three IDOs'. Visitors 8, 2, 6 and
    # questions 12, 3, 6: the 2 and the 3 are hidden, and the next smallest with them
    await login(client, await user(container, Role.POI_ADVISER, poi_slug=poi_slug))
    poi = await client.get("/poi")
    expected = {
        "Leeuwarden": ["GM0080", "Fryslân", "1", "0", "8", "12"],
        "Amsterdam": ["GM0363", "Noord-Holland", "1", "0", "&lt;5", "&lt;5"],
        "Geen gemeente opgegeven": ["", "", "1", "0", "&lt;5", "&lt;5"],
        "Totaal": ["", "", "3", "0", "16", "21"],
    }
    assert gemeente_rows(poi.text) == expected
    only = await client.get("/poi", params={"gemeente": "GM0080"})
    assert gemeente_rows(only.text) == expected  # a filter narrows the list, never the figures
    assert main_f in locations_table(only.text) and main_u not in locations_table(only.text)
