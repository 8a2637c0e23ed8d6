"""The desk's "Vandaag" as DeskQueries.today reads it: a process keeps each location's day folded and reads only
the events it may not have seen, which gives the same list as folding the day afresh: after a correction and an
undo, for an event whose transaction commits after a later one, and never with what a rolled-back transaction
wrote."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import msgspec

from domain import questions as q
from infra.queries.desk import DeskQueries
from tests.commands import handle
from tests.e2e.conftest import make_library


def _fresh(container, clock) -> DeskQueries:

    return DeskQueries(container.events, clock)


def _register(lib, party: str, topic: str) -> q.RegisterQuestion:
    return q.RegisterQuestion(
        question_id=uuid4(),
        visit_id=uuid4(),
        location_id=lib.location_id,
        npd_party=party,
        topic=topic,
        help="wegwijzer",
    )


async def test_kept_events_give_the_list_that_decoding_afresh_gives(container, clock):
    lib, other = await make_library(container), await make_library(container)
    kept = _fresh(container, clock)
    cmds = [
        _register(lib, "cbr", "cbr.rijbewijs_75"),
        _register(lib, "uwv", "uwv.ww"),
        _register(lib, "duo", "duo.studiefinanciering"),
    ]
    for cmd in cmds:
        await handle(container, lib.tenant_id, cmd)
    await handle(container, other.tenant_id, _register(other, "svb", "svb.aow"))
    first = await kept.today(lib.tenant_id, lib.location_id)
    assert [r.question_id for r in first.rows] and first.count == 3

    # a correction and an undo after the list was read: the kept events are the old ones, the fold is new
    await handle(
        container,
        lib.tenant_id,
        q.CorrectQuestion(
            question_id=cmds[0].question_id,
            npd_party="cbr",
            topic="cbr.rijbewijs_75",
            help="samen_gezocht",
        ),
    )
    await handle(container, lib.tenant_id, q.RetractQuestion(question_id=cmds[1].question_id))
    again, afresh = (
        await kept.today(lib.tenant_id, lib.location_id),
        await _fresh(container, clock).today(lib.tenant_id, lib.location_id),
    )
    assert again == afresh
    assert again.count == 2
    assert {r.question_id: r.what.help for r in again.rows} == {
        cmds[0].question_id: "samen_gezocht",
        cmds[2].question_id: "wegwijzer",
    }
    # the other library's list holds its own question only, read through the same kept events
    theirs = await kept.today(other.tenant_id, other.location_id)
    assert [r.what.npd_party for r in theirs.rows] == ["svb"]
    assert {t for t, _ in kept._folds} == {lib.tenant_id, other.tenant_id}


async def test_a_question_read_in_its_own_transaction_is_not_kept_when_that_transaction_rolls_back(
    container, clock
):
    """The page after a registration is read in the command's transaction. If that transaction rolls back (here:
    the read after it fails), what it wrote was never stored, and the same question id may come again with other
    content (a question the browser kept while the server did not answer carries the time it was asked): the
    list shows what was stored."""
    from services.bootstrap import command_bus

    lib = await make_library(container)
    kept = _fresh(container, clock)
    first = _register(lib, "cbr", "cbr.rijbewijs_75")
    seen: list = []

    async def read_then_fail(tx):
        seen.append(await kept.page_after(lib.location_id)(tx))
        raise RuntimeError("the answer could not be sent")

    try:
        await command_bus(container).handle_then(lib.tenant_id, first, {}, read_then_fail)
    except RuntimeError:
        pass
    [page] = seen
    assert [r.what.topic for r in page.today.rows] == ["cbr.rijbewijs_75"]
    fold = kept._folds[(lib.tenant_id, lib.location_id)]
    assert not fold.found and not fold.seen

    again = msgspec.structs.replace(
        _register(lib, "uwv", "uwv.ww"), question_id=first.question_id, visit_id=first.visit_id
    )
    await handle(container, lib.tenant_id, again)
    today = await kept.today(lib.tenant_id, lib.location_id)
    assert [(r.question_id, r.what.topic) for r in today.rows] == [(first.question_id, "uwv.ww")]


async def test_a_transaction_that_commits_after_a_later_one_is_still_seen(container, clock):
    """An event's transaction may commit after events with higher positions were read: the next read still
    finds it (it reads from the oldest transaction that was running at the last read)."""
    from services.bootstrap import command_bus

    lib = await make_library(container)
    kept = _fresh(container, clock)
    slow, quick = _register(lib, "cbr", "cbr.rijbewijs_75"), _register(lib, "uwv", "uwv.ww")
    inside, gate = asyncio.Event(), asyncio.Event()

    async def hold(tx):
        inside.set()
        await gate.wait()

    held = asyncio.create_task(command_bus(container).handle_then(lib.tenant_id, slow, {}, hold))
    await inside.wait()  # `slow` is written, not committed
    await handle(container, lib.tenant_id, quick)
    during = await kept.today(lib.tenant_id, lib.location_id)
    assert [r.question_id for r in during.rows] == [quick.question_id]
    gate.set()
    await held
    after = await kept.today(lib.tenant_id, lib.location_id)
    assert {r.question_id for r in after.rows} == {slow.question_id, quick.question_id} and after.count == 2
    assert after == await _fresh(container, clock).today(lib.tenant_id, lib.location_id)


async def test_the_page_after_a_registration_shows_it_and_the_next_read_keeps_it(container, clock):
    from services.bootstrap import command_bus

    lib = await make_library(container)
    kept = _fresh(container, clock)
    cmd = _register(lib, "duo", "duo.studiefinanciering")
    _, page = await command_bus(container).handle_then(
        lib.tenant_id, cmd, {}, kept.page_after(lib.location_id)
    )
    assert [r.question_id for r in page.today.rows] == [cmd.question_id]
    assert not kept._folds[(lib.tenant_id, lib.location_id)].seen  # read in its own transaction: not kept
    again = await kept.today(lib.tenant_id, lib.location_id)
    assert again.rows == page.today.rows
    assert kept._folds[(lib.tenant_id, lib.location_id)].seen == {again.rows[0].event_id}
