"""services.api.deps.resolve_in_turn: a route's dependencies are resolved one after the other, in the request's own
task, with what each level needs resolved before it, and errors and generator clean-up as Litestar has them."""

from __future__ import annotations

import asyncio

import pytest
from litestar import Litestar, get
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.testing import TestClient

from services.api.deps import resolve_in_turn


def _app(log: list[str]) -> Litestar:
    async def first() -> asyncio.Task | None:
        log.append("first")
        return asyncio.current_task()

    async def second() -> asyncio.Task | None:
        log.append("second")
        return asyncio.current_task()

    async def both(first: asyncio.Task | None, second: asyncio.Task | None) -> bool:
        log.append("both")
        return first is second is asyncio.current_task()

    async def closing():
        log.append("open")
        yield "value"
        log.append("closed")

    async def missing() -> None:
        raise NotFoundException()

    @get("/same-task")
    async def same_task(both: bool, closing: str, first: asyncio.Task | None) -> dict:
        return {"same": both and first is asyncio.current_task(), "closing": closing}

    @get("/missing", dependencies={"missing": Provide(missing)})
    async def refused(missing: None, first: asyncio.Task | None) -> str:
        return "never"

    deps = {
        "first": Provide(first),
        "second": Provide(second),
        "both": Provide(both),
        "closing": Provide(closing),
    }
    return Litestar([same_task, refused], dependencies=deps)


def test_the_dependencies_of_a_route_run_in_its_own_task_each_level_after_the_one_it_needs() -> None:
    resolve_in_turn()
    log: list[str] = []
    with TestClient(_app(log)) as client:
        r = client.get("/same-task")
    assert r.status_code == 200
    assert r.json() == {"same": True, "closing": "value"}
    assert log.index("both") > max(log.index("first"), log.index("second"))
    assert log[-1] == "closed"  # a generator dependency is closed after the response


def test_a_dependency_that_refuses_answers_as_it_would_without_resolving_in_turn() -> None:
    resolve_in_turn()
    with TestClient(_app([])) as client:
        assert client.get("/missing").status_code == 404


def test_resolve_in_turn_refuses_to_patch_a_litestar_whose_resolution_changed(monkeypatch) -> None:
    from litestar._kwargs.kwargs_model import KwargsModel

    async def other(self, connection, kwargs, extra):  # a signature the patch does not know
        return None

    monkeypatch.setattr(KwargsModel, "resolve_dependencies", other)
    with pytest.raises(RuntimeError, match="resolve_in_turn"):
        resolve_in_turn()


def test_picked_parts_are_the_fields_of_web_with_the_same_names() -> None:
    from dataclasses import dataclass
    from types import SimpleNamespace

    from services.api.deps import picked

    @dataclass(frozen=True)
    class Parts:
        bus: object
        clock: object

    web = SimpleNamespace(bus="the bus", clock="the clock", db="the database")
    provide = picked(Parts)
    assert provide.dependency(SimpleNamespace(web=web)) == Parts("the bus", "the clock")

    @dataclass(frozen=True)
    class Wrong:
        queries: object

    with pytest.raises(TypeError, match="queries"):
        picked(Wrong)
