"""What each `ido` command does; the work itself lives in infra/."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from uuid import uuid4

from domain.accounts import Role, check_email, check_name, check_password, check_scope, check_slug
from infra.bootstrap import Container, container
from infra.settings import Settings, hosted_problems, is_development
from infra.store.embedded import Embedded, ensure_servers
from services.cli.usage import UsageError


def _settings() -> tuple[Settings, object]:
    """Settings from the environment; embedded servers under ./var stand in for unset URLs."""
    env = dict(os.environ)
    embedded = ensure_servers(env)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL")})
    return Settings.from_env(env), embedded


def _hosted_settings(command: str) -> tuple[Settings, object]:
    """serve, worker and beat: outside development (`ido run` sets IDO_DEVELOPMENT for its own) they refuse to
    start, before anything is started or listens, without their servers or with a known secret, default database
    passwords or a fixed clock."""
    if is_development(os.environ):
        return _settings()
    try:
        settings = Settings.from_env(os.environ)
    except RuntimeError as exc:  # a missing or malformed variable
        raise UsageError(f"{command} start niet: {exc}") from None
    if problems := hosted_problems(settings):
        raise UsageError(f"{command} start niet: {'; '.join(problems)}")
    return settings, Embedded()


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
        "import-excel": cmd_import_excel,
        "audit": cmd_audit,
    }[args.command]
    return handler(args)


def cmd_migrate(args: argparse.Namespace) -> int:
    from infra.store.migrate import upgrade

    settings, embedded = _settings()
    try:
        upgrade(settings)
        print("database is bijgewerkt")
    finally:
        embedded.stop()  # type: ignore[attr-defined]
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from services.demo import DEMO_PASSWORD, load_demo

    async def go(c: Container) -> int:
        logins = await load_demo(c)
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
    if args.action == "invite":
        return _invite(args)
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


def _invite(args: argparse.Namespace) -> int:
    """An invitation from the command line (invited by no account): the link is printed, to pass on, and
    mailed when the mail server takes it. It expires like any invitation; the audit log says how it went out."""
    from domain.calendar import moment_text
    from infra.notify import account_mail
    from infra.notify.mail import MailError
    from infra.platform.invitations import Invitations

    async def go(c: Container) -> int:
        tenant_id = (await c.accounts.tenant_by_slug(args.tenant)).tenant_id if args.tenant else None
        poi_id = (await c.accounts.poi_by_slug(args.poi)).poi_id if args.poi else None
        invitations = Invitations(c.db)
        inv, token = await invitations.create(
            None, None, args.email, Role(args.role), tenant_id=tenant_id, poi_id=poi_id, now=c.clock()
        )
        try:
            await account_mail.send_invitation(c.settings, inv, token)
            mailed = True
            await invitations.record_delivery(None, inv, "mailed")
        except MailError:
            mailed = False
        await invitations.record_delivery(None, inv, "link_printed")
        print(f"uitnodiging voor {inv.email} als {inv.role_noun} bij {inv.scope_name}")
        print(account_mail.link(c.settings, "uitnodiging", token))
        print(f"de link werkt één keer en is geldig tot {moment_text(inv.expires_at)}")
        print(
            "ook per e-mail verstuurd"
            if mailed
            else "niet gemaild (de mailserver nam hem niet aan): geef de link zelf door"
        )
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
            now = c.clock()  # recorded_at comes from the same clock
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


def cmd_audit(args: argparse.Namespace) -> int:
    from domain.calendar import local
    from infra.platform.audit import audit_trail

    if not 1 <= args.limit <= 100_000:
        raise UsageError("--limit moet tussen 1 en 100000 liggen")

    async def go(c: Container) -> int:
        tenant = await c.accounts.tenant_by_slug(args.tenant)
        for line in await audit_trail(c.db, tenant.tenant_id, args.limit):
            when = local(line.recorded_at).strftime("%Y-%m-%d %H:%M:%S")
            print(
                f"{when}  {line.actor:32}  {line.event_type:26}  {line.stream_id}  "
                f"{line.via or '-'}  {line.request_id or '-'}"
            )
        return 0

    return _with_container(go)


def cmd_tokens(args: argparse.Namespace) -> int:
    async def go(c: Container) -> int:
        print(await c.accounts.create_token(args.email, args.name))
        return 0

    return _with_container(go)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings, embedded = _hosted_settings("serve")
    try:
        uvicorn.run(
            "services.api.app:serve_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="warning",
            proxy_headers=True,
            access_log=False,
            # longer than a desk's pause between questions and than a proxy's idle timeout (60 s is common):
            # with uvicorn's 5 s a POST could meet a connection the server is just closing
            timeout_keep_alive=75,
        )
    finally:
        embedded.stop()  # type: ignore[attr-defined]
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    settings, embedded = _hosted_settings("worker")
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
    settings, embedded = _hosted_settings("beat")
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


def cmd_import_excel(args: argparse.Namespace) -> int:
    """Exit 0 when every row was imported or already present, 1 when rows were refused (listed on stdout)."""
    from pathlib import Path
    from uuid import UUID

    from domain import legacy_import as li
    from infra.imports.legacy_sheet import MAX_BYTES, read_sheet, too_large_message
    from services.bootstrap import command_bus
    from services.importing import LegacyImporter

    _quiet_logs()  # stdout is the report; warnings still go to stderr
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"bestand niet gevonden: {args.file}")
    if path.stat().st_size > MAX_BYTES:
        raise UsageError(too_large_message(path.stat().st_size))
    try:
        location_id = UUID(args.location) if args.location else None
    except ValueError:
        raise UsageError(f"ongeldige locatie-id: {args.location!r}") from None
    sheet = read_sheet(path.read_bytes())
    mapping = li.mapping_with(sheet.guess(), _import_columns(args.column, sheet.headers), sheet.headers)

    async def go(c: Container) -> int:
        tenant = await c.accounts.tenant_by_slug(args.tenant)
        if not tenant.active:
            raise UsageError(f"de bibliotheek '{args.tenant}' is niet actief")
        importer = LegacyImporter(command_bus(c), c.events, c.clock)
        summary = await importer.run(
            tenant.tenant_id, sheet, mapping, location_id, dry_run=args.dry_run, meta=cli_meta("cli-import")
        )
        if summary.imported_questions and not args.dry_run:
            await _wake(c, tenant.tenant_id)
        _print_import(path.name, summary)
        return 1 if summary.refused else 0

    return _with_container(go)


def cli_meta(via: str) -> dict[str, str]:
    """Event metadata of a CLI run: the command line as the actor (no account name: events hold no personal data),
    the run as the request."""
    return {"actor": "cli", "request_id": uuid4().hex[:16], "via": via}


def _quiet_logs() -> None:
    import logging

    import structlog

    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


def _import_columns(pairs: list[str], headers: tuple[str, ...]) -> dict[str, int | None]:
    from domain import legacy_import as li

    chosen: dict[str, int | None] = {}
    for pair in pairs:
        name, _, ref = pair.partition("=")
        f = li.FIELD_BY_NAME.get(name.strip().lower())
        if f is None:
            raise UsageError(f"onbekend veld '{name}'; kies uit: {', '.join(x.name for x in li.FIELDS)}")
        chosen[f.key] = None if ref.strip() in ("", "-") else li.column_of(ref, headers)
    return chosen


async def _wake(c: Container, tenant_id) -> None:
    """Let the workers bring the dashboard up to date now instead of at the next sweep."""
    from redis.asyncio import Redis

    from infra.notify.tasks import CeleryTaskQueue
    from infra.notify.wakeup import Waker
    from services.worker.celery_app import make_celery

    redis = Redis.from_url(c.settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        await Waker(CeleryTaskQueue(make_celery(c.settings), redis)).wake(tenant_id)
    finally:
        await redis.aclose()


def _print_import(name: str, s) -> None:
    def line(label: str, value: str) -> None:
        print(f"  {label:16}{value}")

    def rows(n: int) -> str:
        return f"{n} rij" if n == 1 else f"{n} rijen"

    trial = " (proef: niets opgeslagen)" if s.dry_run else ""
    print(f"Excel-import van {name}, blad '{s.sheet}', IDO '{s.location}'{trial}")
    line("gelezen:", rows(s.read))
    line(
        "te importeren:" if s.dry_run else "geïmporteerd:",
        f"{rows(s.imported_rows)} ({s.imported_questions} vragen)",
    )
    line("al aanwezig:", rows(s.duplicate_rows))
    line("geweigerd:", rows(s.refused))
    if s.empty:
        line("lege rijen:", f"{s.empty} (overgeslagen)")
    if s.errors:
        print("Geweigerde rijen:")
        for e in s.errors:
            print(f"  rij {e.row}: {e.reason}")
