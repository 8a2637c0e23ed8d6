"""Every event names who wrote it and in which request: the desk, the planning pages, courses and the API through
the web app (the user's id and the request id that is also in the logs and the X-Request-Id header); the CLI
import and the demo are checked in test_import.py and test_cli.py."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import uuid4

from sqlalchemy import text

from tests.clock import TODAY
from tests.e2e.conftest import FIXTURE_META, csrf_of, login
from tests.e2e.test_courses_http import enrol, new_course
from tests.e2e.test_desk_http import HX, _desk, register
from tests.e2e.test_planning_http import command, coordinator


async def metadata_of(container, tenant_id) -> list[tuple[str, dict]]:
    async with container.reader.platform() as conn:
        rows = await conn.execute(
            text(
                "SELECT event_type, metadata FROM events WHERE tenant_id = :t ORDER BY tx_id, stream_version"
            ),
            {"t": tenant_id},
        )
        return [(r.event_type, r.metadata) for r in rows]


async def test_every_event_written_through_the_app_carries_the_actor_and_the_request_id(
    client, container, lib
):
    desk_user = await container.accounts.user_by_email(lib.desk)
    coordinator_user = await container.accounts.user_by_email(lib.coordinator)

    await login(client, lib.desk)
    r, _ = await register(client, lib)
    request_ids = {r.headers["x-request-id"]}
    page = await _desk(client, lib)
    qid = re.search(r"/balie/vragen/([0-9a-f-]{36})/ongedaan", page.text).group(1)
    undo = await client.post(
        f"/t/{lib.slug}/balie/vragen/{qid}/ongedaan",
        data={"_csrf_token": csrf_of(page.text), "locatie": str(lib.location_id)},
        headers=HX,
    )
    assert undo.status_code == 200
    request_ids.add(undo.headers["x-request-id"])

    token = await coordinator(client, lib)
    moved = await command(
        client,
        lib,
        lib.location_id,
        "verzetten",
        token,
        new_date=str(TODAY + timedelta(20)),
        reason="Verbouwing",
    )
    assert moved.status_code == 303, moved.text
    course_id = await new_course(client, lib)
    await enrol(client, lib, course_id)

    api_token = await container.accounts.create_token(lib.desk)
    api = await client.post(
        f"/api/v1/t/{lib.slug}/questions",
        json={
            "location_id": str(lib.location_id),
            "npd_party": "cbr",
            "topic": "cbr.rijbewijs_75",
            "help": "wegwijzer",
        },
        headers={"Authorization": f"Bearer {api_token}", "Idempotency-Key": str(uuid4())},
    )
    assert api.status_code == 201, api.text
    request_ids.add(api.headers["x-request-id"])

    events = [(t, m) for t, m in await metadata_of(container, lib.tenant_id) if m != FIXTURE_META]
    kinds = {t for t, _ in events}
    assert {
        "QuestionRegistered",
        "QuestionRetracted",
        "OpeningRescheduled",
        "CourseScheduled",
        "ParticipantEnrolled",
    } <= kinds, kinds
    actors = {str(desk_user.user_id), str(coordinator_user.user_id)}
    for event_type, meta in events:
        assert meta.get("actor") in actors, (event_type, meta)
        assert re.fullmatch(r"[0-9a-f]{16}", meta.get("request_id") or ""), (event_type, meta)
        assert meta.get("via") in {"desk", "planning", "courses", "api"}, (event_type, meta)
    assert request_ids <= {m["request_id"] for _, m in events}
