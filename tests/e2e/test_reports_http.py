"""Verantwoording over HTTP: a known event set gives known figures in XLSX, CSV and PDF; who may download what
(404 outside scope); suppression in the POI aggregate; formula-looking names stay text; the token API."""

from __future__ import annotations

import io
from datetime import date
from itertools import product

import openpyxl
import pytest
from sqlalchemy import text

from domain.accounts import Role
from domain.report import SUPPRESSED, Period
from domain.verantwoording import library_report
from infra.reports.data import load_library
from infra.reports.service import tenant_report
from tests.clock import NOW, TODAY
from tests.e2e.conftest import login, make_library
from tests.e2e.report_data import (
    EVIL,
    EVIL_COURSE,
    YEAR,
    append,
    ask,
    assert_same_figures,
    at,
    csv_rows,
    known_library,
    open_location,
    pdf_text,
    project,
    xlsx_sheets,
)
from tests.e2e.test_planning_http import user

HX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
async def known(container):
    return await known_library(container)


async def download(client, url: str, content_type: str) -> bytes:
    r = await client.get(url)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith(content_type)
    assert "attachment" in r.headers["content-disposition"]
    return r.content


async def test_a_known_event_set_gives_known_figures_in_all_three_formats(client, container, known):
    await login(client, known.lib.coordinator)
    base = f"/t/{known.lib.slug}/verantwoording/{YEAR}"
    xlsx = await download(client, base + ".xlsx", "application/vnd.openxmlformats")
    csv_content = await download(client, base + ".csv", "text/csv")
    pdf = await download(client, base + ".pdf", "application/pdf")

    report = await tenant_report(container.db, known.lib.tenant_id, Period(YEAR), TODAY)
    assert report.section("soort").rows == (
        ("Digitale overheid", 20),
        ("Bibliotheekdienst", 1),
        ("Overig", 0),
    )
    npd = dict(report.section("npd").rows)
    assert (npd["CBR"], npd["Belastingdienst/Toeslagen"], npd["SVB"], npd["UWV"]) == (17, 2, 1, 0)
    help_ = dict(report.section("hulp").rows)
    assert help_["Informatie gegeven / wegwijzer"] == 10 and help_["Niet vastgelegd (alleen geteld)"] == 7
    assert dict(report.section("verwijzing").rows)["Formulierenbrigade"] == 1
    # referrals both ways: to EVIL warm, and a visitor EVIL sent
    assert report.section("warmte").rows == (
        ("Warm: contact gelegd", 1),
        ("Koud: adres meegegeven", 0),
        ("Niet vastgelegd", 0),
    )
    assert report.section("partner").rows == (
        (EVIL, "Formulierenbrigade", 1, 0, 0, 1, 1),
        ("Andere partner / staat er niet bij", "", 0, 0, 0, 0, 0),
    )
    assert dict(report.section("verwijzing_door").rows)["Formulierenbrigade"] == 1
    months = {r[0]: r[1:] for r in report.section("maand").rows}
    assert months[f"januari {YEAR}"] == (5, 0, 0) and months[f"april {YEAR}"] == (0, 0, 0)
    assert months[f"maart {YEAR}"] == (0, 1, 0) and months[f"juni {YEAR}"] == (7, 0, 0)
    assert next(r for r in report.section("cursisten").rows if r[0] == "Eigen cursus")[1:] == (
        1,
        3,
        2,
        1,
        1,
        1,
    )
    north = next(r for r in report.section("ido").rows if r[0] == "IDO Noord")
    assert north[1:] == (
        "Brede dienstverlening",
        "Open",
        date(YEAR, 1, 1),
        0.0,
        "Buiten de bibliotheek",
        "Leeuwarden",
        "GM0080",
        "Fryslân",
    )
    main = f"IDO {known.lib.slug.removeprefix('bieb-')}"
    ours = next(r for r in report.section("ido").rows if r[0] == main)
    assert ours[5:] == ("In de bibliotheek", "Geen gemeente opgegeven", "", "")  # shown, never dropped
    assert report.section("gemeente").rows == (
        ("Leeuwarden", "GM0080", "Fryslân", 0, 0, None),
        ("Geen gemeente opgegeven", "", "", 16, 21, 1.31),
    )
    assert report.section("gemeente").total == ("Totaal", "", "", 16, 21, 1.31)
    assert set(report.warnings) == {
        f"IDO Noord: geen enkele registratie in {YEAR}, terwijl het IDO open was.",
        f"{main}: open in april {YEAR}, maar niets geregistreerd.",
        f"{main}: in juni {YEAR} alleen totalen geteld, geen vragen met onderwerp en hulp.",
    }
    # visitors: one per visit (the two Belastingdienst questions of 6 January are one), a tally's own number
    month_visitors = {r[0]: r[1:] for r in report.section("bezoekers_maand").rows}
    assert month_visitors[f"januari {YEAR}"] == (4, 5, 1.25)
    assert month_visitors[f"juni {YEAR}"] == (3, 7, 2.33)
    assert month_visitors[f"april {YEAR}"] == (0, 0, None)
    assert report.section("bezoekers_maand").total == ("Totaal", 16, 21, 1.31)
    by_location = {r[0]: r[1:] for r in report.section("bezoekers").rows}
    assert by_location == {main: (16, 21, 1.31), "IDO Noord": (0, 0, None)}
    # time spent: the middle of each duration class, over the questions with a duration
    parties = {r[0]: r[1:] for r in report.section("tijd_partij").rows}
    assert parties["CBR"] == (17, 2, 12.5, 0.21, 6.3)  # 2.5 + 10 minutes; 6.25 rounded half up
    assert parties["Belastingdienst/Toeslagen"] == (2, 2, 45.0, 0.75, 22.5)
    assert parties["SVB"] == (1, 1, 45.0, 0.75, 45.0)
    assert parties["UWV"] == (0, 0, 0.0, 0.0, None)
    assert report.section("tijd_partij").total == ("Totaal", 21, 5, 102.5, 1.71, 20.5)
    topics = {r[:2]: r[2:] for r in report.section("tijd_onderwerp").rows}
    assert topics[("CBR", "Niet vastgelegd (alleen geteld)")] == (7, 0, 0.0, 0.0, None)
    weeks = {r[0]: r[1:] for r in report.section("tijd_week").rows}
    assert weeks[f"week 1 {YEAR}"] == (date(YEAR - 1, 12, 30), 3, 2, 12.5, 0.21, 6.3)
    assert weeks[f"week 2 {YEAR}"] == (date(YEAR, 1, 6), 2, 2, 45.0, 0.75, 22.5)
    places = {r[0]: r[1:] for r in report.section("tijd_locatie").rows}
    assert places == {main: (21, 5, 102.5, 1.71, 20.5), "IDO Noord": (0, 0, 0.0, 0.0, None)}
    assert_same_figures(report, xlsx, csv_content, pdf)
    sheets = xlsx_sheets(xlsx)
    assert list(sheets)[0] == "Samenvatting"
    assert ("Vragen, alle soorten", 21) in sheets["Samenvatting"]
    assert ("Bezoekers", 16) in sheets["Samenvatting"]
    assert ("Vragen per bezoeker", 1.31) in sheets["Samenvatting"]
    assert ("Vragen met een duur", 5) in sheets["Samenvatting"]
    assert ("Gemiddelde hulptijd per vraag met een duur (minuten)", 20.5) in sheets["Samenvatting"]
    summary = csv_rows(csv_content)
    assert ["Bezoekers", "16"] in summary and ["Hulptijd (uren)", "1,71"] in summary
    assert ["Vragen per bezoeker", "1,31"] in summary
    text = pdf_text(pdf)
    assert "Bezoekers 16" in text and "Hulptijd (uren) 1,71" in text
    assert f"Catalogusversie {report.catalogue_version}" in pdf_text(pdf)


