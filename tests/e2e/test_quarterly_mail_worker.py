"""The beat's kwartaaloverzicht (`ido.quarterly_mail`) in real worker processes: two sweeps at once in two workers,
on 1 July after 07:00 by the processes' clock, send the coordinator and the POI adviser one mail each for the
second quarter over a real SMTP server, and a later sweep sends nothing more."""

from __future__ import annotations

import asyncio
from datetime import date, time

import pytest

from domain.calendar import at_local
from services.worker.celery_app import make_celery
from tests.e2e.test_quarterly_mail_http import with_questions
from tests.e2e.test_workers import until
from tests.receivers import SmtpServer

pytestmark = pytest.mark.slow


async def test_two_workers_sweeping_at_once_send_each_recipient_one_mail(
    container, settings, worker_env, procs
):
    lib, adviser = await with_questions(container, settings, 4)
    with SmtpServer() as smtp:
        env = {
            **worker_env,
            "IDO_FIXED_NOW": at_local(date(2026, 7, 1), time(7, 5)).isoformat(),
            "SMTP_URL": smtp.url,
            "BASE_URL": "https://ido.example",
        }
        workers = [procs("worker", "--concurrency", "1", env=env) for _ in range(2)]
        app = make_celery(settings.with_(redis_url=worker_env["REDIS_URL"]))
        for _ in range(2):
            app.send_task("ido.quarterly_mail")

        def to(address: str) -> list:
            return [m for m in smtp.mailbox.messages if m["X-Envelope-To"] == address]

        async def both() -> bool:
            return bool(to(lib.coordinator)) and bool(to(adviser))

        logs = "\n".join(w.output()[-2000:] for w in workers)
        await until(both, 90, "no kwartaaloverzicht arrived:\n" + logs)
        await asyncio.sleep(2)  # the other sweep, if still running, would send a double now
        app.send_task("ido.quarterly_mail")
        await asyncio.sleep(3)
        [coordinator], [poi] = to(lib.coordinator), to(adviser)
    assert coordinator["Subject"].startswith("Kwartaaloverzicht tweede kwartaal 2026: Bibliotheek ")
    assert poi["Subject"].startswith("Kwartaaloverzicht tweede kwartaal 2026: POI ")
    assert coordinator["List-Unsubscribe"].startswith("<https://ido.example/kwartaaloverzicht/afmelden/")
