"""The KB's national bundle: requested from the page, built by the task function with progress, reused for the
same data, taken over after a killed run; and over the API (202 + Location, then the file)."""

from __future__ import annotations

import asyncio
import io
import re
import secrets
import zipfile
from uuid import UUID

import openpyxl
import pytest
from sqlalchemy import text

from domain.accounts import Role
from infra.reports import bundle
from tests.clock import TODAY
from tests.e2e.conftest import csrf_of, login
from tests.e2e.report_data import YEAR, ask, at, known_library, project, xlsx_sheets
from tests.e2e.test_planning_http import user

HX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
async def known(container):
    return await known_library(container)


async def build_watching(container, bundle_id: UUID, monkeypatch) -> list[tuple[int, int]]:
    """Run the task's function in-process and record every progress the page could have shown."""
    monkeypatch.setattr(bundle, "PROGRESS_EVERY", 0.0)
    seen: list[tuple[int, int]] = []
    job = asyncio.create_task(bundle.build(container.db, container.reader, bundle_id, TODAY))
    while True:
        finished = job.done()  # read once more after the end: the last progress may fall between two polls
        b = await bundle.get(container.db, bundle_id)
        if (b.done, b.total) not in seen:
            seen.append((b.done, b.total))
        if finished:
            break
        await asyncio.sleep(0.005)
    assert await job == "done"
    return seen


async def test_the_page_requests_a_bundle_that_the_task_builds_with_progress_and_serves_again(
    client, container, known, monkeypatch
):
    await login(client, await user(container, Role.KB_ANALYST))
    page = await client.get(f"/kb/verantwoording?jaar={YEAR}")
    form = {"jaar": str(YEAR), "_csrf_token": csrf_of(page.text)}
    r = await client.post("/kb/verantwoording/bundel", data=form, headers=HX)
    assert r.status_code == 200
    assert "<progress" in r.text and 'hx-trigger="every 1s"' in r.text
    bundle_id = UUID(re.search(r'hx-get="/kb/verantwoording/bundels/([0-9a-f-]{36})"', r.text).group(1))

    seen = await build_watching(container, bundle_id, monkeypatch)
    totals = {t for _, t in seen if t}
    assert len(totals) == 1 and len([d for d, _ in seen]) > 3
    assert [d for d, _ in seen] == sorted(d for d, _ in seen), "progress went backwards"
    assert seen[-1][0] == seen[-1][1] == totals.pop()

    status = await client.get(f"/kb/verantwoording/bundels/{bundle_id}", headers=HX)
    assert "hx-trigger" not in status.text and f"landelijk-{YEAR}.xlsx" in status.text
    xlsx = await client.get(f"/kb/verantwoording/bundels/{bundle_id}/landelijk-{YEAR}.xlsx")
    assert xlsx.status_code == 200
    sheets = xlsx_sheets(xlsx.content)
    assert list(sheets)[:3] == ["Samenvatting", "Landelijk per NPD-partij", "Landelijk per gemeente"]
    national = sheets["Landelijk per gemeente"]
    assert national[2][:4] == ("Gemeente", "Gemeentecode (CBS)", "Provincie", "Bezoekers")
    assert any(r[0] == "Geen gemeente opgegeven" for r in national) and national[-1][0] == "Totaal"
    per_library = [r for r in sheets["Per gemeente"] if r[1] == known.lib.slug]
    assert [r[4:9] for r in per_library] == [
        ("Leeuwarden", "GM0080", "Fryslân", 0, 0),
        ("Geen gemeente opgegeven", None, None, 16, 21),
    ]
    npd = sheets["NPD-partij"]
    header = npd[2]
    ours = next(row for row in npd if row[1] == known.lib.slug)
    assert ours[header.index("CBR")] == 17 and ours[header.index("SVB")] == 1
    overview = sheets["Bibliotheken"]
    assert next(row for row in overview if row[1] == known.lib.slug)[overview[2].index("Volledig")] == "nee"
    ours = next(row for row in overview if row[1] == known.lib.slug)
    assert (ours[overview[2].index("Bezoekers")], ours[overview[2].index("Vragen per bezoeker")]) == (
        16,
        1.31,
    )
    assert (ours[overview[2].index("Vragen met een duur")], ours[overview[2].index("Hulptijd (uren)")]) == (
        5,
        1.71,
    )
    visitors = sheets["Bezoekers per maand"]
    ours = next(row for row in visitors if row[1] == known.lib.slug)
    assert ours[visitors[2].index(f"januari {YEAR} – Bezoekers")] == 4
    assert ours[visitors[2].index(f"januari {YEAR} – Vragen")] == 5
    time = sheets["Hulptijd per NPD-partij"]
    ours = next(row for row in time if row[1] == known.lib.slug)
    assert ours[time[2].index("CBR – Met een duur")] == 2 and ours[time[2].index("CBR – Minuten")] == 12.5
    warmth = sheets["Warm of koud"]  # referrals to partners warm or cold, per library
    ours = next(row for row in warmth if row[1] == known.lib.slug)
    assert (
        ours[warmth[2].index("Warm: contact gelegd")] == 1 and ours[warmth[2].index("Niet vastgelegd")] == 0
    )
    sent = sheets["Doorverwezen door"]
    assert next(row for row in sent if row[1] == known.lib.slug)[sent[2].index("Formulierenbrigade")] == 1
    assert ("Bezoekers", "<5") not in sheets["Samenvatting"] and any(
        r[0] == "Bezoekers" for r in sheets["Samenvatting"]
    )
    archive = zipfile.ZipFile(
        io.BytesIO((await client.get(f"/kb/verantwoording/bundels/{bundle_id}/landelijk-{YEAR}.zip")).content)
    )
    name = f"{known.lib.slug}/verantwoording-{known.lib.slug}-{YEAR}"
    assert {f"{name}.xlsx", f"{name}.csv"} <= set(archive.namelist())
    openpyxl.load_workbook(io.BytesIO(archive.read(f"{name}.xlsx")))

    again = await client.post("/kb/verantwoording/bundel", data=form, headers=HX)
    assert str(bundle_id) in again.text and "<progress" not in again.text, "the same data was built again"

    assert "nieuwe gegevens" not in (await client.get(f"/kb/verantwoording?jaar={YEAR}")).text
    await ask(container, known.lib, at(11, 20), "uwv", "uwv.ww", "wegwijzer")
    await project(container, known.lib)
    assert "Er zijn sindsdien nieuwe gegevens" in (await client.get(f"/kb/verantwoording?jaar={YEAR}")).text
    fresh = await client.post("/kb/verantwoording/bundel", data=form, headers=HX)
    assert str(bundle_id) not in fresh.text and "<progress" in fresh.text


