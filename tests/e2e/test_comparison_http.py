"""Comparison over time over HTTP: a library with known figures in the first quarter of 2026, the quarter before
and the same quarter a year earlier shows the right numbers and changes on its dashboard, on its POI's board
(per library and in total) and on the KB's board (per POI); the boards hide small cells and every change beside
them; the quarter is a plain GET form and an HTMX swap of its own section."""

from __future__ import annotations

import html
import re
import secrets
from datetime import date, datetime, time
from uuid import UUID, uuid4

from domain import questions as q
from domain.accounts import Role
from domain.calendar import TZ
from tests.clock import NOW
from tests.e2e.conftest import Lib, login, make_library
from tests.e2e.report_data import append, ask, project
from tests.e2e.test_planning_http import user

HX = {"HX-Request": "true"}
Q1_2026 = {"van": "2026-01-01", "tot": "2026-03-31"}
CBR = "CBR (Centraal Bureau Rijvaardigheidsbewijzen)"
SVB = "SVB (Sociale Verzekeringsbank)"


def pct(text: str) -> str:
    """ "+20 %" as the page writes it: a minus sign for "-", a no-break space before "%"."""
    return text.replace("-", "\u2212").replace(" %", "\u00a0%")


async def tallied(
    container,
    lib: Lib,
    day: date,
    party: str,
    count: int,
    visitors: int | None = None,
    location: UUID | None = None,
) -> None:
    location_id = location or lib.location_id
    ctx = q.DeskContext(now=NOW, locations={location_id: date(2020, 1, 1)}, partners=frozenset())
    cmd = q.TallyQuestions(
        question_id=uuid4(),
        location_id=location_id,
        hour_start=datetime.combine(day, time(10), TZ),
        npd_party=party,
        count=count,
        visitors=visitors,
    )
    await append(container, lib, q.stream_id(cmd.question_id), q.tally(cmd, ctx))


async def growing_library(container, poi_slug: str) -> Lib:
    """Q1 2025: CBR 20 questions of 16 visitors. Q4 2025: CBR 15 (12 visitors), SVB 10 (8). Q1 2026: CBR 18 (15),
    SVB 10 (9) and two SVB questions of one visit with 15-30 minutes each (45 minutes). So questions 30 / 25 /
    20, visitors 25 / 20 / 16, questions per visitor 1,20 / 1,25 / 1,25, hours 0,75 / 0 / 0."""
    lib = await make_library(container, poi_slug)
    await tallied(container, lib, date(2025, 2, 10), "cbr", 20, 16)
    await tallied(container, lib, date(2025, 11, 12), "cbr", 15, 12)
    await tallied(container, lib, date(2025, 11, 13), "svb", 10, 8)
    await tallied(container, lib, date(2026, 3, 3), "cbr", 18, 15)
    await tallied(container, lib, date(2026, 3, 4), "svb", 10, 9)
    visit = uuid4()
    for minute in (0, 20):
        when = datetime(2026, 3, 5, 11, minute, tzinfo=TZ)
        await ask(container, lib, when, "svb", "svb.aow", "wegwijzer", visit_id=visit, duration="15-30")
    await project(container, lib)
    return lib


async def new_library(container, poi_slug: str) -> Lib:
    """Registering since December 2025: CBR 10 (10 visitors) then, 12 (12) in Q1 2026."""
    lib = await make_library(container, poi_slug)
    await tallied(container, lib, date(2025, 12, 1), "cbr", 10)
    await tallied(container, lib, date(2026, 2, 2), "cbr", 12)
    await project(container, lib)
    return lib


