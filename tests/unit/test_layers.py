"""The walls between layers: domain/ imports no I/O library and nothing of infra/ or services/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_DOMAIN = {
    "sqlalchemy",
    "asyncpg",
    "litestar",
    "celery",
    "redis",
    "jinja2",
    "alembic",
    "infra",
    "services",
    "httpx",
    "requests",
    "smtplib",
    "socket",
    "aiosmtpd",
    "xlsxwriter",
    "weasyprint",
    "structlog",
    "subprocess",
    "os",
    "pathlib",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_imports_no_io_library():
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & FORBIDDEN_IN_DOMAIN)
        for p in (ROOT / "domain").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_application_imports_the_domain_only():
    """Handlers decide with the domain and reach the world through the ports of domain/ports.py."""
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & FORBIDDEN_IN_DOMAIN)
        for p in (ROOT / "application").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_infra_imports_neither_the_application_nor_services():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "infra").rglob("*.py")
        if _imports(p) & {"services", "application"}
    ]
    assert offenders == []


# Reading the wall clock: only the clock may, for a decision. These read it for transport and operations, where
# the other side (Redis TTLs, a webhook receiver's clock, the beat schedule) lives on the wall clock too.
WALL_CLOCK = re.compile(r"\b(?:datetime\.(?:now|utcnow|today)|date\.today|time\.time)\(")
WALL_CLOCK_ALLOWED = {
    "infra/clock.py": "the clock itself",
    "infra/notify/webhooks.py": "the signature timestamp, checked by the receiver against its own clock",
    "services/worker/tasks.py": "the beat heartbeat's age, read by /readyz",
}


def test_only_the_clock_reads_the_wall_clock_and_only_the_calendar_names_the_zone():
    readers, zones = {}, []
    for folder in ("domain", "application", "infra", "services"):
        for p in (ROOT / folder).rglob("*.py"):
            name, source = str(p.relative_to(ROOT)), p.read_text()
            if WALL_CLOCK.search(source) and name not in WALL_CLOCK_ALLOWED:
                readers[name] = WALL_CLOCK.findall(source)
            if ("ZoneInfo(" in source or "Europe/Amsterdam" in source) and name != "domain/calendar.py":
                zones.append(name)
    assert readers == {} and zones == []
