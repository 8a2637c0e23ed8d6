"""The walls between layers: domain/ imports no I/O library and nothing of infra/ or services/."""

from __future__ import annotations

import ast
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


def test_infra_does_not_import_services():
    offenders = [
        str(p.relative_to(ROOT)) for p in (ROOT / "infra").rglob("*.py") if "services" in _imports(p)
    ]
    assert offenders == []
