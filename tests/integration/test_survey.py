"""The survey against the real PostgreSQL and Redis: the projection survey.v1 (incremental and rebuilt), row-level
security on its read model and on the partners' new columns as the app role, and the rate limit's script."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain import survey as s
from domain.ports import NewEvent
from infra.platform.partners import Partners
from infra.platform.survey_throttle import SurveyThrottle
from infra.projections.operations import rebuild
from infra.projections.runner import Runner
from infra.projections.survey import SurveyStats
from tests.clock import TODAY, YESTERDAY
from tests.projections import caught_up


def answered(location, day=TODAY, course=None, **answers) -> s.SurveyAnswered:
    return s.SurveyAnswered(
        response_id=uuid4(),
        question_set="2026.1",
        location_id=location,
        course_id=course,
        answered_on=day,
        asked=("tevreden", "zelf"),
        answers=tuple(answers.items()),
    )


async def _store(container, tenant, *events) -> None:
    for e in events:
        await container.events.append(tenant, s.response_stream_id(e.response_id), [NewEvent(uuid4(), e)], 0)


async def _rows(container, tenant) -> dict:
    async with container.db.tenant(tenant) as conn:
        rows = (
            await conn.execute(
                text("SELECT day, course_id, question, answer, count FROM rm_survey_v1 WHERE tenant_id = :t"),
                {"t": tenant},
            )
        ).all()
    return {(r.day, r.course_id.int != 0, r.question, r.answer): r.count for r in rows}


async def test_the_projection_counts_surveys_answers_and_skipped_questions_and_a_rebuild_agrees(
    container, new_tenant
):
    tenant, location = await new_tenant(), uuid4()
    runner = Runner(container.db, container.events, [SurveyStats()])
    await _store(
        container,
        tenant,
        answered(location, tevreden="tevreden", zelf="ja"),
        answered(location, tevreden="tevreden"),
    )
    await caught_up(runner, tenant)
    await _store(container, tenant, answered(location, YESTERDAY, uuid4(), zelf="nee"))
    await caught_up(runner, tenant)
    expected = {
        (TODAY, False, "", ""): 2,
        (TODAY, False, "tevreden", "tevreden"): 2,
        (TODAY, False, "zelf", "ja"): 1,
        (TODAY, False, "zelf", ""): 1,
        (YESTERDAY, True, "", ""): 1,
        (YESTERDAY, True, "tevreden", ""): 1,
        (YESTERDAY, True, "zelf", "nee"): 1,
    }
    assert await _rows(container, tenant) == expected
    await rebuild(runner, SurveyStats.name, tenant)
    assert await _rows(container, tenant) == expected


async def test_as_the_app_role_a_library_sees_and_writes_only_its_own_survey_figures_and_partners(
    container, new_tenant
):
    a, b = await new_tenant(), await new_tenant()
    runner = Runner(container.db, container.events, [SurveyStats()])
    for t in (a, b):
        await _store(container, t, answered(uuid4(), tevreden="tevreden"))
        await caught_up(runner, t)
    partners = Partners(container.db)
    await partners.add(
        a, {"name": "Welzijn A", "kind": "welzijn", "topics": ["uwv.ww"], "gids_url": "https://a.example.nl"}
    )
    await partners.add(b, {"name": "Welzijn B", "kind": "welzijn", "topics": ["uwv.ww"]})
    async with container.db.tenant(a) as conn:
        seen = (await conn.execute(text("SELECT DISTINCT tenant_id FROM rm_survey_v1"))).scalars().all()
        kaart = (await conn.execute(text("SELECT name, topics, gids_url FROM partners"))).all()
    assert seen == [a]
    assert [(r.name, r.topics, r.gids_url) for r in kaart] == [
        ("Welzijn A", ["uwv.ww"], "https://a.example.nl")
    ]
    with pytest.raises(DBAPIError, match="row-level security"):
        async with container.db.tenant(a) as conn:
            await conn.execute(
                text(
                    "INSERT INTO rm_survey_v1 (tenant_id, day, location_id, course_id, question_set, question, answer, count) "
                    "VALUES (:b, :d, :l, :l, '2026.1', '', '', 1)"
                ),
                {"b": b, "d": TODAY, "l": uuid4()},
            )
    async with container.db.platform() as conn:  # the app role without a tenant sees none
        assert (await conn.execute(text("SELECT count(*) FROM rm_survey_v1"))).scalar() == 0
        assert (await conn.execute(text("SELECT count(*) FROM partners"))).scalar() == 0


NOW = datetime(2026, 6, 10, 6, 0, tzinfo=UTC)


@pytest.fixture
async def throttle(settings):
    redis = Redis.from_url(settings.redis_url)
    yield SurveyThrottle(redis, "test-secret")
    await redis.aclose()


async def test_the_rate_limit_counts_requests_at_once_per_address_and_per_day(throttle):
    limits = s.SurveyLimits(per_window=5, window=600, per_day=8)
    address, other = f"192.0.2.{secrets.randbelow(250)}", f"198.51.100.{secrets.randbelow(250)}"
    results = await asyncio.gather(*(throttle.reserve("answer", address, NOW, limits) for _ in range(20)))
    assert results.count(None) == 5
    assert {r for r in results if r is not None} == {NOW + timedelta(seconds=600)}
    assert await throttle.reserve("answer", other, NOW, limits) is None, "another address has its own"
    later = NOW + timedelta(seconds=601)
    assert [await throttle.reserve("answer", address, later, limits) for _ in range(4)] == [
        None,
        None,
        None,
        NOW + timedelta(days=1),
    ]
    assert address not in throttle.key("answer", address)
    keys = [k.decode() for k in await throttle.redis.keys("ido:survey:answer:*")]
    assert keys and not any(address in k for k in keys)
