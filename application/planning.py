"""The coordinator's planning of an IDO location: register it, its gemeente, reschedule, open, close, reopen, the
steps to the opening and the opening hours. "Today" is the library's day of the transaction's clock."""

from __future__ import annotations

from typing import Any

from application.aggregates import IDO, change, execute, existing, load
from domain import ido
from domain.calendar import local_day
from domain.errors import WrongExpectedVersion
from domain.planning_notices import fact_event_id
from domain.ports import Transaction


def _answer(state: ido.Ido) -> dict[str, Any]:
    return {
        "location_id": str(state.location_id),
        "name": state.name,
        "status": state.status.value,
        "subsidy_year_slipped": state.subsidy_year_slipped,
    }


async def register(cmd: ido.RegisterIdo, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    """Raises: WrongExpectedVersion when the location exists (a repeated form)."""
    state = await load(tx, IDO, cmd.location_id)
    if state.version:
        raise WrongExpectedVersion(IDO.stream(cmd.location_id), 0, state.version)
    events = ido.register(cmd, local_day(tx.now()))
    return _answer(await change(tx, IDO, state, cmd.location_id, events, meta))


async def reschedule(cmd: ido.RescheduleOpening, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    today = local_day(tx.now())
    decide = lambda s: ido.reschedule(s, cmd.new_date, cmd.reason, today)  # noqa: E731
    return _answer(await execute(tx, IDO, cmd.location_id, decide, meta))


async def open_ido(cmd: ido.OpenIdo, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    today = local_day(tx.now())
    decide = lambda s: ido.open_ido(s, cmd.opened_on, today)  # noqa: E731
    return _answer(await execute(tx, IDO, cmd.location_id, decide, meta))


async def close_temporarily(
    cmd: ido.CloseTemporarily, tx: Transaction, meta: dict[str, Any]
) -> dict[str, Any]:
    decide = lambda s: ido.close_temporarily(s, cmd.closed_from, cmd.until, cmd.reason)  # noqa: E731
    return _answer(await execute(tx, IDO, cmd.location_id, decide, meta))


async def reopen(cmd: ido.ReopenIdo, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    return _answer(await execute(tx, IDO, cmd.location_id, lambda s: ido.reopen(s, cmd.reopened_on), meta))


async def close(cmd: ido.CloseIdo, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    decide = lambda s: ido.close(s, cmd.closed_on, cmd.reason)  # noqa: E731
    return _answer(await execute(tx, IDO, cmd.location_id, decide, meta))


async def complete_step(cmd: ido.CompleteStep, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    today = local_day(tx.now())
    decide = lambda s: ido.complete_step(s, cmd.step, today)  # noqa: E731
    return _answer(await execute(tx, IDO, cmd.location_id, decide, meta))


async def set_hours(cmd: ido.SetOpeningHours, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    decide = lambda s: ido.set_hours(s, list(cmd.slots), list(cmd.holidays))  # noqa: E731
    return _answer(await execute(tx, IDO, cmd.location_id, decide, meta))


async def set_gemeente(cmd: ido.SetGemeente, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    decide = lambda s: ido.set_gemeente(s, cmd.gemeente)  # noqa: E731
    state = await execute(tx, IDO, cmd.location_id, decide, meta)
    return {**_answer(state), "gemeente": state.gemeente, "gemeente_list": state.gemeente_list}


async def note_time_passed(cmd: ido.NoteTimePassed, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    """The sweep's command: each fact gets an id derived from the IDO and the fact, so a sweep that runs twice,
    or beside another, appends it once (the store answers a repeated id as the first append)."""
    state = await existing(tx, IDO, cmd.location_id)
    events = ido.note_time_passed(state, local_day(tx.now()))
    ids = [fact_event_id(cmd.location_id, e) for e in events]
    after = await change(tx, IDO, state, cmd.location_id, events, meta, event_ids=ids)
    return {**_answer(after), "noted": [type(e).__name__ for e in events]}


HANDLERS = {
    ido.RegisterIdo: (register, 201),
    ido.RescheduleOpening: (reschedule, 200),
    ido.OpenIdo: (open_ido, 200),
    ido.CloseTemporarily: (close_temporarily, 200),
    ido.ReopenIdo: (reopen, 200),
    ido.CloseIdo: (close, 200),
    ido.CompleteStep: (complete_step, 200),
    ido.SetOpeningHours: (set_hours, 200),
    ido.SetGemeente: (set_gemeente, 200),
    ido.NoteTimePassed: (note_time_passed, 200),
}
