"""The KB's national bundle: requested from the page, built by the task function with progress, reused for the
same data, taken over after a killed run; every library's PDF in it, rendered by helper tasks beside the build and
again only for a library whose report changed; and over the API (202 + Location, then the file).

The file has a database of its own: a bundle renders a PDF for every library the database holds (about half a
second each), and the libraries of the files that ran before in the same process would make it take minutes."""

from __future__ import annotations

import asyncio
import io
import os
import re
import secrets
import signal
import time
import zipfile
from uuid import UUID

import openpyxl
import pytest
from sqlalchemy import text

from domain.accounts import Role
from domain.report import Period
from domain.survey_results import for_others, survey_section
from infra.bootstrap import build
from infra.reports import bundle, bundle_pdfs, pdf
from infra.settings import Settings
from tests.clock import NOW, TODAY
from tests.e2e.conftest import csrf_of, login
from tests.e2e.report_data import YEAR, ask, at, known_library, pdf_text, project, xlsx_sheets
from tests.e2e.test_planning_http import user
from tests.servers import create_database, drop_database, settings_env

HX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def test_db(servers):
    db = create_database(servers.admin_url)
    yield db
    drop_database(servers.admin_url, db)


@pytest.fixture(scope="module")
def env(test_db, redis_url, tmp_path_factory) -> dict[str, str]:
    return {
        **os.environ,
        **settings_env(test_db, redis_url),
        "IDO_VAR_DIR": str(tmp_path_factory.mktemp("bundle-var")),
        "IDO_FIXED_NOW": NOW.isoformat(),
    }


@pytest.fixture(scope="module")
def settings(env) -> Settings:
    from infra.store.migrate import upgrade

    s = Settings.from_env(env)
    upgrade(s)
    return s


@pytest.fixture(scope="module")
async def container(settings, clock):
    c = build(settings, clock=clock)
    yield c
    await c.close()


@pytest.fixture(scope="module")
async def app(settings, clock):
    from services.api.app import create_app

    return create_app(settings, clock=clock)


@pytest.fixture(scope="module")
async def known(container):
    return await known_library(container)


async def pdf_rows(container, bundle_id: UUID) -> dict[UUID, tuple]:
    """Per library: (claims, rendered_by, whether the PDF is there)."""
    async with container.db.platform() as conn:
        rows = await conn.execute(
            text("""SELECT tenant_id, claims, rendered_by, pdf IS NOT NULL AS stored FROM report_bundle_pdfs
                    WHERE bundle_id = :b"""),
            {"b": bundle_id},
        )
        return {r.tenant_id: (r.claims, r.rendered_by, r.stored) for r in rows}


async def active_libraries(container) -> int:
    async with container.db.platform() as conn:
        return (await conn.execute(text("SELECT count(*) FROM tenants WHERE active"))).scalar()


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
    assert {f"{name}.xlsx", f"{name}.csv", f"{name}.pdf"} <= set(archive.namelist())
    assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == await active_libraries(container)
    openpyxl.load_workbook(io.BytesIO(archive.read(f"{name}.xlsx")))
    pdf = pdf_text(archive.read(f"{name}.pdf"))
    assert known.lib.slug.removeprefix("bieb-") in pdf and "CBR 17" in pdf and "Bezoekers 16" in pdf
    assert survey_section(()).title not in pdf, "the KB sees a library's survey only summed over libraries"
    assert seen[-1][1] == 3 * await active_libraries(container) + 1  # load, XLSX and CSV, PDF; the workbook

    again = await client.post("/kb/verantwoording/bundel", data=form, headers=HX)
    assert str(bundle_id) in again.text and "<progress" not in again.text, "the same data was built again"

    assert "nieuwe gegevens" not in (await client.get(f"/kb/verantwoording?jaar={YEAR}")).text
    await ask(container, known.lib, at(11, 20), "uwv", "uwv.ww", "wegwijzer")
    await project(container, known.lib)
    assert "Er zijn sindsdien nieuwe gegevens" in (await client.get(f"/kb/verantwoording?jaar={YEAR}")).text
    fresh = await client.post("/kb/verantwoording/bundel", data=form, headers=HX)
    assert str(bundle_id) not in fresh.text and "<progress" in fresh.text
    fresh_id = UUID(re.search(r'hx-get="/kb/verantwoording/bundels/([0-9a-f-]{36})"', fresh.text).group(1))
    await build_watching(container, fresh_id, monkeypatch)
    rows = await pdf_rows(container, fresh_id)
    assert {t for t, (claims, _, _) in rows.items() if claims} == {known.lib.tenant_id}, "rendered again"
    assert all(stored for _, _, stored in rows.values())
    archive = zipfile.ZipFile(
        io.BytesIO((await client.get(f"/kb/verantwoording/bundels/{fresh_id}/landelijk-{YEAR}.zip")).content)
    )
    assert "UWV 1" in pdf_text(archive.read(f"{name}.pdf"))  # the new question


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


