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
    "pydyf",
    "fontTools",
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


def _modules(path: Path) -> set[str]:
    """The dotted names a file imports (absolute imports), `from a import b` as `a` and `a.b`."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return names


def test_the_web_app_reaches_the_workers_only_through_the_task_queue():
    """services/api sends work through domain.ports.TaskQueue (infra/tasks.py); the workers' code is theirs."""
    offenders = {
        str(p.relative_to(ROOT)): sorted(m for m in _modules(p) if m.split(".")[:2] == ["services", "worker"])
        for p in (ROOT / "services" / "api").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def _state_reads(path: Path) -> int:
    """How often a file reads the application's state: `app.state`, `request.app.state`, `scope["app"].state`,
    or the `web` of an injected `state`."""
    count = 0
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Attribute) and node.attr == "state":
            owner = ast.unparse(node.value)
            count += owner == "app" or owner.endswith((".app", "['app']"))
        elif isinstance(node, ast.Attribute) and node.attr == "web" and ast.unparse(node.value) == "state":
            count += 1
    return count


def test_routes_get_what_they_use_as_dependencies_not_from_the_application_state():
    """The lifespan stores the process's adapters (app.py); one accessor reads them (deps.web), for the
    providers of the dependencies and for the middleware and the menu's before-request hook, which take none."""
    readers = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "services" / "api").rglob("*.py")
        if (n := _state_reads(p))
    }
    assert readers == {
        "services/api/app.py": 1,
        "services/api/deps.py": 1,
        "services/api/middleware.py": 1,
        "services/api/navigation.py": 1,
    }


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
