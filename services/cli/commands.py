"""What each `ido` command does; the work itself lives in infra/."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from domain.accounts import Role, check_email, check_name, check_password, check_scope, check_slug
from infra.bootstrap import Container, container
from infra.embedded import ensure_servers
from infra.settings import Settings
from services.cli.usage import UsageError


def _settings() -> tuple[Settings, object]:
    """Settings from the environment; embedded servers under ./var stand in for unset URLs."""
    env = dict(os.environ)
    embedded = ensure_servers(env)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL")})
    return Settings.from_env(env), embedded


def _with_container(fn: Callable[[Container], Awaitable[int | None]]) -> int:
    settings, embedded = _settings()
    try:

        async def go() -> int | None:
            async with container(settings, null_pool=True) as c:
                return await fn(c)

        return asyncio.run(go()) or 0
    finally:
        embedded.stop()  # type: ignore[attr-defined]


def dispatch(args: argparse.Namespace) -> int:
    handler = {
        "run": cmd_run,
        "serve": cmd_serve,
        "worker": cmd_worker,
        "beat": cmd_beat,
        "migrate": cmd_migrate,
        "demo": cmd_demo,
        "tenants": cmd_tenants,
        "pois": cmd_pois,
        "users": cmd_users,
        "tokens": cmd_tokens,
        "projections": cmd_projections,
    }[args.command]
    return handler(args)


def cmd_migrate(args: argparse.Namespace) -> int:
    from infra.migrate import upgrade

    settings, embedded = _settings()
    try:
        upgrade(settings)
        print("database is bijgewerkt")
    finally:
        embedded.stop()  # type: ignore[attr-defined]
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from infra.demo import DEMO_PASSWORD, load_demo

    async def go(c: Container) -> int:
        logins = await load_demo(c, date.today())
        for email, role in logins:
            print(f"{role:15} {email}  wachtwoord: {DEMO_PASSWORD}")
        return 0

    return _with_container(go)


def cmd_pois(args: argparse.Namespace) -> int:
    check_slug(args.slug), check_name(args.name, "de POI"), args.email and check_email(args.email)

    async def go(c: Container) -> int:
        poi_id = await c.accounts.create_poi(args.slug, args.name, args.email)
        print(f"POI {args.slug} aangemaakt ({poi_id})")
        return 0

    return _with_container(go)


def cmd_tenants(args: argparse.Namespace) -> int:
    check_slug(args.slug), check_name(args.name, "de bibliotheek")

    async def go(c: Container) -> int:
        tenant_id = await c.accounts.create_tenant(args.slug, args.name, args.poi)
        print(f"bibliotheek {args.slug} aangemaakt ({tenant_id})")
        return 0

    return _with_container(go)


def cmd_users(args: argparse.Namespace) -> int:
    check_email(args.email), check_scope(Role(args.role), args.tenant, args.poi)
    password = None
    if args.password_stdin:
        password = check_password(sys.stdin.readline().rstrip("\r\n"))

    async def go(c: Container) -> int:
        await c.accounts.create_user(
            args.email, Role(args.role), tenant_slug=args.tenant, poi_slug=args.poi, password=password
        )
        print(f"gebruiker {args.email.strip().lower()} heeft de rol {args.role}")
        return 0

    return _with_container(go)


def cmd_projections(args: argparse.Namespace) -> int:
    from infra.projections import operations
    from infra.projections.registry import all_projections, projection_names
    from infra.projections.runner import Runner

    names = projection_names()
    if args.action == "rebuild" and args.name not in names:
        raise UsageError(f"onbekende projectie '{args.name}'; bekend: {', '.join(names)}")

    async def go(c: Container) -> int:
        if args.action == "status":
            now = datetime.now(UTC)
            print(f"{'projectie':24} {'bibliotheken achter':>20} {'events achter':>14} {'oudste (s)':>11}")
            for lag in await operations.status(c.reader, names):
                print(
                    f"{lag.projection:24} {lag.tenants_behind:>20} {lag.events_behind:>14} "
                    f"{lag.age_seconds(now):>11.1f}"
                )
            return 0
        runner = Runner(c.db, c.events, all_projections(c.settings, c.events))
        tenants = (
            [(await c.accounts.tenant_by_slug(args.tenant))] if args.tenant else await c.accounts.tenants()
        )
        for t in tenants:
            n = await operations.rebuild(runner, args.name, t.tenant_id)
            print(f"{args.name} voor {t.slug}: {n} events opnieuw verwerkt en omgewisseld")
        return 0

    return _with_container(go)


def cmd_tokens(args: argparse.Namespace) -> int:
    async def go(c: Container) -> int:
        print(await c.accounts.create_token(args.email, args.name))
        return 0

    return _with_container(go)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings, embedded = _settings()
    try:
        uvicorn.run(
            "services.api.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="warning",
            proxy_headers=True,
            access_log=False,
        )
    finally:
        embedded.stop()  # type: ignore[attr-defined]
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    settings, embedded = _settings()
    try:
        from services.worker.celery_app import make_celery

        make_celery(settings).worker_main(
            [
                "worker",
                "--pool",
                "prefork",
                f"--concurrency={args.concurrency}",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ]
        )
    finally:
        embedded.stop()  # type: ignore[attr-defined]
    return 0


def cmd_beat(args: argparse.Namespace) -> int:
    settings, embedded = _settings()
    try:
        from services.worker.celery_app import make_celery

        schedule = os.path.join(os.environ.get("IDO_VAR_DIR", "var"), "celerybeat-schedule")
        os.makedirs(os.path.dirname(schedule), exist_ok=True)
        make_celery(settings).start(["beat", "--loglevel", "INFO", "--schedule", schedule])
    finally:
        embedded.stop()  # type: ignore[attr-defined]
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from services.cli.devserver import run_all

    return run_all(args.port)
