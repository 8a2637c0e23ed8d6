"""The app as `ido serve` runs it settles the garbage collector once it has started (services/api/app.py); the app
that tests and one-off processes create leaves the collector as it is."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from services.api import app as app_module


async def test_the_served_app_settles_the_collector_and_other_apps_do_not(settings, clock, monkeypatch):
    settled: list[bool] = []
    monkeypatch.setattr(app_module, "settle_garbage_collector", lambda: settled.append(True))
    async with AsyncTestClient(app=app_module.create_app(settings, clock=clock)) as c:
        assert (await c.get("/healthz")).status_code == 200
    assert settled == []
    monkeypatch.setattr(app_module.Settings, "from_env", staticmethod(lambda *a, **k: settings))
    async with AsyncTestClient(app=app_module.serve_app()) as c:
        assert (await c.get("/healthz")).status_code == 200
    assert settled == [True]
