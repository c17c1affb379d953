"""A fork server for the planted-bug runs: the heavy libraries imported once.

Every planted-bug run (``test_planted_bugs.py``: the unmodified copy's strong
suite, each bug's theater and strong runs) is a fresh pytest session in its
own process, against its own copy of ``provisioner/``. Most of such a run's
CPU was its start: pytest and the Kubernetes client with its models
(``CoreV1Api``, ``AppsV1Api``), pydantic, kubernetes_validate, jsonschema,
PyYAML: ~1.6 CPU s each time, the same every time. The server imports those
once, then forks one child per run; the child is the run: it takes the
run's working directory, environment and ``sys.path`` (the copy first, as
``python -m pytest`` from the copy's folder does), sends its output to a
file and calls ``pytest.main`` with the run's arguments. Its exit status is
pytest's.

Nothing of the code under test is loaded before the fork: not
``provisioner`` (each child imports its own copy), not our test modules, and
not the modules of pytest's plugin distributions (hypothesis, xdist,
pytest-cov), which pytest marks for assertion rewriting when it loads them.
``main`` refuses to serve if any is.

Protocol: one JSON job per line on stdin (``cwd``, ``env``, ``args``,
``output``), one JSON line per job on stdout (``returncode``).
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

PRELOAD = ("pytest", "kubernetes.client", "kubernetes.config", "kubernetes_validate",
           "jsonschema", "yaml", "pydantic", "urllib3")
# Lazy attributes of kubernetes.client that import most of its models.
PRELOAD_ATTRIBUTES = ("CoreV1Api", "AppsV1Api", "ApiClient", "Configuration")
# Loaded before the fork, these would be the parent's, not the run's.
NOT_PRELOADED = ("provisioner", "hypothesis", "_hypothesis_globals", "xdist", "pytest_cov",
                 "tests.provisioner.conftest")
_REPO = Path(__file__).resolve().parents[3]


def _preload() -> None:
    for name in PRELOAD:
        importlib.import_module(name)
    client = importlib.import_module("kubernetes.client")
    for attribute in PRELOAD_ATTRIBUTES:
        getattr(client, attribute)
    loaded = sorted(name for name in NOT_PRELOADED if name in sys.modules)
    if loaded:
        raise SystemExit(f"fork server: preloading imported {loaded}")


def _child(job: dict[str, Any], base_path: list[str]) -> int:
    """The run itself, in the forked child: returns pytest's exit code."""
    import pytest

    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    extra = [entry for entry in job["env"].get("PYTHONPATH", "").split(os.pathsep) if entry]
    sys.path[:] = [job["cwd"], *extra, *base_path]
    for name in [name for name in sys.modules if name == "tests" or name.startswith("tests.")]:
        del sys.modules[name]
    output = os.open(job["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(output, 1)
    os.dup2(output, 2)
    return int(pytest.main(job["args"]))


def main() -> None:
    """Serve jobs from stdin until it closes."""
    _preload()
    # sys.path without this process's own first entry (its working directory)
    base_path = [entry for entry in sys.path[1:] if Path(entry or ".").resolve() != _REPO]
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 70  # EX_SOFTWARE, if the run itself raised
            try:
                code = _child(job, base_path)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}), flush=True)


class ForkServer:
    """The server process, as a context manager; ``run`` is one pytest run."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._count = 0
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        env["PYTHONPATH"] = str(_REPO)  # for this module only; no run inherits it
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.provisioner.support.fork_server"], cwd=_REPO,
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, cwd: Path, env: dict[str, str], args: list[str],
            timeout: float) -> tuple[int, str]:
        """Run ``pytest args`` in a child; (exit code, stdout and stderr)."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._count += 1
        output = self._workdir / f"run-{self._count}.out"
        job = {"cwd": str(cwd), "env": env, "args": args, "output": str(output)}
        self._process.stdin.write(json.dumps(job) + "\n")
        self._process.stdin.flush()
        # A child that hangs would hold the server: the caller's timeout, as subprocess.run's.
        answer = _read_line(self._process, timeout)
        return int(json.loads(answer)["returncode"]), output.read_text(encoding="utf-8")

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    import selectors

    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            process.kill()
            raise subprocess.TimeoutExpired(process.args, timeout)
    line = process.stdout.readline()
    if not line:
        raise RuntimeError(f"fork server ended (exit {process.wait()})")
    return line


if __name__ == "__main__":
    main()
