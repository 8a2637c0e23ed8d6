"""What the test suite needs beyond Python packages; run by `make test` before pytest.

The browser tests (tests/e2e/test_browser.py) drive Debian's Chromium at /usr/bin/chromium through Playwright;
we never download a browser of Playwright's own. When it is missing, apt-get installs Debian's `chromium`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")


def _fail(message: str) -> int:
    print(f"prepare: {message}", file=sys.stderr)
    return 1


def ensure_chromium() -> int:
    if CHROMIUM.exists():
        return 0
    if shutil.which("apt-get") is None:
        return _fail(f"{CHROMIUM} is missing and there is no apt-get; install Debian's 'chromium' package.")
    if os.geteuid() != 0:
        return _fail(f"{CHROMIUM} is missing; as root run: apt-get update && apt-get install -y chromium")
    print(f"prepare: {CHROMIUM} is missing, installing Debian's 'chromium' with apt-get", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        if subprocess.run(cmd, env=env, check=False).returncode != 0:
            return _fail(f"`{' '.join(cmd)}` failed; {CHROMIUM} is still missing.")
    if not CHROMIUM.exists():
        return _fail(f"apt-get installed 'chromium' but {CHROMIUM} is still missing.")
    return 0


def main() -> int:
    code = ensure_chromium()
    if code:
        return code
    print("test prerequisites present", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
