"""Celery tasks: each a few lines that call infra."""

from __future__ import annotations

import os
import socket
import time
from uuid import UUID, uuid4

from celery import current_app, shared_task

from domain.calendar import local_day
from infra.notify.notices import Dispatcher
from infra.notify.quarterly import QuarterlyMail
from infra.notify.wakeup import PENDING_SECONDS, WAKE_TASK, pending_key
from infra.projections.operations import tenants_behind
from services import planning_sweep
from services.bootstrap import command_bus
from services.worker.runtime import run, worker

HEARTBEAT_KEY = "ido:worker:heartbeat"


def _settings():
    return current_app.conf.ido_settings


@shared_task(name="ido.heartbeat")
def heartbeat() -> None:
    """Beat → worker round trip; /readyz and `ido projections status` read its age."""
    worker(_settings()).redis.set(HEARTBEAT_KEY, str(time.time()), ex=600)


@shared_task(name=WAKE_TASK)
def wake(tenant_id: str) -> None:
    """Bring every projection of one tenant up to date; a later append sends a new wake-up."""
    w = worker(_settings())
    w.redis.delete(pending_key(tenant_id))
    caught_up = run(_settings(), w.runner.advance_all(UUID(tenant_id)))
    if not caught_up and w.redis.set(pending_key(tenant_id), "1", nx=True, ex=PENDING_SECONDS):
        current_app.send_task(WAKE_TASK, args=[tenant_id])


@shared_task(name="ido.sweep")
def sweep() -> int:
    """The safety net for lost wake-ups: every tenant with unprocessed events gets one (coalesced) task."""
    w = worker(_settings())
    tenants: set[UUID] = set()
    for name in w.runner.projections:
        tenants |= run(_settings(), tenants_behind(w.container.reader, name))
    sent = 0
    for tenant_id in tenants:
        if w.redis.set(pending_key(tenant_id), "1", nx=True, ex=PENDING_SECONDS):
            current_app.send_task(WAKE_TASK, args=[str(tenant_id)])
            sent += 1
    return sent


@shared_task(name="ido.dispatch")
def dispatch() -> int:
    """Send the notices that are due (e-mail, webhooks), with retries and a delivery log."""
    w = worker(_settings())
    return run(
        _settings(), Dispatcher(w.container.db, w.container.reader, _settings(), w.container.clock).run_once()
    )


@shared_task(name="ido.quarterly_mail")
def quarterly_mail() -> int:
    """Send each coordinator and POI adviser the kwartaaloverzicht of the quarter that ended, once, from 07:00
    on the first day of the next (docs/quarterly-mail.md); failed sends are tried again."""
    w = worker(_settings())
    c = w.container
    return run(_settings(), QuarterlyMail(c.db, c.reader, _settings(), c.clock).run_once())


@shared_task(name="ido.overdue")
def overdue() -> int:
    """Note planned opening dates that passed without an opening, and subsidy years that ended before it, once
    each; the notices projection tells the POI, the KB and the coordinators as the planning table says."""
    w = worker(_settings())
    return run(
        _settings(), planning_sweep.sweep(command_bus(w.container), w.container.reader, w.container.clock)
    )


# the build renders PDFs too (all of them when no other process is free): longer than the default limits
@shared_task(name="ido.build_bundle", bind=True, max_retries=40, soft_time_limit=1200, time_limit=1260)
def build_bundle(self, bundle_id: str) -> str:
    """Build the KB's national bundle. A second delivery finds it done, or held by a live run (then it looks
    again after a lease), so it completes once; a killed run's lease expires and the next delivery redoes it."""
    from infra.reports import bundle, bundle_pdfs

    settings = _settings()
    w = worker(settings)
    today = local_day(w.container.clock())
    lease = settings.bundle_lease_seconds

    def helpers(n: int) -> None:  # one for every other worker process: more would only wait in the queue
        for _ in range(min(n, _worker_processes() - 1)):
            current_app.send_task(bundle_pdfs.RENDER_TASK, args=[bundle_id])

    outcome = run(
        settings,
        bundle.build(
            w.container.db, w.container.reader, UUID(bundle_id), today, lease=lease, helpers=helpers
        ),
    )
    if outcome == "busy":
        raise self.retry(countdown=lease)
    return outcome


def _worker_processes() -> int:
    """The processes of every worker's pool, as the workers answer within a second (a list of answers, not
    inspect's dict by node name: two workers on one host may share a name); 2 when none answers."""
    try:
        answers = current_app.control.broadcast("stats", reply=True, timeout=1.0) or []
    except Exception:  # a broker that does not answer: docker-compose.yml's one worker of two
        return 2
    return sum(a.get("pool", {}).get("max-concurrency", 1) for r in answers for a in r.values()) or 2


@shared_task(name="ido.render_bundle_pdfs")
def render_bundle_pdfs(bundle_id: str) -> bool:
    """Render PDFs of a national bundle being built, for a slice of time; when rows are left that nobody holds,
    send the next helper, which waits behind the tasks queued meanwhile (projections are not held up long)."""
    from infra.reports import bundle_pdfs

    settings = _settings()
    w = worker(settings)
    owner = f"helper:{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"
    more = run(
        settings,
        bundle_pdfs.render_some(
            w.container.db, UUID(bundle_id), owner, settings.bundle_lease_seconds, bundle_pdfs.SLICE_SECONDS
        ),
    )
    if more:
        current_app.send_task(bundle_pdfs.RENDER_TASK, args=[bundle_id])
    return more


@shared_task(name="ido.bundle_sweep")
def bundle_sweep() -> int:
    """Re-send bundles whose run died with its worker (its message may come back only after the broker's
    visibility timeout) or whose task never reached the broker."""
    from infra.reports import bundle

    settings = _settings()
    due = run(settings, bundle.due_for_enqueue(worker(settings).container.db, settings.bundle_lease_seconds))
    for bundle_id in due:
        current_app.send_task(bundle.BUILD_TASK, args=[str(bundle_id)])
    return len(due)