async def test_the_referral_tables_add_up_both_ways_warm_and_cold_in_every_format(client, container):
    """A library with partners: referrals to them warm and cold, to a partner not on its list ("staat er niet
    bij"), one imported without warm or cold; visitors sent by partners. In the XLSX, the CSV and the PDF the
    per-partner, per-kind-of-partner and warm-or-cold rows sum to "Doorverwezen naar lokale partner" under "Hoe
    geholpen", which counts questions of digital government only: referrals (either way) of other kinds of
    question (registered so, or corrected to another kind) are in none of them."""
    from domain import questions as q
    from infra.platform.partners import Partners
    from infra.reports.data import REPORT_VERSION

    # the bundles of before are rebuilt (6: the gemeente's, on main meanwhile)
    assert REPORT_VERSION not in ("verantwoording.5", "verantwoording.6")
    lib = await make_library(container)
    await open_location(container, lib, lib.location_id)
    partners = Partners(container.db)
    taal = await partners.add(lib.tenant_id, {"name": "Taalhuis", "kind": "taalhuis"})
    raad = await partners.add(lib.tenant_id, {"name": "Raadslieden", "kind": "sociaal_raadslieden"})
    welzijn = await partners.add(lib.tenant_id, {"name": "Welzijn Zuid", "kind": "welzijn"})
    referrals = (
        (1, {"partner_id": taal, "warmth": "warm"}),
        (2, {"partner_id": taal, "warmth": "koud", "referred_by_partner_id": welzijn}),
        (3, {"partner_id": raad, "warmth": "warm"}),
        (4, {"partner_unlisted": True, "warmth": "koud"}),
        (5, {"partner_unlisted": True, "warmth": "koud"}),
        (6, {"partner_unlisted": True, "warmth": "onbekend"}),  # as an import without the column
    )
    for month, fields in referrals:
        await ask(container, lib, at(month), "svb", "svb.aow", "lokale_partner", **fields)
    await ask(container, lib, at(7), "cbr", "cbr.rijbewijs_75", "wegwijzer", referred_by_partner_id=welzijn)
    await ask(container, lib, at(7, 11), "cbr", "cbr.rijbewijs_75", "wegwijzer", referred_by_unlisted=True)
    # referrals of other kinds of question: to a listed partner, to one that is not listed, one sent by a partner,
    # and one of digital government corrected to a library service
    await ask(
        container,
        lib,
        at(8),
        "svb",
        "svb.aow",
        "lokale_partner",
        partner_id=taal,
        warmth="warm",
        kind="bibliotheekdienst",
    )
    await ask(
        container,
        lib,
        at(9),
        "svb",
        "svb.aow",
        "lokale_partner",
        partner_unlisted=True,
        warmth="koud",
        kind="overig",
    )
    await ask(
        container,
        lib,
        at(9, 11),
        "cbr",
        "cbr.examen",
        "wegwijzer",
        referred_by_partner_id=raad,
        kind="overig",
    )
    moved = await ask(
        container, lib, at(10), "svb", "svb.aow", "lokale_partner", partner_id=raad, warmth="warm"
    )
    fix = q.CorrectQuestion(
        question_id=moved.question_id,
        npd_party="svb",
        topic="svb.aow",
        help="lokale_partner",
        kind="bibliotheekdienst",
        partner_id=raad,
        warmth="warm",
    )
    ctx = q.DeskContext(now=NOW, locations={lib.location_id: date(2020, 1, 1)}, partners=frozenset([raad]))
    await append(container, lib, q.stream_id(moved.question_id), q.correct(moved, fix, ctx), moved.version)
    await project(container, lib)
    await login(client, lib.coordinator)
    base = f"/t/{lib.slug}/verantwoording/{YEAR}"
    xlsx = await download(client, base + ".xlsx", "application/vnd.openxmlformats")
    csv_content = await download(client, base + ".csv", "text/csv")
    pdf = await download(client, base + ".pdf", "application/pdf")
    sheets, rows, text = xlsx_sheets(xlsx), csv_rows(csv_content), pdf_text(pdf)

    def section_xlsx(title: str) -> dict[str, tuple]:
        sheet = next(v for v in sheets.values() if v and v[0] and v[0][0] == title)
        return {r[0]: tuple(x for x in r[1:] if isinstance(x, int)) for r in sheet[3:] if r[0]}

    def section_csv(title: str) -> dict[str, tuple]:
        start = rows.index([title])
        out = {}
        for r in rows[start + 2 :]:
            if not r:
                break
            out[r[0]] = tuple(int(x) for x in r[1:] if x.isdigit())
        return out

    for section in (section_xlsx, section_csv):
        referred = section("Hoe geholpen (vragen digitale overheid)")["Doorverwezen naar lokale partner"]
        both = section("Doorverwijzingen naar en door lokale partners")
        per_kind = section("Doorverwezen naar een lokale partner, per soort partner")
        warmth = section("Doorverwezen naar een lokale partner: warm of koud")
        received = section("Doorverwezen door een lokale partner, per soort partner")
        assert referred == (6,)
        assert both == {
            #                     warm koud nv totaal door
            "Raadslieden": (1, 0, 0, 1, 0),
            "Taalhuis": (1, 1, 0, 2, 0),
            "Welzijn Zuid": (0, 0, 0, 0, 2),
            "Andere partner / staat er niet bij": (0, 2, 1, 3, 1),
            "Totaal": (2, 3, 1, 6, 3),
        }
        assert warmth == {
            "Warm: contact gelegd": (2,),
            "Koud: adres meegegeven": (3,),
            "Niet vastgelegd": (1,),
            "Totaal": (6,),
        }
        assert per_kind["Taalhuis"] == (2,) and per_kind["Andere partner / staat er niet bij"] == (3,)
        assert per_kind["Totaal"] == both["Totaal"][3:4] == warmth["Totaal"] == referred
        assert received["Welzijnsorganisatie"] == (2,) and received["Totaal"] == (3,)
    assert "Taalhuis Taalhuis 1 1 0 2 0" in text and "Totaal 2 3 1 6 3" in text
    report = await tenant_report(container.db, lib.tenant_id, Period(YEAR), TODAY)
    assert_same_figures(report, xlsx, csv_content, pdf)


