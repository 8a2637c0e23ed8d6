"""Desk questions: register, tally, correct, retract. Ids of new questions and their events derive from the
request's key, so a retried request finds what the first one stored."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from application.aggregates import QUESTION, change, load
from domain import questions as q
from domain.errors import DomainError, IdempotencyConflict, NotFound, WrongExpectedVersion
from domain.ports import NewEvent, Transaction


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


async def _register(
    tx: Transaction, ctx: q.DeskContext, cmd: q.RegisterQuestion, meta: dict[str, Any]
) -> bool:
    """Decide and append one question; answer whether it was a repeat. A question registered before with the
    same content is a repeat (nothing new is stored, as when an import runs twice); with other content it
    raises IdempotencyConflict."""
    events = q.register(cmd, ctx)
    stream = QUESTION.stream(cmd.question_id)
    new = [
        NewEvent(i, e, meta) for i, e in zip(_event_ids(cmd.question_id, len(events)), events, strict=True)
    ]
    try:
        return (await tx.append(stream, new, 0)).duplicate
    except WrongExpectedVersion:
        if [r.event for r in await tx.read_stream(stream)][: len(events)] != events:
            raise IdempotencyConflict(cmd.question_id) from None
        return True


async def register(cmd: q.RegisterQuestion, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    repeated = await _register(tx, await context(tx), cmd, meta)
    return {"question_id": str(cmd.question_id), "visit_id": str(cmd.visit_id), "repeated": repeated}


async def register_many(cmd: q.RegisterQuestions, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    """Several questions in one transaction (an import's batch), each through the same decision and append as
    one from the desk. Answers per question "new", "repeated", "conflict" or the Dutch refusal; a refused or
    conflicting question does not stop the others (each append is a savepoint of its own)."""
    ctx = await context(tx)
    outcomes: list[str] = []
    for one in cmd.questions:
        try:
            outcomes.append("repeated" if await _register(tx, ctx, one, meta) else "new")
        except IdempotencyConflict:
            outcomes.append("conflict")
        except DomainError as err:
            outcomes.append(err.message)
    return {"outcomes": outcomes}


async def tally(cmd: q.TallyQuestions, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    events = q.tally(cmd, await context(tx))
    state = await load(tx, QUESTION, cmd.question_id)
    await change(tx, QUESTION, state, cmd.question_id, events, meta, _event_ids(cmd.question_id, len(events)))
    [tallied] = events
    return {
        "question_id": str(cmd.question_id),
        "count": cmd.count,
        "visitors": q.tally_visitors(tallied.what),
    }


async def _question(tx: Transaction, question_id: UUID) -> tuple[q.Question, bool]:
    """The question and whether an import brought it in (how it was recorded: its first event's metadata).
    Raises: NotFound."""
    records = await tx.read_stream(QUESTION.stream(question_id))
    state = QUESTION.fold(question_id, [r.event for r in records])
    if state.version == 0:
        raise NotFound(QUESTION.missing)
    return state, records[0].metadata.get("via") == "import"


async def correct(cmd: q.CorrectQuestion, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    state, imported = await _question(tx, cmd.question_id)
    events = q.correct(state, cmd, await context(tx), imported=imported)
    state = await change(tx, QUESTION, state, cmd.question_id, events, meta)
    assert state.what is not None
    return {"question_id": str(cmd.question_id), "location_id": str(state.what.location_id)}


async def retract(cmd: q.RetractQuestion, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    """A repeated undo of the same version (a double click) is the same event, stored once."""
    state, imported = await _question(tx, cmd.question_id)
    events = q.retract(state, imported=imported, by_coordinator=cmd.by_coordinator)
    ids = [uuid5(NAMESPACE_URL, f"ido:retract:{cmd.question_id}:{state.version}")]
    await change(tx, QUESTION, state, cmd.question_id, events, meta, ids)
    assert state.what is not None
    return {"question_id": str(cmd.question_id), "location_id": str(state.what.location_id)}


HANDLERS = {
    q.RegisterQuestion: (register, 201),
    q.RegisterQuestions: (register_many, 200),
    q.TallyQuestions: (tally, 201),
    q.CorrectQuestion: (correct, 200),
    q.RetractQuestion: (retract, 200),
}
