"""The KB-outputregistratie over HTTP: the coordinator downloads the sheet and the CSV of a quarter or a year,
and the known event set (tests/e2e/report_data.py) gives known figures in both; others may not download."""

from __future__ import annotations

import pytest

from infra.reports.kb_form import SHEET
from tests.e2e.conftest import login
from tests.e2e.report_data import YEAR, csv_rows, known_library, xlsx_sheets


@pytest.fixture(scope="module")
async def known(container):
    return await known_library(container)


def columns(grid: list[list]) -> dict[tuple[str, str], dict[str, object]]:
    """(location, quarter) → field → value, from the rows from 'IDO-locatie' on."""
    start = next(i for i, row in enumerate(grid) if row and row[0] == "IDO-locatie")
    rows = [r for r in grid[start:] if r and r[0]]
    out = {}
    for c in range(1, len(rows[0])):
        if rows[0][c] in (None, ""):
            continue
        out[(rows[0][c], rows[1][c])] = {r[0]: r[c] for r in rows}
    return out


async def get_file(client, url: str, content_type: str) -> bytes:
    r = await client.get(url)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith(content_type)
    assert "attachment" in r.headers["content-disposition"]
    assert "kb-outputregistratie" in r.headers["content-disposition"]
    return r.content


def expect_q1(form: dict, number=int) -> None:
    assert form["Binnen of buiten de bibliotheek"] == "Binnen de bibliotheek"
    want = {
        "Aantal bezoekers": 6,
        "Aantal vragen (totaal)": 7,
        "Vragen over de digitale overheid": 6,
        "Vragen over de bibliotheek": 1,
        "Overige vragen": 0,
        "Vragen per NPD-partij: CBR": 3,
        "Vragen per NPD-partij: Belastingdienst/Toeslagen": 2,
        "Vragen per NPD-partij: SVB": 1,
        "Vragen per NPD-partij: Geen overheid": 1,
        "Doorverwezen naar een lokale partner": 1,
        "Doorverwezen naar de klantenservice van de dienstverlener": 0,
    }
    assert {k: number(form[k]) for k in want} == want


async def test_the_coordinator_downloads_the_quarter_as_xlsx_and_csv_with_known_figures(client, known):
    await login(client, known.lib.coordinator)
    page = await client.get(f"/t/{known.lib.slug}/verantwoording?jaar={YEAR}&kwartaal=1")
    base = f"/t/{known.lib.slug}/verantwoording/kb-outputregistratie/{YEAR}"
    assert f"{base}.xlsx?kwartaal=1" in page.text and f"{base}.csv?kwartaal=1" in page.text
    sheets = xlsx_sheets(await get_file(client, f"{base}.xlsx?kwartaal=1", "application/vnd.openxmlformats"))
    assert list(sheets) == [SHEET]
    from_xlsx = columns([list(r) for r in sheets[SHEET]])
    from_csv = columns(csv_rows(await get_file(client, f"{base}.csv?kwartaal=1", "text/csv")))
    quarter = f"1e kwartaal {YEAR}"
    assert set(from_xlsx) == set(from_csv)
    assert len(from_xlsx) == 2  # two locations, one quarter
    (main,) = [k for k in from_xlsx if k[0] != "IDO Noord"]
    assert main[1] == quarter
    expect_q1(from_xlsx[main])
    expect_q1(from_csv[main], number=lambda v: int(v))
    north = from_xlsx[("IDO Noord", quarter)]
    assert north["Aantal vragen (totaal)"] == 0 and north["Aantal bezoekers"] == 0
    assert (north["Binnen of buiten de bibliotheek"], north["Gemeente"]) == (
        "Buiten de bibliotheek",
        "Leeuwarden",
    )
    assert (north["Gemeentecode (CBS)"], north["Provincie"]) == ("GM0080", "Fryslân")
    assert (
        from_csv[main]["Gemeente"] == "Geen gemeente opgegeven" and from_csv[main]["Gemeentecode (CBS)"] == ""
    )


async def test_a_year_has_four_quarters_per_location(client, known):
    await login(client, known.lib.coordinator)
    url = f"/t/{known.lib.slug}/verantwoording/kb-outputregistratie/{YEAR}.csv"
    forms = columns(csv_rows(await get_file(client, url, "text/csv")))
    assert len(forms) == 8
    main = next(name for name, _ in forms if name != "IDO Noord")
    # Q2: May 1 CBR and June a tally of 7 CBR by 3 visitors
    q2 = forms[(main, f"2e kwartaal {YEAR}")]
    assert (int(q2["Aantal vragen (totaal)"]), int(q2["Aantal bezoekers"])) == (8, 4)
    assert int(q2["Vragen per NPD-partij: CBR"]) == 8
    total = sum(int(f["Aantal vragen (totaal)"]) for (name, _), f in forms.items() if name == main)
    assert total == 21  # the known library's year


async def test_bad_input_and_other_users_are_refused(client, container, known, lib_b):
    await login(client, known.lib.coordinator)
    base = f"/t/{known.lib.slug}/verantwoording/kb-outputregistratie"
    for bad in (f"{YEAR}.pdf", f"{YEAR}.doc", f"{YEAR}.csv?kwartaal=5", "volgend-jaar.csv"):
        assert (await client.get(f"{base}/{bad}")).status_code == 404, bad
    await login(client, known.lib.desk)
    assert (await client.get(f"{base}/{YEAR}.csv")).status_code == 403
    await login(client, lib_b.coordinator)
    assert (await client.get(f"{base}/{YEAR}.csv")).status_code == 404
