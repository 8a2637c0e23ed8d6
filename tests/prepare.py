"""What the test suite needs beyond Python packages; run by `make test` before pytest.

The browser tests (tests/e2e/test_browser.py) drive Debian's Chromium through Playwright, in its headless shell
(Debian's `chromium-headless-shell`: the same Chromium build without the desktop browser around it, the
headless browser Playwright itself runs; docs/decisions.md); we never download a browser of Playwright's own.
When it is missing, apt-get installs it.
Debian's `docker-compose` checks docker-compose.yml (`docker-compose config`; no engine needed). Debian's
`libreoffice-calc-nogui` renders the verantwoording XLSX to PDF in the print-layout test (tests/e2e/test_report_print.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/lib/chromium/chromium-headless-shell")  # tests/e2e/browser.py
COMPOSE = Path("/usr/bin/docker-compose")
SOFFICE = Path("/usr/bin/soffice")


def _fail(message: str) -> int:
    print(f"prepare: {message}", file=sys.stderr)
    return 1


def ensure_debian_package(path: Path, package: str) -> int:
    if path.exists():
        return 0
    if shutil.which("apt-get") is None:
        return _fail(f"{path} is missing and there is no apt-get; install Debian's '{package}' package.")
    if os.geteuid() != 0:
        return _fail(f"{path} is missing; as root run: apt-get update && apt-get install -y {package}")
    print(f"prepare: {path} is missing, installing Debian's '{package}' with apt-get", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", package]):
        if subprocess.run(cmd, env=env, check=False).returncode != 0:
            return _fail(f"`{' '.join(cmd)}` failed; {path} is still missing.")
    if not path.exists():
        return _fail(f"apt-get installed '{package}' but {path} is still missing.")
    return 0


def main() -> int:
    for path, package in (
        (CHROMIUM, "chromium-headless-shell"),
        (COMPOSE, "docker-compose"),
        (SOFFICE, "libreoffice-calc-nogui"),
    ):
        code = ensure_debian_package(path, package)
        if code:
            return code
    print("test prerequisites present", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
