"""The beat's planning sweep (`ido.overdue`) in real worker processes: two sweeps at once in two processes, on 1
January with the clock of the processes, note the passed date and the ended subsidy year of an IDO once each, and
a later sweep adds nothing."""

from __future__ import annotations

import asyncio
from datetime import date, time
from uuid import uuid4

import pytest
from sqlalchemy import text

from domain import ido
from domain import planning_notices as pn
from domain.calendar import at_local
from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from services.worker.celery_app import make_celery
from tests.commands import handle
from tests.e2e.conftest import make_library
from tests.e2e.test_workers import until
from tests.projections import caught_up

pytestmark = pytest.mark.slow


async def test_two_workers_sweeping_at_once_on_new_years_day_note_each_fact_once(
    container, settings, worker_env, procs
):
    lib = await make_library(container)
    location = uuid4()
    await handle(
        container,
        lib.tenant_id,
        ido.RegisterIdo(
            tenant_id=lib.tenant_id,
            location_id=location,
            name="IDO December",
            branch="Centrale",
            variant=ido.Variant.BASIS,
            inside_library=True,
            subsidy_year=2026,
            planned_opening=date(2026, 12, 15),
        ),
    )
    runner = Runner(container.db, container.events, all_projections(settings, container.events))
    await caught_up(runner, lib.tenant_id)  # the sweep finds its candidates in the opening-status read model

    env = {**worker_env, "IDO_FIXED_NOW": at_local(date(2027, 1, 1), time(0, 5)).isoformat()}
    worker = procs("worker", "--concurrency", "2", env=env)
    app = make_celery(settings.with_(redis_url=worker_env["REDIS_URL"]))
    for _ in range(2):
        app.send_task("ido.overdue")

    async def facts() -> list:
        stream = await container.events.read_stream(lib.tenant_id, ido.stream_id(location))
        return [type(r.event) for r in stream[1:]]

    async def noted() -> bool:
        return len(await facts()) >= 2

    await until(noted, 60, "the sweep noted nothing:\n" + worker.output()[-3000:])
    await asyncio.sleep(1)  # the other sweep, if still running, would add a double now
    app.send_task("ido.overdue")
    await asyncio.sleep(2)
    assert await facts() == [ido.OpeningDatePassed, ido.SubsidyYearEnded]

    await caught_up(runner, lib.tenant_id)
    async with container.db.tenant(lib.tenant_id) as conn:
        kinds = (
            await conn.execute(
                text(
                    "SELECT kind, to_kb FROM notices WHERE tenant_id = :t AND location_id = :l ORDER BY kind"
                ),
                {"t": lib.tenant_id, "l": location},
            )
        ).all()
    assert [tuple(k) for k in kinds] == [
        (pn.Fact.DATE_PASSED.value, False),
        (pn.Fact.REGISTERED.value, False),
        (pn.Fact.YEAR_ENDED.value, True),
    ]