async def test_a_killed_run_is_taken_over_after_its_lease_and_completes_once(container, known):
    b, _ = await bundle.request(container.db, container.reader, YEAR, TODAY, None)
    async with container.db.platform() as conn:  # a run that died: it holds the bundle, its lease runs out
        await conn.execute(
            text("""UPDATE report_bundles SET status = 'running', owner = 'dead', attempts = 1, done = 7, total = 99,
                    lease_until = now() + interval '1 minute' WHERE bundle_id = :b"""),
            {"b": b.bundle_id},
        )
    assert await bundle.build(container.db, container.reader, b.bundle_id, TODAY) == "busy"
    async with container.db.platform() as conn:
        await conn.execute(
            text("UPDATE report_bundles SET lease_until = now() - interval '1 second' WHERE bundle_id = :b"),
            {"b": b.bundle_id},
        )
        await conn.execute(
            text("UPDATE report_bundles SET enqueued_at = now() - interval '1 hour' WHERE bundle_id = :b"),
            {"b": b.bundle_id},
        )
    assert b.bundle_id in await bundle.due_for_enqueue(container.db)  # the beat sweep sends it again
    assert await bundle.build(container.db, container.reader, b.bundle_id, TODAY) == "done"
    done = await bundle.get(container.db, b.bundle_id)
    assert done.status == "done" and done.attempts == 2 and done.done == done.total
    assert await bundle.build(container.db, container.reader, b.bundle_id, TODAY) == "done"
    assert (await bundle.get(container.db, b.bundle_id)).finished_at == done.finished_at, "built twice"
    assert b.bundle_id not in await bundle.due_for_enqueue(container.db)


