"""The question statistics projection against PostgreSQL: incremental, rebuilt, and equal to a pure fold."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from domain import ido
from domain import question_stats as qs
from domain import questions as q
from domain.calendar import TZ
from domain.ports import Checkpoint, NewEvent
from infra.projections.help_time import HelpTime
from infra.projections.operations import rebuild, status
from infra.projections.question_stats import QuestionStats
from infra.projections.registry import all_projections
from infra.projections.runner import Runner, lock
from infra.projections.visitors import Visitors
from tests.clock import NOW, TODAY
from tests.projections import advances_nothing, caught_up, checkpoints_of


async def _library(container, new_tenant):
    tenant = await new_tenant()
    location = uuid4()
    cmd = ido.RegisterIdo(
        tenant_id=tenant,
        location_id=location,
        name="IDO",
        branch="Centrale",
        variant=ido.Variant.BASIS,
        inside_library=True,
        subsidy_year=NOW.year,
        planned_opening=TODAY,
    )
    await container.events.append(
        tenant, ido.stream_id(location), [NewEvent(uuid4(), e) for e in ido.register(cmd, TODAY)], 0
    )
    ctx = q.DeskContext(now=NOW, locations={location: date(NOW.year - 1, 1, 1)}, partners=frozenset())
    return tenant, location, ctx


async def _append(container, tenant, question_id, events, version):
    await container.events.append(
        tenant, q.stream_id(question_id), [NewEvent(uuid4(), e) for e in events], version
    )


async def _question(container, tenant, location, ctx, party: str, topic: str) -> None:
    cmd = q.RegisterQuestion(
        question_id=uuid4(),
        visit_id=uuid4(),
        location_id=location,
        npd_party=party,
        topic=topic,
        help="wegwijzer",
    )
    await _append(container, tenant, cmd.question_id, q.register(cmd, ctx), 0)


async def _table(container, tenant, table, cols):
    async with container.db.tenant(tenant) as conn:
        rows = (
            await conn.execute(text(f"SELECT {cols}, count FROM {table} WHERE tenant_id = :t"), {"t": tenant})
        ).all()
    return {tuple(r[:-1]): r[-1] for r in rows}


COUNT_COLS = "day, location_id, npd_party, topic, kind, help, channel"


async def test_an_appended_question_shows_up_in_the_read_models(container, new_tenant):
    tenant, location, ctx = await _library(container, new_tenant)
    cmd = q.RegisterQuestion(
        question_id=uuid4(),
        visit_id=uuid4(),
        location_id=location,
        npd_party="svb",
        topic="svb.aow",
        help="wegwijzer",
        asked_at=NOW - timedelta(days=1),
    )
    await _append(container, tenant, cmd.question_id, q.register(cmd, ctx), 0)
    runner = Runner(container.db, container.events, [QuestionStats()])
    await caught_up(runner, tenant)
    feed = await container.events.read_feed(tenant, Checkpoint())
    assert len(feed) == 2  # the IDO registration and the question, both applied
    assert (await checkpoints_of(runner, tenant))["question_stats.v1"] == feed[-1].checkpoint
    counts = await _table(container, tenant, "rm_question_counts_v1", COUNT_COLS)
    local = (NOW - timedelta(days=1)).astimezone(TZ)
    assert counts == {
        (local.date(), location, "svb", "svb.aow", "digitale_overheid", "wegwijzer", "balie"): 1
    }
    hours = await _table(container, tenant, "rm_question_hours_v1", "day, location_id, hour")
    assert hours == {(local.date(), location, local.hour): 1}
    assert await advances_nothing(runner, tenant)
    [lag] = await status(container.reader, ["question_stats.v1"])
    assert lag.projection == "question_stats.v1"


async def test_two_runners_at_once_apply_every_event_exactly_once(container, new_tenant):
    tenant, location, ctx = await _library(container, new_tenant)
    for _ in range(300):
        await _question(container, tenant, location, ctx, "cbr", "cbr.rijbewijs_75")
    stats = Runner(container.db, container.events, [QuestionStats()])
    runner = Runner(container.db, container.events, all_projections(container.settings, container.events))
    # question_stats.v1 ahead of the others: the pages of the runner of all projections straddle its checkpoint
    await stats.advance_all(tenant, batch=5, max_batches=3)
    await asyncio.gather(*(r.advance_all(tenant, batch=7) for r in (stats, runner, stats, runner)))
    await caught_up(runner, tenant)
    counts = await _table(container, tenant, "rm_question_counts_v1", COUNT_COLS)
    assert sum(counts.values()) == 300


def _fold_expected(events: list) -> dict:
    return {k: v for k, v in qs.merge([d for e in events for d in qs.count_deltas(e)]).items()}


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["register", "correct", "retract", "tally"]),
        st.integers(0, 5),
        st.integers(0, 3),
        st.integers(1, 9),
        st.integers(0, 72),
    ),
    min_size=1,
    max_size=25,
)
PARTIES = [
    ("cbr", "cbr.rijbewijs_75"),
    ("svb", "svb.aow"),
    ("logius", "logius.digid_aanvragen"),
    ("duo", "duo.overig"),
]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
async def test_read_model_counts_equal_a_pure_fold_and_a_rebuild_gives_the_same_tables(
    container, new_tenant, actions
):
    tenant, location, ctx = await _library(container, new_tenant)
    runner = Runner(container.db, container.events, [QuestionStats()])
    states: list[q.Question] = []
    applied: list = []
    for action, pick, party, count, hours_ago in actions:
        code, topic = PARTIES[party]
        when = (NOW - timedelta(hours=hours_ago)).replace(microsecond=0)
        live = [s for s in states if not s.retracted]
        if action == "register" or (action in ("correct", "retract") and not live):
            cmd = q.RegisterQuestion(
                question_id=uuid4(),
                visit_id=uuid4(),
                location_id=location,
                npd_party=code,
                topic=topic,
                help="wegwijzer",
                asked_at=when,
            )
            events, state = q.register(cmd, ctx), q.Question(cmd.question_id)
        elif action == "tally":
            cmd = q.TallyQuestions(
                question_id=uuid4(),
                location_id=location,
                npd_party=code,
                count=count,
                hour_start=when.replace(minute=0, second=0),
            )
            events, state = q.tally(cmd, ctx), q.Question(cmd.question_id)
        else:
            state = live[pick % len(live)]
            states.remove(state)
            if action == "retract":
                events = q.retract(state)
            elif state.tally:
                events = q.retract(state)
            else:
                events = q.correct(
                    state,
                    q.CorrectQuestion(
                        question_id=state.question_id, npd_party=code, topic=topic, help="samen_gezocht"
                    ),
                    ctx,
                )
        await _append(container, tenant, state.question_id, events, state.version) if events else None
        for e in events:
            state = q.evolve(state, e)
        states.append(state)
        applied += events
        if pick == 0:
            await asyncio.gather(runner.advance_all(tenant, batch=3), runner.advance_all(tenant, batch=3))
    await caught_up(runner, tenant)
    incremental = await _table(container, tenant, "rm_question_counts_v1", COUNT_COLS)
    expected = {
        (k.day, k.location_id, k.npd_party, k.topic, k.kind, k.help, k.channel): v
        for k, v in _fold_expected(applied).items()
    }
    assert incremental == expected
    hours_before = await _table(container, tenant, "rm_question_hours_v1", "day, location_id, hour")
    await rebuild(runner, QuestionStats.name, tenant)
    assert await _table(container, tenant, "rm_question_counts_v1", COUNT_COLS) == incremental
    assert await _table(container, tenant, "rm_question_hours_v1", "day, location_id, hour") == hours_before
    assert await advances_nothing(runner, tenant)


async def test_the_rebuild_swaps_only_while_no_worker_advances_the_live_tables(container, new_tenant):
    tenant, location, ctx = await _library(container, new_tenant)
    for party, topic in PARTIES[:3]:
        await _question(container, tenant, location, ctx, party, topic)
    runner = Runner(container.db, container.events, [QuestionStats()])
    await caught_up(runner, tenant)
    before = await _table(container, tenant, "rm_question_counts_v1", COUNT_COLS)
    async with container.db.tenant(tenant) as conn:  # a worker in the middle of a batch
        assert await lock(conn, tenant, [QuestionStats.name], wait=False) == [QuestionStats.name]
        swap = asyncio.create_task(rebuild(runner, QuestionStats.name, tenant))
        await asyncio.sleep(0.5)
        assert not swap.done()
    assert await swap == 4  # the IDO registration and three questions
    assert await _table(container, tenant, "rm_question_counts_v1", COUNT_COLS) == before
    assert await advances_nothing(runner, tenant)


# visitors.v1 and help_time.v1

VISITOR_COLS = "day, location_id, hour"


async def _visitors(container, tenant) -> dict:
    async with container.db.tenant(tenant) as conn:
        rows = (
            await conn.execute(
                text(f"SELECT {VISITOR_COLS}, visitors, questions FROM rm_visitors_v1 WHERE tenant_id = :t"),
                {"t": tenant},
            )
        ).all()
    return {tuple(r[:3]): (r.visitors, r.questions) for r in rows}


async def test_a_visit_of_three_questions_is_one_visitor_until_its_last_question_is_undone(
    container, new_tenant
):
    tenant, location, ctx = await _library(container, new_tenant)
    visit, states = uuid4(), []
    for minutes, (party, topic) in zip((40, 30, 20), PARTIES, strict=False):
        cmd = q.RegisterQuestion(
            question_id=uuid4(),
            visit_id=visit,
            location_id=location,
            npd_party=party,
            topic=topic,
            help="wegwijzer",
            duration="5-15",
            asked_at=NOW - timedelta(minutes=minutes),
        )
        events = q.register(cmd, ctx)
        await _append(container, tenant, cmd.question_id, events, 0)
        states.append(q.fold(cmd.question_id, events))
    other = q.RegisterQuestion(
        question_id=uuid4(),
        visit_id=uuid4(),
        location_id=location,
        npd_party="cbr",
        topic="cbr.rijbewijs_75",
        help="wegwijzer",
        asked_at=NOW - timedelta(minutes=40),
    )
    await _append(container, tenant, other.question_id, q.register(other, ctx), 0)
    runner = Runner(container.db, container.events, all_projections(container.settings, container.events))
    await caught_up(runner, tenant)
    local = (NOW - timedelta(minutes=40)).astimezone(TZ)
    cell = (local.date(), location, local.hour)
    assert await _visitors(container, tenant) == {cell: (2, 4)}
    durations = await _table(container, tenant, "rm_help_time_v1", "npd_party, duration")
    assert durations == {("cbr", "5-15"): 1, ("svb", "5-15"): 1, ("logius", "5-15"): 1, ("cbr", ""): 1}
    for state in states[:2]:
        await _append(container, tenant, state.question_id, q.retract(state), state.version)
    await caught_up(runner, tenant)
    assert await _visitors(container, tenant) == {cell: (2, 2)}, "the visit still has a question"
    await _append(container, tenant, states[2].question_id, q.retract(states[2]), states[2].version)
    await caught_up(runner, tenant)
    assert await _visitors(container, tenant) == {cell: (1, 1)}


VISIT_ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["register", "same_visit", "correct", "move", "retract", "tally"]),
        st.integers(0, 5),
        st.integers(0, 3),
        st.integers(1, 9),
        st.integers(0, 72),
        st.sampled_from([None, "0-5", "5-15", "15-30", "30+"]),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=VISIT_ACTIONS)
async def test_visitors_and_durations_equal_a_pure_fold_and_a_rebuild_gives_the_same_tables(
    container, new_tenant, actions
):
    tenant, location, ctx = await _library(container, new_tenant)
    runner = Runner(container.db, container.events, [Visitors(), HelpTime()])
    states: list[q.Question] = []
    applied: list = []
    visits: list = []
    for action, pick, party, count, minutes_ago, duration in actions:
        code, topic = PARTIES[party]
        when = (NOW - timedelta(minutes=10 * minutes_ago)).replace(microsecond=0)
        live = [s for s in states if not s.retracted]
        if action in ("register", "same_visit") or (action in ("correct", "move", "retract") and not live):
            visit = visits[pick % len(visits)] if action == "same_visit" and visits else uuid4()
            visits.append(visit)
            cmd = q.RegisterQuestion(
                question_id=uuid4(),
                visit_id=visit,
                location_id=location,
                npd_party=code,
                topic=topic,
                help="wegwijzer",
                duration=duration,
                asked_at=when,
            )
            events, state = q.register(cmd, ctx), q.Question(cmd.question_id)
        elif action == "tally":
            cmd = q.TallyQuestions(
                question_id=uuid4(),
                location_id=location,
                npd_party=code,
                count=count,
                visitors=None if pick == 0 else 1 + pick % count,
                hour_start=when.replace(minute=0, second=0),
            )
            events, state = q.tally(cmd, ctx), q.Question(cmd.question_id)
        else:
            state = live[pick % len(live)]
            states.remove(state)
            if action == "retract" or state.tally:
                events = q.retract(state)
            elif action == "move":  # a correction of the time (and only that)
                w = state.what
                fix = q.CorrectQuestion(
                    question_id=state.question_id,
                    npd_party=w.npd_party,
                    topic=w.topic,
                    help=w.help,
                    kind=w.kind,
                    channel=w.channel,
                    duration=w.duration,
                    asked_at=when,
                )
                events = q.correct(state, fix, ctx)
            else:
                events = q.correct(
                    state,
                    q.CorrectQuestion(
                        question_id=state.question_id,
                        npd_party=code,
                        topic=topic,
                        help="samen_gezocht",
                        duration=duration,
                    ),
                    ctx,
                )
        await _append(container, tenant, state.question_id, events, state.version) if events else None
        for e in events:
            state = q.evolve(state, e)
        states.append(state)
        applied += events
        if pick == 0:
            await asyncio.gather(runner.advance_all(tenant, batch=3), runner.advance_all(tenant, batch=3))
    await caught_up(runner, tenant)
    incremental = await _visitors(container, tenant)
    visitors = qs.visitors(applied)
    questions = qs.merge([d for e in applied for d in qs.hour_deltas(e)])
    expected = {
        (k.day, k.location_id, k.hour): (visitors.get(k, 0), questions.get(k, 0))
        for k in {*visitors, *questions}
    }
    assert incremental == expected
    durations = await _table(
        container, tenant, "rm_help_time_v1", "day, location_id, npd_party, topic, duration"
    )
    assert durations == {
        (k.day, k.location_id, k.npd_party, k.topic, k.duration): v
        for k, v in qs.merge([d for e in applied for d in qs.duration_deltas(e)]).items()
    }
    await rebuild(runner, Visitors.name, tenant)
    await rebuild(runner, HelpTime.name, tenant)
    assert await _visitors(container, tenant) == incremental
    assert (
        await _table(container, tenant, "rm_help_time_v1", "day, location_id, npd_party, topic, duration")
        == durations
    )
    assert await advances_nothing(runner, tenant)


# referrals.v3


REFERRAL_COLS = "day, location_id, direction, partner_id, kind, warmth"


async def test_referrals_both_ways_fill_from_every_stored_event_through_the_runner(container, new_tenant):
    """Events stored before the projection first runs are counted (it starts from the beginning of the feed);
    a correction of the kind, the partner or the warmth moves the referral, a retraction takes it away (both
    ways), a tally counts nothing; a referral naming no listed partner and a visitor sent by one not listed
    count under the nil partner; a rebuild gives the same table."""
    tenant, location, _ = await _library(container, new_tenant)
    taal, raad, none = uuid4(), uuid4(), qs.NO_PARTNER
    ctx = q.DeskContext(
        now=NOW, locations={location: date(NOW.year - 1, 1, 1)}, partners=frozenset([taal, raad])
    )
    when = (NOW - timedelta(hours=1)).replace(microsecond=0)

    async def ask(**kw) -> q.Question:
        cmd = q.RegisterQuestion(
            question_id=uuid4(),
            visit_id=uuid4(),
            location_id=location,
            npd_party="svb",
            topic="svb.aow",
            help=kw.pop("help", "lokale_partner"),
            asked_at=when,
            **kw,
        )
        events = q.register(cmd, ctx)
        await _append(container, tenant, cmd.question_id, events, 0)
        return q.fold(cmd.question_id, events)

    async def correct(state: q.Question, **kw) -> None:
        fix = q.CorrectQuestion(
            question_id=state.question_id, npd_party="svb", topic="svb.aow", help="lokale_partner", **kw
        )
        await _append(container, tenant, state.question_id, q.correct(state, fix, ctx), state.version)

    await ask(partner_id=taal, warmth="warm")
    await ask(partner_id=taal, warmth="warm", kind="bibliotheekdienst")
    await ask(partner_unlisted=True, warmth="koud", kind="overig")
    await ask(partner_unlisted=True, warmth="onbekend")  # as an import without the column
    moved = await ask(partner_id=taal, warmth="warm")
    await correct(moved, partner_id=taal, warmth="warm", kind="overig")  # the kind changes
    await correct(
        await ask(partner_id=taal, warmth="warm"), partner_id=raad, warmth="koud"
    )  # partner, warmth
    gone = await ask(partner_id=raad, warmth="koud", kind="bibliotheekdienst", referred_by_partner_id=taal)
    await _append(container, tenant, gone.question_id, q.retract(gone), gone.version)
    await ask(help="wegwijzer", referred_by_partner_id=raad)
    await ask(help="samen_gezocht", referred_by_unlisted=True)
    tallied = q.TallyQuestions(
        question_id=uuid4(), location_id=location, npd_party="svb", count=4, hour_start=when.replace(minute=0)
    )
    await _append(container, tenant, tallied.question_id, q.tally(tallied, ctx), 0)

    runner = Runner(container.db, container.events, all_projections(container.settings, container.events))
    assert "referrals.v3" in runner.projections and "referrals.v2" not in runner.projections
    await caught_up(runner, tenant)
    day = when.astimezone(TZ).date()
    referrals = await _table(container, tenant, "rm_referrals_v3", REFERRAL_COLS)
    assert referrals == {
        (day, location, "naar", taal, "digitale_overheid", "warm"): 1,
        (day, location, "naar", taal, "bibliotheekdienst", "warm"): 1,
        (day, location, "naar", taal, "overig", "warm"): 1,
        (day, location, "naar", raad, "digitale_overheid", "koud"): 1,
        (day, location, "naar", none, "overig", "koud"): 1,
        (day, location, "naar", none, "digitale_overheid", ""): 1,
        (day, location, "door", raad, "digitale_overheid", ""): 1,
        (day, location, "door", none, "digitale_overheid", ""): 1,
    }
    feed = [r.event for r in await container.events.read_feed(tenant, Checkpoint())]
    assert referrals == {
        (k.day, k.location_id, k.direction, k.partner_id, k.kind, k.warmth): v
        for k, v in qs.merge([d for e in feed for d in qs.referral_deltas(e)]).items()
    }
    await rebuild(runner, "referrals.v3", tenant)
    assert await _table(container, tenant, "rm_referrals_v3", REFERRAL_COLS) == referrals
    assert await advances_nothing(runner, tenant)


# opening_status.v2


GEMEENTE_COLS = (
    "location_id, name, inside_library, status, gemeente, gemeente_list, gemeente_name, gemeente_province"
)


async def _locations(container, tenant):
    async with container.db.tenant(tenant) as conn:
        sql = f"SELECT {GEMEENTE_COLS} FROM rm_opening_status_v2 WHERE tenant_id = :t ORDER BY name"
        return [tuple(r) for r in (await conn.execute(text(sql), {"t": tenant})).all()]


async def test_the_opening_status_carries_the_gemeente_of_each_location_and_a_rebuild_gives_the_same_rows(
    container, new_tenant
):
    """A location registered without a gemeente has none (NULL, never left out); one registered in a gemeente,
    and the first after its gemeente is set and changed, carry the code, the list version and the name and
    province looked up in that version."""
    tenant, first, _ = await _library(container, new_tenant)
    runner = Runner(container.db, container.events, all_projections(container.settings, container.events))
    assert "opening_status.v2" in runner.projections and "opening_status.v1" not in runner.projections
    await caught_up(runner, tenant)
    assert await _locations(container, tenant) == [(first, "IDO", True, "gepland", None, None, None, None)]
    state = ido.fold(
        first, [r.event for r in await container.events.read_stream(tenant, ido.stream_id(first))]
    )
    for code in ("GM0363", "GM1992"):
        events = ido.set_gemeente(state, code)
        await container.events.append(
            tenant, ido.stream_id(first), [NewEvent(uuid4(), e) for e in events], state.version
        )
        state = ido.fold(
            first, [*[r.event for r in await container.events.read_stream(tenant, ido.stream_id(first))]]
        )
    second = uuid4()
    cmd = ido.RegisterIdo(
        tenant_id=tenant,
        location_id=second,
        name="IDO Stadsloket",
        branch="Stadhuis",
        variant=ido.Variant.BASIS,
        inside_library=False,
        subsidy_year=NOW.year,
        planned_opening=TODAY,
        gemeente="GM0080",
    )
    await container.events.append(
        tenant, ido.stream_id(second), [NewEvent(uuid4(), e) for e in ido.register(cmd, TODAY)], 0
    )
    await caught_up(runner, tenant)
    rows = await _locations(container, tenant)
    assert rows == [
        (first, "IDO", True, "gepland", "GM1992", "2025", "Voorne aan Zee", "Zuid-Holland"),
        (second, "IDO Stadsloket", False, "gepland", "GM0080", "2025", "Leeuwarden", "Fryslân"),
    ]
    await rebuild(runner, "opening_status.v2", tenant)
    assert await _locations(container, tenant) == rows
    assert await advances_nothing(runner, tenant)
