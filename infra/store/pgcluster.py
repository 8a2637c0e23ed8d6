"""A PostgreSQL cluster from pgserver's programs, run by an unprivileged account when we are root.

PostgreSQL refuses to run as root. pgserver, run as root, adds an account of its own and opens every directory
above its programs and its data to everyone; a checkout in a 0700 directory (a home directory, `mktemp -d`) would
silently be opened up, or, where nothing opens it, stay out of the account's reach. Here the programs are copied
into a directory of the account's own, next to the data, so nothing of the checkout has to be reachable."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path


def pgserver_dir() -> Path:
    """pgserver's package, found without importing it (its import sets up a lock directory)."""
    return Path(importlib.util.find_spec("pgserver").origin).parent  # type: ignore[arg-type, union-attr]


def service_account() -> str | None:
    """The account the cluster runs as: None (ourselves) unless we are root, else an existing unprivileged one."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("PostgreSQL does not run as root, and there is no account 'postgres' or 'nobody'")


def own_directory(path: Path, account: str | None) -> Path:
    """`path` made (0700) and, as root, handed to `account`."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    if account is not None:
        entry = pwd.getpwnam(account)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def programs_for(home: Path, account: str | None) -> Path:
    """The `bin` directory to run: pgserver's own for ourselves; for another account a copy under `home` (bin, lib
    and share, and the libpq that the programs find at $ORIGIN/../../../pgserver.libs), one per pgserver version,
    so a running server's programs are never overwritten."""
    package = pgserver_dir()
    if account is None:
        return package / "pginstall" / "bin"
    copy = home / f"pgserver-{importlib.metadata.version('pgserver')}"
    if not copy.exists():
        staging = Path(tempfile.mkdtemp(prefix=".copy-", dir=home))
        for part in ("pginstall/bin", "pginstall/lib", "pginstall/share"):
            shutil.copytree(package / part, staging / "pgserver" / part, symlinks=True)
        if (package.parent / "pgserver.libs").is_dir():
            shutil.copytree(package.parent / "pgserver.libs", staging / "pgserver.libs", symlinks=True)
        entry = pwd.getpwnam(account)
        for path in (staging, *staging.rglob("*")):
            os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
        staging.rename(copy)
    return copy / "pgserver" / "pginstall" / "bin"


class Cluster:
    """initdb, pg_ctl start, stop and status on `home`/data, as `account` (None: ourselves)."""

    def __init__(self, home: Path, account: str | None) -> None:
        self.home = home
        self.account = account
        self.bin = programs_for(home, account)
        self.data = home / "data"
        self.log = home / "postgres.log"

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess:
        gid = pwd.getpwnam(self.account).pw_gid if self.account else None
        return subprocess.run(
            [str(self.bin / program), *args],
            user=self.account,
            group=gid,
            extra_groups=[] if self.account else None,  # none of root's groups
            cwd=self.home,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
        )

    def must(self, program: str, *args: str) -> None:
        done = self.run(program, *args)
        if done.returncode:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} {' '.join(args)}: {done.stderr.decode(errors='replace')}\n{log}")

    def init(self) -> None:
        self.must("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "utf8", "--no-sync")

    def start(self, options: str) -> None:
        self.must(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self.must("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def running(self) -> bool:
        return self.run("pg_ctl", "-D", str(self.data), "status").returncode == 0