async def test_formula_looking_names_stay_text_in_xlsx_and_are_escaped_in_csv(client, container, known):
    await login(client, known.lib.coordinator)
    base = f"/t/{known.lib.slug}/verantwoording/{YEAR}"
    xlsx = (await client.get(base + ".xlsx")).content
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    cells = [
        c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value in (EVIL, EVIL_COURSE)
    ]
    assert {c.value for c in cells} == {EVIL, EVIL_COURSE}
    assert all(c.data_type == "s" and c.hyperlink is None for c in cells), "a formula or a link in the XLSX"
    rows = csv_rows((await client.get(base + ".csv")).content)
    flat = [v for row in rows for v in row]
    assert "'" + EVIL in flat and "'" + EVIL_COURSE in flat
    assert not [
        v for v in flat if v.startswith(("=", "+", "@")) or (v.startswith("-") and not v[1:].isdigit())
    ]


async def test_the_coordinator_page_shows_the_warnings_and_the_quarter(client, known):
    await login(client, known.lib.coordinator)
    r = await client.get(f"/t/{known.lib.slug}/verantwoording?jaar={YEAR}&kwartaal=2")
    assert r.status_code == 200
    assert f"open in april {YEAR}, maar niets geregistreerd" in r.text
    assert f"{YEAR}.xlsx?kwartaal=2" in r.text and f"{YEAR} kwartaal 2" in r.text
    partial = await client.get(f"/t/{known.lib.slug}/verantwoording?jaar={YEAR}", headers=HX)
    assert partial.text.lstrip().startswith('<section id="verantwoording-results"')
    q2 = csv_rows((await client.get(f"/t/{known.lib.slug}/verantwoording/{YEAR}.csv?kwartaal=2")).content)
    assert ["Totaal", "8"] in q2[q2.index(["Vragen per soort"]) :][:7]  # April 0, May 1, June 7
    assert (await client.get(f"/t/{known.lib.slug}/verantwoording/{YEAR}.csv?kwartaal=5")).status_code == 404
    assert (await client.get(f"/t/{known.lib.slug}/verantwoording/{YEAR}.doc")).status_code == 404