@pytest.fixture(scope="module")
async def crowd(container, known) -> list[UUID]:
    """Fourteen more libraries (without registrations: a PDF of seven pages, a tenth of a second each), for the
    tests of the helpers: enough PDFs that a test can stop a process while it renders one."""
    poi = f"poi-bundel-{secrets.token_hex(3)}"
    await container.accounts.create_poi(poi, "POI bundel")
    return [
        await container.accounts.create_tenant(f"bundel-{secrets.token_hex(4)}", f"Bundel {i}", poi)
        for i in range(14)
    ]


async def a_new_bundle(container) -> UUID:
    """A bundle for which every library's PDF is rendered: the earlier bundles (and so their PDFs) are removed."""
    async with container.db.platform() as conn:
        await conn.execute(text("DELETE FROM report_bundles"))
    b, new = await bundle.request(container.db, container.reader, YEAR, TODAY, None)
    assert new
    return b.bundle_id


async def test_a_pdf_that_takes_longer_than_its_lease_keeps_it_while_it_renders(
    container, known, monkeypatch
):
    """A render may take longer than its lease (a very large report, a busy machine; here a render that first
    waits a second): the lease is renewed meanwhile (here 0.3 s, renewed every 0.1 s), so no other process claims
    the PDF, and it is stored once."""
    render = pdf.render

    def slow(report):
        time.sleep(1.0)
        return render(report)

    monkeypatch.setattr(pdf, "render", slow)
    bundle_id = await a_new_bundle(container)
    async with container.db.platform() as conn:  # as the build leaves it before it renders
        await conn.execute(
            text("UPDATE report_bundles SET status = 'running', owner = 'build' WHERE bundle_id = :b"),
            {"b": bundle_id},
        )
    libraries, _ = await bundle.load_reports(container.reader, Period(YEAR), TODAY)
    await bundle_pdfs.prepare(container.db, bundle_id, [(t, for_others(r)) for t, r in libraries])
    part = await bundle_pdfs.claim(container.db, bundle_id, "helper:slow", 0.3)
    job = asyncio.create_task(bundle_pdfs.render_part(container.db, bundle_id, part, "helper:slow", 0.3))
    leases = set()
    while not job.done():
        async with container.db.platform() as conn:
            row = (
                await conn.execute(
                    text("""SELECT owner, lease_until FROM report_bundle_pdfs
                            WHERE bundle_id = :b AND tenant_id = :t AND pdf IS NULL"""),
                    {"b": bundle_id, "t": part.tenant_id},
                )
            ).first()
        if row:
            assert row.owner == "helper:slow"
            leases.add(row.lease_until)
        await asyncio.sleep(0.05)
    assert await job and len(leases) >= 3, "the lease was not renewed while the PDF rendered"
    assert (await pdf_rows(container, bundle_id))[part.tenant_id] == (1, "helper:slow", True)


async def held_by_a_helper(container, bundle_id: UUID) -> tuple[UUID, str] | None:
    async with container.db.platform() as conn:
        row = (
            await conn.execute(
                text("""SELECT tenant_id, owner FROM report_bundle_pdfs WHERE bundle_id = :b AND pdf IS NULL
                        AND owner LIKE 'helper:%' AND lease_until > now() LIMIT 1"""),
                {"b": bundle_id},
            )
        ).first()
    return (row.tenant_id, row.owner) if row else None


