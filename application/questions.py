"""Desk questions: register, tally, correct, retract. Ids of new questions and their events derive from the
request's key, so a retried request finds what the first one stored."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from application.aggregates import QUESTION, change, existing, load
from domain import questions as q
from domain.ports import Transaction


def id_for_key(tenant_id: UUID, key: str, purpose: str = "question") -> UUID:
    """The id of what a request with `key` creates in a library (a question, its visit, a course)."""
    return uuid5(NAMESPACE_URL, f"ido:{tenant_id}:{purpose}:{key}")


def _event_ids(question_id: UUID, n: int) -> list[UUID]:
    return [uuid5(NAMESPACE_URL, f"ido:{question_id}:event-{i}") for i in range(n)]


async def context(tx: Transaction) -> q.DeskContext:
    """What a desk decision needs, read in the command's transaction."""
    return q.DeskContext(
        now=tx.now(), locations=await tx.locations(), partners=frozenset(await tx.active_partners())
    )


async def register(cmd: q.RegisterQuestion, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    events = q.register(cmd, await context(tx))
    state = await load(tx, QUESTION, cmd.question_id)
    await change(tx, QUESTION, state, cmd.question_id, events, meta, _event_ids(cmd.question_id, len(events)))
    return {"question_id": str(cmd.question_id), "visit_id": str(cmd.visit_id)}


async def tally(cmd: q.TallyQuestions, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    events = q.tally(cmd, await context(tx))
    state = await load(tx, QUESTION, cmd.question_id)
    await change(tx, QUESTION, state, cmd.question_id, events, meta, _event_ids(cmd.question_id, len(events)))
    return {"question_id": str(cmd.question_id), "count": cmd.count}


async def correct(cmd: q.CorrectQuestion, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    state = await existing(tx, QUESTION, cmd.question_id)
    state = await change(tx, QUESTION, state, cmd.question_id, q.correct(state, cmd, await context(tx)), meta)
    assert state.what is not None
    return {"question_id": str(cmd.question_id), "location_id": str(state.what.location_id)}


async def retract(cmd: q.RetractQuestion, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    """A repeated undo of the same version (a double click) is the same event, stored once."""
    state = await existing(tx, QUESTION, cmd.question_id)
    events = q.retract(state)
    ids = [uuid5(NAMESPACE_URL, f"ido:retract:{cmd.question_id}:{state.version}")]
    await change(tx, QUESTION, state, cmd.question_id, events, meta, ids)
    assert state.what is not None
    return {"question_id": str(cmd.question_id), "location_id": str(state.what.location_id)}


HANDLERS = {
    q.RegisterQuestion: (register, 201),
    q.TallyQuestions: (tally, 201),
    q.CorrectQuestion: (correct, 200),
    q.RetractQuestion: (retract, 200),
}