async def test_desk_staff_and_other_libraries_cannot_download(client, container, known, lib_b):
    await login(client, known.lib.desk)
    assert (await client.get(f"/t/{known.lib.slug}/verantwoording/{YEAR}.csv")).status_code == 403
    await login(client, lib_b.coordinator)
    assert (await client.get(f"/t/{known.lib.slug}/verantwoording/{YEAR}.csv")).status_code == 404
    assert (await client.get(f"/t/{known.lib.slug}/verantwoording")).status_code == 404


async def test_a_poi_adviser_gets_their_libraries_and_a_suppressed_aggregate(client, container, known, lib_b):
    small = await make_library(container, known.lib.poi)
    await open_location(container, small, small.location_id)
    for month in (1, 2, 3):
        await ask(container, small, at(month), "cbr", "cbr.examen", "wegwijzer")
    await project(container, small)
    await login(client, await user(container, Role.POI_ADVISER, poi_slug=known.lib.poi))
    page = await client.get(f"/poi/verantwoording?jaar={YEAR}")
    assert page.status_code == 200
    assert f"/poi/verantwoording/{known.lib.slug}/{YEAR}.xlsx" in page.text
    assert f"/poi/verantwoording/{lib_b.slug}/" not in page.text
    own = await client.get(f"/poi/verantwoording/{small.slug}/{YEAR}.csv")
    assert own.status_code == 200 and ["Digitale overheid", "3"] in csv_rows(own.content)  # not suppressed
    for other in (
        f"/poi/verantwoording/{lib_b.slug}/{YEAR}.csv",
        f"/poi/verantwoording/totaal/{lib_b.poi}/{YEAR}.csv",
    ):
        assert (await client.get(other)).status_code == 404

    total = csv_rows((await client.get(f"/poi/verantwoording/totaal/{known.lib.poi}/{YEAR}.csv")).content)
    start = total.index(["Vragen per bibliotheek"])
    end = next(i for i in range(start, len(total)) if total[i][:1] == ["Totaal"])
    block, totals = total[start + 2 : end], total[end]
    by_library = {r[0]: r[1:] for r in block}
    assert by_library[f"Bibliotheek {small.slug.removeprefix('bieb-')}"][0] == SUPPRESSED
    assert totals[1] == "23"
    # one warm referral and one visitor sent by a partner in the POI: small cells, and so their totals, hidden
    start = total.index(["Doorverwezen naar een lokale partner: warm of koud"])
    assert total[start + 2 : start + 6] == [
        ["Warm: contact gelegd", SUPPRESSED],
        ["Koud: adres meegegeven", "0"],
        ["Niet vastgelegd", "0"],
        ["Totaal", SUPPRESSED],
    ]
    start = total.index(["Doorverwezen door een lokale partner, per soort partner"])
    sent = total[start + 2 : total.index(["Totaal", SUPPRESSED], start)]
    assert ["Formulierenbrigade", SUPPRESSED] in sent
    assert ["Doorverwijzingen naar en door lokale partners"] not in total  # the library's own partners
    hidden = [r for r in block if r[1] == SUPPRESSED]
    assert len(hidden) >= 2, "one hidden cell alone would follow from the total"
    shown = sum(int(r[1]) for r in block if r[1] != SUPPRESSED)
    rest = int(totals[1]) - shown
    options = {c[0] for c in product(range(1, rest + 1), repeat=len(hidden)) if sum(c) == rest}
    assert len(options) > 1, "the small library's count can be recovered from the total"

    def block_of(title: str) -> tuple[dict[str, list[str]], list[str]]:
        start = total.index([title])
        end = next(i for i in range(start, len(total)) if total[i][:1] == ["Totaal"])
        return {r[0]: r[1:] for r in total[start + 2 : end]}, total[end]

    # visitors per library: 3 of the small library hidden, and the other library's too (else 19 - 16 = 3)
    visitors, visitors_total = block_of("Bezoekers per bibliotheek")
    assert visitors[f"Bibliotheek {small.slug.removeprefix('bieb-')}"] == [SUPPRESSED] * 3
    assert visitors[f"Bibliotheek {known.lib.slug.removeprefix('bieb-')}"] == [SUPPRESSED] * 3
    assert visitors_total == ["Totaal", "19", "24", "1,26"]
    # time spent per party: fewer than 5 questions with a duration hide their minutes, hours and average too
    parties, _ = block_of("Hulptijd per NPD-partij")
    assert parties["CBR"] == ["20", SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED]
    assert parties["UWV"] == ["0", "0", "0", "0", ""]
    summary = total[: total.index(["Vragen per soort"])]
    assert ["Bezoekers", "19"] in summary and ["Vragen met een duur", "5"] in summary
    # per gemeente over the POI's libraries: neither main IDO has a gemeente, so they are one row, never dropped
    gemeenten, gemeenten_total = block_of("Bezoekers en vragen per gemeente")
    assert gemeenten == {
        "Leeuwarden": ["GM0080", "Fryslân", "0", "0", ""],
        "Geen gemeente opgegeven": ["", "", "19", "24", "1,26"],
    }
    assert gemeenten_total == ["Totaal", "", "", "19", "24", "1,26"]