@pytest.mark.slow
async def test_a_helper_killed_while_it_renders_leaves_its_pdf_to_the_build_which_completes_once(
    container, crowd, worker_env, procs
):
    """Real processes: two workers of one process each, one builds, the other renders PDFs as a helper (tasks
    the build sends) until its process group is stopped while it holds a PDF and killed; the build renders that
    PDF when the helper's lease (5 s here) ran out, every other PDF is rendered once, and the bundle is done in
    its first attempt."""
    worker_env = {**worker_env, "BUNDLE_LEASE_SECONDS": "5"}
    from services.worker.celery_app import make_celery
    from tests.e2e.test_workers import until

    workers = [procs("worker", "--concurrency", "1", env=worker_env) for _ in range(2)]

    async def both_ready() -> bool:  # the build sends helpers to the processes that answer it within a second
        return all(" ready." in w.output() for w in workers)

    await until(both_ready, 60, "the workers did not start")
    bundle_id = await a_new_bundle(container)
    settings = container.settings.with_(redis_url=worker_env["REDIS_URL"])
    make_celery(settings).send_task(bundle.BUILD_TASK, args=[str(bundle_id)])
    orphan = None
    for _ in range(3000):
        if held := await held_by_a_helper(container, bundle_id):
            group = os.getpgid(int(held[1].split(":")[2]))  # the helper's worker
            os.killpg(group, signal.SIGSTOP)
            if await held_by_a_helper(container, bundle_id) == held:  # still rendering it: the moment to kill
                orphan = held[0]
                next(w for w in workers if w.proc.pid == group).kill()
                break
            os.killpg(group, signal.SIGCONT)
        await asyncio.sleep(0.01)
    assert orphan, "no helper took a PDF:\n" + "\n".join(w.output()[-1500:] for w in workers)

    async def done() -> bool:
        return (await bundle.get(container.db, bundle_id)).status == "done"

    await until(done, 90, "the bundle was not completed:\n" + "\n".join(w.output()[-2000:] for w in workers))
    final = await bundle.get(container.db, bundle_id)
    assert final.attempts == 1 and final.done == final.total
    rows = await pdf_rows(container, bundle_id)
    claims, rendered_by, stored = rows[orphan]
    assert claims == 2 and not rendered_by.startswith("helper:") and stored, "the build rendered it again"
    others = [r for t, r in rows.items() if t != orphan]
    assert all(claims == 1 and stored for claims, _, stored in others), "a PDF rendered twice"
    archive = zipfile.ZipFile(io.BytesIO(await bundle.content(container.db, bundle_id, "zip")))
    assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == len(rows)
    await asyncio.sleep(3)  # a late duplicate would build it again now
    assert (await bundle.get(container.db, bundle_id)).finished_at == final.finished_at


@pytest.mark.slow
async def test_a_worker_killed_mid_build_leaves_a_bundle_that_a_new_worker_completes_once(
    container, crowd, worker_env, procs
):
    """Real processes: the worker is SIGKILLed while it builds, with some PDFs stored; its message stays unacked
    (late acks) until the broker's visibility timeout, so the beat sweep re-sends the bundle once its lease ran
    out (5 s here, by the setting, instead of 30). The new run keeps the PDFs the first one stored."""
    worker_env = {**worker_env, "BUNDLE_LEASE_SECONDS": "5"}
    from services.worker.celery_app import make_celery
    from tests.e2e.test_workers import until

    bundle_id = await a_new_bundle(container)
    settings = container.settings.with_(redis_url=worker_env["REDIS_URL"])
    make_celery(settings).send_task(bundle.BUILD_TASK, args=[str(bundle_id)])
    first = procs("worker", "--concurrency", "1", env=worker_env)

    async def midway() -> bool:
        stored = [t for t, (_, _, s) in (await pdf_rows(container, bundle_id)).items() if s]
        return 2 <= len(stored) <= len(crowd) - 2

    deadline = time.monotonic() + 90
    while not await midway():  # polled more often than `until` does: a PDF takes a tenth of a second
        assert time.monotonic() < deadline, "the worker never got going:\n" + first.output()[-2000:]
        await asyncio.sleep(0.02)
    first.kill()
    before = {t for t, (_, _, s) in (await pdf_rows(container, bundle_id)).items() if s}
    killed = await bundle.get(container.db, bundle_id)
    assert killed.status == "running" and killed.attempts == 1
    procs("worker", "--concurrency", "1", env=worker_env)
    beat = procs("beat", env=worker_env)

    async def done() -> bool:
        return (await bundle.get(container.db, bundle_id)).status == "done"

    await until(done, 120, "the bundle was not completed after the restart:\n" + beat.output()[-2000:])
    final = await bundle.get(container.db, bundle_id)
    assert final.attempts == 2 and final.done == final.total
    rows = await pdf_rows(container, bundle_id)
    assert all(rows[t][0] == 1 for t in before), "a PDF stored by the killed run was rendered again"
    await asyncio.sleep(3)  # a late duplicate would start a third attempt now
    assert (await bundle.get(container.db, bundle_id)).finished_at == final.finished_at
