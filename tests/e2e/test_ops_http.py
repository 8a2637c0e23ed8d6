"""Operations endpoints and the start-up check of the event feed."""

from __future__ import annotations

import asyncio
import json
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from infra.bootstrap import build
from infra.queries.health import FeedBroken, check_feed
from infra.settings import Settings
from infra.store.migrate import upgrade
from tests.e2e.conftest import login
from tests.servers import create_database, drop_database, settings_env


async def test_healthz_and_readyz_answer_when_everything_is_up(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    r = await client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready" and r.json()["migrations_current"] and r.json()["feed_sound"]


async def test_metrics_show_latency_by_route_template_projection_lag_and_outbox(client, lib):
    await login(client, lib.desk)
    await client.get(f"/t/{lib.slug}/balie")
    body = (await client.get("/metrics")).text
    assert 'path="/t/{slug}/balie"' in body and lib.slug not in body
    assert 'ido_projection_events_behind{projection="question_stats.v1"}' in body
    assert 'ido_outbox_deliveries{status="pending"}' in body


@pytest.fixture
def restored_db(servers, redis_url):
    db = create_database(servers.admin_url)
    yield Settings.from_env(settings_env(db, redis_url))
    drop_database(servers.admin_url, db)


async def test_events_newer_than_the_cluster_are_detected_at_start_up(restored_db):
    await asyncio.to_thread(upgrade, restored_db)
    c = build(restored_db)
    try:
        await check_feed(c)  # an empty store is sound
        poi = await c.accounts.create_poi(f"poi-{uuid4().hex[:6]}", "POI")
        del poi
        tenant = await c.accounts.create_tenant(f"bieb-{uuid4().hex[:6]}", "Bieb", (await _poi_slug(c)))
        async with c.db.tenant(tenant) as conn:  # as a logical dump restored into a younger cluster leaves it
            await conn.execute(
                text(
                    "INSERT INTO events (tenant_id, stream_id, stream_version, event_id, event_type, data, tx_id) "
                    "VALUES (:t, 'x', 1, :id, 'IdoRegistered', '{}', '9000000000000'::xid8)"
                ),
                {"t": tenant, "id": uuid4()},
            )
        with pytest.raises(FeedBroken, match="restored"):
            await check_feed(c)
        from services.api.app import create_app

        with pytest.raises(BaseException) as err:  # the web process refuses to start
            async with AsyncTestClient(app=create_app(restored_db)) as client:
                await client.get("/healthz")
        assert _holds(err.value, FeedBroken)
    finally:
        await c.close()


async def _poi_slug(c) -> str:
    async with c.db.platform() as conn:
        return (await conn.execute(text("SELECT slug FROM pois LIMIT 1"))).scalar()


def _holds(exc: BaseException, kind: type) -> bool:
    if isinstance(exc, kind):
        return True
    return any(_holds(e, kind) for e in getattr(exc, "exceptions", ())) or (
        exc.__cause__ is not None and _holds(exc.__cause__, kind)
    )


NOTE = "drukke ochtend bij de balie"


async def test_the_server_logs_one_json_line_per_request_with_request_and_tenant_id_and_no_visitor_data(
    env, lib, tmp_path
):
    """The real `ido serve` process: every line on its output is JSON; a request line names the route template,
    the status, the request id of the X-Request-Id header and, inside a library, its tenant id; nothing of what
    was typed (note, password, query) is in the log."""
    import httpx

    from tests.e2e.browser import start_server
    from tests.e2e.conftest import PASSWORD
    from tests.e2e.test_desk_http import _form

    server = start_server(env, tmp_path / "serve.log")
    try:
        await asyncio.to_thread(server.wait_until_ready)
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            assert (await login(client, lib.desk)).status_code in (200, 303)
            page = await client.get(
                f"/t/{lib.slug}/balie", params={"partij": "cbr", "onderwerp": "cbr.rijbewijs_75"}
            )
            form = _form(
                page.text, partij="cbr", onderwerp="cbr.rijbewijs_75", hulp="wegwijzer", notitie=NOTE
            )
            posted = await client.post(f"/t/{lib.slug}/balie/vragen", data=form, follow_redirects=False)
            assert posted.status_code == 303, posted.text
            missing = await client.get("/t/bestaat-niet/balie")
            assert missing.status_code == 404
            courses = await client.get(f"/t/{lib.slug}/cursussen/")  # the library beside other dependencies
            assert courses.status_code == 200
    finally:
        server.stop()
    lines = [ln for ln in server.log.read_text().splitlines() if ln.strip()]
    records = [json.loads(ln) for ln in lines]  # every line is JSON
    requests = {r["request_id"]: r for r in records if r.get("event") == "request"}
    line = requests[posted.headers["x-request-id"]]
    assert line["route"] == "/t/{slug}/balie/vragen" and line["status"] == 303 and line["method"] == "POST"
    assert line["tenant_id"] == str(lib.tenant_id) and line["ms"] >= 0 and line["user_id"]
    assert requests[missing.headers["x-request-id"]]["status"] == 404
    assert requests[courses.headers["x-request-id"]]["tenant_id"] == str(lib.tenant_id)
    text_ = server.log.read_text()
    for secret in (NOTE, PASSWORD, "cbr.rijbewijs_75", lib.desk):
        assert secret not in text_, secret