async def test_the_kb_downloads_every_library_and_sees_the_report_status(client, container, known, lib_b):
    # the national bundle is one for the platform: a bundle another test file queued (the isolation sweep posts
    # every form; no worker builds it there) would stand in the place of the button
    async with container.db.platform() as conn:
        await conn.execute(text("DELETE FROM report_bundles"))
    await login(client, await user(container, Role.KB_ANALYST))
    page = await client.get("/kb/verantwoording")
    assert page.status_code == 200 and "Landelijke bundel maken" in page.text
    for slug in (known.lib.slug, lib_b.slug):
        assert (await client.get(f"/kb/verantwoording/{slug}/{YEAR}.csv")).status_code == 200
    assert (await client.get(f"/kb/verantwoording/bestaat-niet/{YEAR}.csv")).status_code == 404
    status = await client.get(f"/kb/rapportage?jaar={YEAR}&poi={known.lib.poi}", headers=HX)
    assert status.status_code == 200 and status.text.lstrip().startswith('<section id="rapportage-rows"')
    assert f'data-library="{known.lib.slug}"' in status.text
    assert f'data-library="{lib_b.slug}"' not in status.text
    assert f"open in april {YEAR}, maar niets geregistreerd" in status.text
    assert f"10-12-{YEAR}" in status.text  # the last registration