def table(page: str, table_id: str) -> dict[str, list[str]]:
    """The rows of a comparison table by their heading: period, previous, change, a year earlier, change."""
    found = re.search(rf'<table class="compare-table" id="{table_id}">.*?</table>', page, re.S)
    assert found, f"no table {table_id}"
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>((?:<td>[^<]*</td>)+)</tr>', found.group(0))
    return {
        html.unescape(label): [html.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", cells)]
        for label, cells in rows
    }


def row(*cells: str) -> list[str]:
    return [pct(c) for c in cells]


async def new_poi(container) -> tuple[str, str]:
    suffix = secrets.token_hex(3)
    slug, name = f"poi-groei-{suffix}", f"POI Groei {suffix}"
    await container.accounts.create_poi(slug, name)
    return slug, name


async def test_the_dashboard_compares_a_quarter_with_the_quarter_before_and_a_year_earlier(client, container):
    poi_slug, _ = await new_poi(container)
    lib = await growing_library(container, poi_slug)
    await login(client, lib.coordinator)
    page = (await client.get(f"/t/{lib.slug}/dashboard", params=Q1_2026)).text
    assert "Deze periode: 1 januari 2026 tot en met 31 maart 2026." in page
    assert "Vorige periode: 1 oktober 2025 tot en met 31 december 2025." in page
    assert "Een jaar eerder: 1 januari 2025 tot en met 31 maart 2025." in page
    headline = table(page, "dash-compare-headline")
    assert headline["Vragen"] == row("30", "25", "+20 %", "20", "+50 %")
    assert headline["Bezoekers"] == row("25", "20", "+25 %", "16", "+56 %")
    assert headline["Vragen per bezoeker"] == row("1,20", "1,25", "-4 %", "1,25", "-4 %")
    assert headline["Hulptijd (uren)"] == row("0,8", "0,0", "nieuw", "0,0", "nieuw")  # 45 minutes, half up
    parties = table(page, "dash-compare-parties")
    assert list(parties) == [CBR, SVB]  # the most asked now first
    assert parties[CBR] == row("18", "15", "+20 %", "20", "-10 %")
    assert parties[SVB] == row("12", "10", "+20 %", "0", "nieuw")
    assert "De eerste geregistreerde vraag is van 10 februari 2025" in page
    assert "style=" not in page and "<script>" not in page  # CSP: style-src 'self', scripts from /static/

    # the HTMX answer to the period form is the results partial, with the comparison in it
    partial = (await client.get(f"/t/{lib.slug}/dashboard", params=Q1_2026, headers=HX)).text
    assert not partial.startswith("<!doctype") and table(partial, "dash-compare-headline") == headline

    # a quarter that is still running (on 10 June) is compared on as many days: no false decline
    running = (
        await client.get(f"/t/{lib.slug}/dashboard", params={"van": "2026-04-01", "tot": "2026-06-30"})
    ).text
    assert "Deze periode loopt nog: de cijfers tellen tot en met 10 juni 2026" in running
    assert "Vorige periode: 1 januari 2026 tot en met 12 maart 2026." in running
    assert table(running, "dash-compare-headline")["Vragen"] == row("0", "30", "-100 %", "0", "0 %")


async def test_before_the_first_registration_there_is_no_data_rather_than_zero(client, container):
    poi_slug, _ = await new_poi(container)
    lib = await new_library(container, poi_slug)
    await login(client, lib.coordinator)
    page = (await client.get(f"/t/{lib.slug}/dashboard", params=Q1_2026)).text
    headline = table(page, "dash-compare-headline")
    assert headline["Vragen"] == row("12", "10", "+20 %", "—", "—")
    assert headline["Vragen per bezoeker"] == row("1,00", "1,00", "0 %", "—", "—")
    assert table(page, "dash-compare-parties")[CBR] == row("12", "10", "+20 %", "—", "—")
    assert "De eerste geregistreerde vraag is van 1 december 2025" in page
    # one IDO of the library: its own first question counts
    empty = (
        await client.get(f"/t/{lib.slug}/dashboard", params={**Q1_2026, "locatie": str(lib.location_id)})
    ).text
    assert table(empty, "dash-compare-headline")["Vragen"] == row("12", "10", "+20 %", "—", "—")


async def test_the_poi_and_kb_boards_compare_per_library_per_poi_and_in_total(client, container):
    poi_slug, poi_name = await new_poi(container)
    growing = await growing_library(container, poi_slug)
    newer = await new_library(container, poi_slug)
    names = {
        lib.slug: f"Bibliotheek {lib.slug.removeprefix('bieb-')}" for lib in (growing, newer)
    }  # make_library's
    await login(client, await user(container, Role.POI_ADVISER, poi_slug=poi_slug))
    r = await client.get("/poi", params={"kwartaal": "2026-1"})
    assert r.status_code == 200
    page = r.text
    assert (
        'option value="2026-1" selected' in page
        and "Deze periode: 1 januari 2026 tot en met 31 maart 2026." in page
    )
    questions = table(page, "board-compare-questions")
    assert questions[names[growing.slug]] == row("30", "25", "+20 %", "20", "+50 %")
    assert questions[names[newer.slug]] == row("12", "10", "+20 %", "—", "—")
    assert questions["Totaal"] == row("42", "35", "+20 %", "20", "+110 %")
    visitors = table(page, "board-compare-visitors")
    assert visitors[names[growing.slug]] == row("25", "20", "+25 %", "16", "+56 %")
    assert visitors["Totaal"] == row("37", "30", "+23 %", "16", "+131 %")
    total = table(page, "board-compare-total")
    assert total["Vragen"] == questions["Totaal"] and total["Bezoekers"] == visitors["Totaal"]
    assert total["Vragen per bezoeker"] == row("1,14", "1,17", "-3 %", "1,25", "-9 %")

    # the last finished quarter is the default; the HTMX answer is the section alone
    assert 'option value="2026-1" selected' in (await client.get("/poi")).text
    partial = (
        await client.get("/poi", params={"kwartaal": "2025-4"}, headers={**HX, "HX-Target": "board-figures"})
    ).text
    assert (
        partial.lstrip().startswith('<section id="board-figures"')
        and "Vorige periode: 1 juli 2025" in partial
    )
    assert table(partial, "board-compare-questions")[names[growing.slug]] == row("25", "0", "nieuw", "—", "—")

    await login(client, await user(container, Role.KB_ANALYST))
    kb = (await client.get("/kb", params={"kwartaal": "2026-1"})).text
    assert table(kb, "board-compare-questions")[poi_name] == row("42", "35", "+20 %", "20", "+110 %")
    assert table(kb, "board-compare-visitors")[poi_name] == row("37", "30", "+23 %", "16", "+131 %")
    national = table(kb, "board-compare-total")
    assert national["Vragen"] == table(kb, "board-compare-questions")["Totaal"]
    assert int(national["Vragen"][0].replace(".", "")) >= 42  # every other test's libraries count too


async def test_the_poi_board_hides_small_cells_and_every_change_that_would_give_one_away(client, container):
    """Library D: 3 questions now, 20 the quarter before, 10 a year before. Library E: 40, 2, 0. Now D's 3 is
    hidden and then E's 40 (or the total 43 would give D's 3 away); the quarter before E's 2 and then D's 20."""
    poi_slug, _ = await new_poi(container)
    d = await make_library(container, poi_slug)
    e = await make_library(container, poi_slug)
    for lib, figures in ((d, (10, 20, 3)), (e, (0, 2, 40))):
        await tallied(container, lib, date(2024, 12, 2), "cbr", 5)  # registering since 2024
        for day, count in zip((date(2025, 2, 3), date(2025, 11, 3), date(2026, 2, 2)), figures, strict=True):
            if count:
                await tallied(container, lib, day, "cbr", count)
        await project(container, lib)
    await login(client, await user(container, Role.POI_ADVISER, poi_slug=poi_slug))
    page = (await client.get("/poi", params={"kwartaal": "2026-1"})).text
    questions = table(page, "board-compare-questions")
    rows = [v for k, v in questions.items() if k != "Totaal"]
    hidden = row("<5", "<5", "verborgen")
    assert sorted(r[:3] for r in rows) == [hidden, hidden]
    assert sorted(r[3:] for r in rows) == [["0", "verborgen"], ["10", "verborgen"]]
    assert questions["Totaal"] == row("43", "22", "+95 %", "10", "+330 %")
    for cells in rows:
        for value in ("3", "40", "2", "20"):
            assert value not in cells
    assert table(page, "board-compare-visitors")["Totaal"] == row("43", "22", "+95 %", "10", "+330 %")
    figures = re.search(r'<section id="board-figures".*?</section>', page, re.S).group(0)
    assert "&lt;5" in figures and "een verandering naast zo'n aantal is ook verborgen" in figures
