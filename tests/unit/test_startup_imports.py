"""What a process imports when it starts: the web app and the workers start often (every deploy, every worker
restart, dozens of times in a test run), so the libraries only some requests need are imported when used."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.servers import ROOT

# fontTools (PDF fonts), openpyxl (reading an import sheet, the import template) and Alembic (migrating, /readyz)
# together were a third of the web app's import time
# (the bare `fontTools` package, for its version in the PDF's cache key, costs a millisecond)
ON_USE = ("fontTools.ttLib", "fontTools.subset", "openpyxl", "alembic")


def _loaded(module: str) -> set[str]:
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_the_web_app_and_the_workers_start_without_the_libraries_of_a_few_requests():
    for module in ("services.api.app", "services.worker.tasks", "services.worker.celery_app"):
        assert _loaded(module).isdisjoint(ON_USE), module


def test_what_is_imported_on_use_is_there_when_used():
    from infra.imports.template import import_template
    from infra.reports.pdf_doc import Face

    assert import_template().startswith(b"PK")  # openpyxl
    assert Face.__init__ is not None
    code = "from infra.store.migrate import alembic_config; print(alembic_config.__name__)"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)
