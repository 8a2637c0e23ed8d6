"""`ido`: run, serve, worker, beat, migrate, demo, and account administration. Bad input: one line, exit 2."""

from __future__ import annotations

import argparse
import sys

from domain.accounts import Role
from domain.errors import DomainError
from services.cli.usage import UsageError


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit code 2 (argparse prints a usage block)
        raise UsageError(message)


def build_parser() -> Parser:
    p = Parser(
        prog="ido", description="IDO-registratie: registratie voor het Informatiepunt Digitale Overheid"
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="alles voor ontwikkeling: servers, migraties, demo, web, worker en beat")
    run.add_argument("--port", type=_port, default=8000)
    serve = sub.add_parser("serve", help="de webserver")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    worker = sub.add_parser("worker", help="een Celery-worker")
    worker.add_argument("--concurrency", type=int, default=2)
    sub.add_parser("beat", help="Celery beat (precies één tegelijk)")
    sub.add_parser("migrate", help="database bijwerken naar de nieuwste versie")
    sub.add_parser("demo", help="demogegevens laden")
    tenants = sub.add_parser("tenants", help="bibliotheken").add_subparsers(dest="action", required=True)
    tc = tenants.add_parser("create")
    tc.add_argument("--slug", required=True)
    tc.add_argument("--name", required=True)
    tc.add_argument("--poi", required=True)
    pois = sub.add_parser("pois", help="POI's").add_subparsers(dest="action", required=True)
    pc = pois.add_parser("create")
    pc.add_argument("--slug", required=True)
    pc.add_argument("--name", required=True)
    pc.add_argument("--email")
    users = sub.add_parser("users", help="gebruikers").add_subparsers(dest="action", required=True)
    uc = users.add_parser("create")
    uc.add_argument("--email", required=True)
    uc.add_argument("--role", required=True, choices=[r.value for r in Role])
    scope = uc.add_mutually_exclusive_group()
    scope.add_argument("--tenant")
    scope.add_argument("--poi")
    uc.add_argument("--password-stdin", action="store_true")
    ui = users.add_parser("invite", help="iemand uitnodigen: drukt de link af (en mailt hem als dat lukt)")
    ui.add_argument("--email", required=True)
    ui.add_argument("--role", required=True, choices=[r.value for r in Role])
    invite_scope = ui.add_mutually_exclusive_group()
    invite_scope.add_argument("--tenant")
    invite_scope.add_argument("--poi")
    projections = sub.add_parser("projections", help="leesmodellen").add_subparsers(
        dest="action", required=True
    )
    projections.add_parser("status", help="achterstand per projectie")
    rb = projections.add_parser("rebuild", help="projectie opnieuw opbouwen en omwisselen")
    rb.add_argument("name")
    rb.add_argument("--tenant")
    tokens = sub.add_parser("tokens", help="API-tokens").add_subparsers(dest="action", required=True)
    tk = tokens.add_parser("create")
    tk.add_argument("--email", required=True)
    tk.add_argument("--name", default="cli")
    au = sub.add_parser("audit", help="wie deed wat en wanneer in een bibliotheek")
    au.add_argument("--tenant", required=True)
    au.add_argument("--limit", type=int, default=200)
    ie = sub.add_parser(
        "import-excel",
        help="oude registraties uit een Excel-blad (.xlsx) importeren (exit 1 als er rijen zijn geweigerd)",
    )
    ie.add_argument("--tenant", required=True, help="korte naam van de bibliotheek")
    ie.add_argument("--location", help="id van de IDO-locatie (nodig als de bibliotheek er meer heeft)")
    ie.add_argument("--dry-run", action="store_true", help="alleen controleren, niets opslaan")
    ie.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="VELD=KOLOM",
        help="bv. datum=B of hulp='Hoe geholpen'",
    )
    ie.add_argument("file", metavar="FILE")
    return p


def _port(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port: {value!r}")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        print(f"ido: {exc}", file=sys.stderr)
        return 2
    from services.cli import commands

    try:
        return commands.dispatch(args) or 0
    except (DomainError, UsageError) as exc:
        print(f"ido: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
