"""`ido` in a process of its own without paying Python's start and the app's imports each time: a forkserver
that has imported the CLI forks a child per command. The child takes the given environment, reads stdin from
and writes stdout and stderr to files, and exits with main()'s code, as `python -m services.cli.main` does
(test_cli_run.py and test_hosted_start.py start the real command line).

test_cli.py's 80 tests took 14 s this way and about 60 s with a new interpreter per command (2026-12-06)."""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["services.cli.main", "services.cli.commands", "tests.cli_process"])


@dataclass
class Result:
    code: int
    out: str
    err: str


def _child(args: list[str], env: dict[str, str], folder: str) -> None:
    os.environ.clear()
    os.environ.update(env)
    for fd, name, mode in ((0, "stdin", os.O_RDONLY), (1, "stdout", os.O_WRONLY), (2, "stderr", os.O_WRONLY)):
        opened = os.open(os.path.join(folder, name), mode)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - the process's own streams
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    from services.cli.main import main

    sys.exit(main(args))  # multiprocessing turns SystemExit into the exit code and flushes the streams


def run(env: dict[str, str], args: tuple[str, ...], stdin: str | None, timeout: float) -> Result:
    with tempfile.TemporaryDirectory(prefix="ido-cli-") as folder:
        files = {name: Path(folder) / name for name in ("stdin", "stdout", "stderr")}
        files["stdin"].write_text(stdin or "", encoding="utf-8")
        files["stdout"].touch()
        files["stderr"].touch()
        p = _CONTEXT.Process(target=_child, args=(list(args), dict(env), folder))
        p.start()
        p.join(timeout)
        if p.exitcode is None:
            p.kill()
            p.join()
            raise TimeoutError(f"ido {' '.join(args)} took more than {timeout} s")
        return Result(p.exitcode, files["stdout"].read_text("utf-8"), files["stderr"].read_text("utf-8"))