async def test_poi_and_kb_pages_refuse_other_roles(client, known):
    await login(client, known.lib.coordinator)
    for url in ("/poi/verantwoording", "/kb/verantwoording", "/kb/rapportage"):
        assert (await client.get(url)).status_code == 403
    assert (await client.get(f"/kb/verantwoording/{known.lib.slug}/{YEAR}.csv")).status_code == 403


async def test_the_api_serves_reports_within_scope_only(client, container, known, lib_b):
    async def get(token: str, url: str):
        return await client.get(url, headers={"Authorization": f"Bearer {token}"})

    url = f"/api/v1/t/{known.lib.slug}/reports/verantwoording/{YEAR}"
    coordinator = await container.accounts.create_token(known.lib.coordinator)
    r = await get(coordinator, url + ".xlsx?quarter=1")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxml")
    assert ("Vragen, alle soorten", 7) in xlsx_sheets(r.content)["Samenvatting"]
    adviser = await container.accounts.create_token(
        await user(container, Role.POI_ADVISER, poi_slug=known.lib.poi)
    )
    assert (await get(adviser, url + ".pdf")).status_code == 200
    outsiders = [
        await container.accounts.create_token(lib_b.coordinator),
        await container.accounts.create_token(known.lib.desk),
        await container.accounts.create_token(await user(container, Role.POI_ADVISER, poi_slug=lib_b.poi)),
    ]
    for token in outsiders:
        r = await get(token, url + ".csv")
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
        assert (await get(token, f"/api/v1/reports/verantwoording/{YEAR}.xlsx")).status_code == 404
    analyst = await container.accounts.create_token(await user(container, Role.KB_ANALYST))
    assert (await get(analyst, url + ".csv")).status_code == 200
    assert (await get(analyst, url + ".csv?quarter=7")).status_code == 400


async def test_the_library_report_reads_read_models_only(container, known):
    """The same rows through the reader role as through the tenant's own transaction."""
    async with container.reader.platform() as conn:
        via_reader = await load_library(conn, known.lib.tenant_id, Period(YEAR))
    async with container.db.tenant(known.lib.tenant_id) as conn:
        via_tenant = await load_library(conn, known.lib.tenant_id, Period(YEAR))
    assert via_reader == via_tenant
    assert library_report(via_reader, Period(YEAR), TODAY).section("soort").total == ("Totaal", 21)
