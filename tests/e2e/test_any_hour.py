"""The main flows at the instants where a wall-clock suite used to fail: desk registration, the Excel import,
registering and opening an IDO on the day, the statistics the workers fold, and the verantwoording of "this
year", each with the clock set to the instant. Expected days, weeks and years are written out here, never
computed from the instant: the point is that the product computes them on the Dutch calendar."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from domain.calendar import at_local, day_text
from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from tests.e2e.conftest import csrf_of, login, make_library
from tests.e2e.report_data import csv_rows
from tests.e2e.test_dashboard_http import total, week
from tests.e2e.test_desk_http import register as register_at_desk
from tests.e2e.test_import import import_form, mapping_form, upload, workbook
from tests.e2e.test_planning_http import command
from tests.e2e.test_planning_http import register as register_ido
from tests.projections import caught_up


@dataclass(frozen=True)
class Moment:
    instant: datetime
    day: date  # the date on a Dutch calendar at the instant
    week: str  # its ISO week as the dashboard labels it
    quarter: int
    yesterday_counts: bool  # whether the day before lies in the library's (new) subsidy year
    in_year: int  # questions in the verantwoording of the Dutch year
    in_quarter: int  # … and of its quarter


MOMENTS = {
    # 23:30 UTC on 31 December is 00:30 on 1 January in Amsterdam: the UTC date and the Dutch date differ, and
    # 1 January 2027 (a Friday) still lies in ISO week 53 of 2026
    "utc-2330-new-years-eve": Moment(
        datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 1, 1), "Week 53 2026", 1, False, 2, 2
    ),
    # the last half hour of the year in Amsterdam (22:30 UTC)
    "amsterdam-2330-new-years-eve": Moment(
        at_local(date(2026, 12, 31), time(23, 30)), date(2026, 12, 31), "Week 53 2026", 4, True, 3, 3
    ),
    # 23:30 UTC on 30 June is 01:30 on 1 July in summer time: a new quarter in Amsterdam, not yet in UTC
    "utc-2330-end-of-june": Moment(
        datetime(2026, 6, 30, 23, 30, tzinfo=UTC), date(2026, 7, 1), "Week 27 2026", 3, True, 3, 2
    ),
    "amsterdam-0800-ordinary-day": Moment(
        at_local(date(2026, 3, 11), time(8, 0)), date(2026, 3, 11), "Week 11 2026", 1, True, 3, 3
    ),
}


@pytest.mark.parametrize("name", list(MOMENTS))
async def test_the_main_flows_follow_the_dutch_calendar_at_any_hour(client, container, settings, clock, name):
    m = MOMENTS[name]
    clock.set(m.instant)
    lib = await make_library(container)  # registered by the fixture for its subsidy year: the Dutch year

    # an IDO registered and opened on the day, by the coordinator's forms
    await login(client, lib.coordinator)
    token = csrf_of((await client.get(f"/t/{lib.slug}/ido/")).text)
    location = await register_ido(
        client, lib, token, name="IDO Stadhuis", subsidy_year=m.day.year, planned=m.day
    )
    opened = await command(client, lib, location, "geopend", token, opened_on=m.day.isoformat())
    assert opened.status_code == 303, opened.text
    status = (await client.get(f"/t/{lib.slug}/ido/{location}")).text
    assert "Open" in status and day_text(m.day) in status

    # a question at the desk, now
    await login(client, lib.desk)
    registered, _ = await register_at_desk(client, lib, locatie=str(lib.location_id))
    assert registered.status_code == 200, registered.text
    assert "Vandaag geregistreerd: <strong>1</strong> vraag" in registered.text
    assert await asked_at(container, lib.tenant_id) == [m.instant]

    # the Excel import: earlier today, later today (the future), yesterday (before the year on 1 January)
    await login(client, lib.coordinator)
    rows = [
        [m.day, "00:10", "UWV", "WW", "wegwijzer", None, None],
        [m.day, "23:59", "UWV", "WW", "wegwijzer", None, None],
        [m.day - timedelta(days=1), "12:00", "SVB", "AOW", "wegwijzer", None, None],
    ]
    mapping = await upload(client, lib, workbook(rows))
    form = {**mapping_form(mapping.text), "locatie": str(lib.location_id)}
    checked = await client.post(f"/t/{lib.slug}/import/bevestigen", data=form)  # a check, then the import
    done = await client.post(f"/t/{lib.slug}/import/bevestigen", data=import_form(checked.text))
    assert done.status_code == 200, done.text
    assert "Het tijdstip van de vraag ligt in de toekomst." in done.text
    assert (f"registreert pas vanaf 01-01-{m.day.year}" in done.text) is not m.yesterday_counts
    imported = 2 if m.yesterday_counts else 1
    assert re.search(rf"Geïmporteerd</th><td>{imported} rij", done.text), done.text

    # the statistics the workers fold, on the dashboard: today ends the default period, the ISO week is Dutch
    runner = Runner(container.db, container.events, all_projections(settings, container.events))
    await caught_up(runner, lib.tenant_id)
    board = (await client.get(f"/t/{lib.slug}/dashboard")).text
    assert f'name="tot" value="{m.day.isoformat()}"' in board
    assert total(board) == 1 + imported and week(board, m.week) == 1 + imported

    # the verantwoording of this year (and this quarter)
    page = (await client.get(f"/t/{lib.slug}/verantwoording")).text
    assert re.search(rf'<option value="{m.day.year}"[^>]*selected', page), "this year is not the default"
    assert soort_total(await download(client, f"/t/{lib.slug}/verantwoording/{m.day.year}.csv")) == m.in_year
    quarter = await download(client, f"/t/{lib.slug}/verantwoording/{m.day.year}.csv?kwartaal={m.quarter}")
    assert soort_total(quarter) == m.in_quarter


async def asked_at(container, tenant_id) -> list[datetime]:
    async with container.reader.platform() as conn:
        rows = await conn.execute(
            text(
                "SELECT data->'what'->>'asked_at' FROM events WHERE tenant_id = :t "
                "AND event_type = 'QuestionRegistered'"
            ),
            {"t": tenant_id},
        )
        return [datetime.fromisoformat(r[0]) for r in rows]


async def download(client, url: str) -> list[list[str]]:
    r = await client.get(url)
    assert r.status_code == 200, r.text
    return csv_rows(r.content)


def soort_total(rows: list[list[str]]) -> int:
    section = rows[rows.index(["Vragen per soort"]) :]
    return int(next(r for r in section if r and r[0] == "Totaal")[1])