async def test_the_api_answers_202_with_a_location_then_the_workbook(client, container, known):
    token = await container.accounts.create_token(await user(container, Role.KB_ANALYST))
    auth = {"Authorization": f"Bearer {token}"}
    await ask(container, known.lib, at(11, 21), "uwv", "uwv.ww", "wegwijzer")  # data no bundle was built for
    await project(container, known.lib)
    r = await client.get(f"/api/v1/reports/verantwoording/{YEAR}.xlsx", headers=auth)
    assert r.status_code == 202 and r.headers["retry-after"] == "2"
    poll = await client.get(r.headers["location"], headers=auth)
    assert poll.status_code == 200 and poll.json()["status"] == "queued" and poll.json()["links"] == {}
    bundle_id = UUID(poll.json()["bundle_id"])
    assert await bundle.build(container.db, container.reader, bundle_id, TODAY) == "done"
    body = (await client.get(r.headers["location"], headers=auth)).json()
    assert body["status"] == "done" and body["percent"] == 100
    assert (await client.get(body["links"]["zip"], headers=auth)).status_code == 200
    ready = await client.get(f"/api/v1/reports/verantwoording/{YEAR}.xlsx", headers=auth)
    assert ready.status_code == 200 and "Bibliotheken" in xlsx_sheets(ready.content)
    other = await container.accounts.create_token(known.lib.coordinator)
    assert (
        await client.get(r.headers["location"], headers={"Authorization": f"Bearer {other}"})
    ).status_code == 404


@pytest.mark.slow
async def test_a_worker_killed_mid_build_leaves_a_bundle_that_a_new_worker_completes_once(
    container,
    worker_env,  # noqa: F811
    procs,  # noqa: F811
):
    """Real processes: the worker is SIGKILLed while it builds; its message stays unacked (late acks) until the
    broker's visibility timeout, so the beat sweep re-sends the bundle once its lease ran out (5 s here, by the
    setting, instead of 30)."""
    worker_env = {**worker_env, "BUNDLE_LEASE_SECONDS": "5"}
    from services.worker.celery_app import make_celery
    from tests.e2e.test_workers import until

    poi = f"poi-bundel-{secrets.token_hex(3)}"
    await container.accounts.create_poi(poi, "POI bundel")
    extra = [
        await container.accounts.create_tenant(f"bundel-{secrets.token_hex(4)}", "Bundel", poi)
        for _ in range(150)
    ]
    try:
        b, _ = await bundle.request(container.db, container.reader, YEAR, TODAY, None)
        settings = container.settings.with_(redis_url=worker_env["REDIS_URL"])
        make_celery(settings).send_task(bundle.BUILD_TASK, args=[str(b.bundle_id)])
        first = procs("worker", "--concurrency", "1", env=worker_env)

        async def midway() -> bool:
            now = await bundle.get(container.db, b.bundle_id)
            return now.status == "running" and 0 < now.done < now.total - 20

        await until(midway, 90, "the worker never got going:\n" + first.output()[-2000:])
        first.kill()
        killed = await bundle.get(container.db, b.bundle_id)
        assert killed.status == "running" and killed.attempts == 1
        procs("worker", "--concurrency", "1", env=worker_env)
        beat = procs("beat", env=worker_env)

        async def done() -> bool:
            return (await bundle.get(container.db, b.bundle_id)).status == "done"

        await until(done, 150, "the bundle was not completed after the restart:\n" + beat.output()[-2000:])
        final = await bundle.get(container.db, b.bundle_id)
        assert final.attempts == 2 and final.done == final.total
        await asyncio.sleep(3)  # a late duplicate would start a third attempt now
        assert (await bundle.get(container.db, b.bundle_id)).finished_at == final.finished_at
    finally:
        async with container.db.platform() as conn:
            await conn.execute(
                text("UPDATE tenants SET active = false WHERE tenant_id = ANY(:t)"), {"t": extra}
            )
