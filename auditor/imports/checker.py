"""Drive the import worker (``_worker.py``) in the project's interpreter.

The worker is started as ``<project python> _worker.py`` with the package
import roots on ``PYTHONPATH`` and a scratch folder (outside the project) as
working directory, gets one JSON request on stdin and answers with JSON lines on stdout (see
the worker's docstring for the protocol). This side reads those lines with
a watchdog: a worker that goes silent for longer than any single step can
take is killed, and the audit fails with a clear error rather than hanging.

If the worker itself dies while preloading a library module (a C extension
that crashes or hangs on import), that module is dropped from the preload
and the worker is started again: the preload only makes the check faster,
it must never make it fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from auditor.errors import ConfigError, IncompleteAuditError
from auditor.project import tool_environment

WORKER = Path(__file__).with_name("_worker.py")
UNSUPPORTED_INTERPRETER = 64  # the worker's exit status for an interpreter it cannot work in
_MAX_RESTARTS = 5
_STDERR_TAIL = 1500


@dataclass
class ModuleOutcome:
    """What importing one module in isolation gave."""

    module: str
    ok: bool
    error_type: str
    message: str
    path: str
    line: int | None
    seconds: float
    after_fork: str = ""  # the failure first seen after fork, when a fresh run disagreed
    missing: str = ""  # ImportError.name: the module not found, or the one lacking a name
    not_found: bool = False  # a ModuleNotFoundError
    # the ImportError's type when the import failed with another exception raised
    # in its place (``except ImportError: raise RuntimeError(...)``); see _child.py
    reraised_from: str = ""
    raised_in_library: bool = False  # the innermost frame is not the project's code
    raised_at: str = ""  # the file of the innermost frame
    blocked_write: bool = False  # the import stopped at a write the guard blocked
    writes: list[dict[str, Any]] = field(default_factory=list)  # see _guard.py
    # attribute path -> found (None: looking raised); see CheckRequest.lookups
    lookups: dict[str, bool | None] = field(default_factory=dict)

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> ModuleOutcome:
        line = message.get("line")
        return cls(
            module=str(message["module"]),
            ok=bool(message["ok"]),
            error_type=str(message.get("error_type") or ""),
            message=str(message.get("message") or ""),
            path=str(message.get("path") or ""),
            line=int(line) if isinstance(line, int) else None,
            seconds=float(message.get("seconds") or 0.0),
            after_fork=str(message.get("after_fork") or ""),
            missing=str(message.get("missing") or ""),
            not_found=bool(message.get("not_found")),
            reraised_from=str(message.get("reraised_from") or ""),
            raised_in_library=bool(message.get("raised_in_library")),
            raised_at=str(message.get("raised_at") or ""),
            blocked_write=bool(message.get("blocked_write")),
            writes=[dict(w) for w in message.get("writes") or []],
            lookups={str(k): (None if v is None else bool(v))
                     for k, v in (message.get("lookups") or {}).items()},
        )


@dataclass
class CheckRun:
    """All outcomes of one check, and how it was done."""

    outcomes: dict[str, ModuleOutcome] = field(default_factory=dict)
    mode: str = ""
    python: str = ""
    version: str = ""
    preloaded: int = 0
    threads: int = 0
    skipped_preloads: list[str] = field(default_factory=list)
    unloaded: list[str] = field(default_factory=list)  # package modules a preload imported
    environment: dict[str, Any] = field(default_factory=dict)  # see _environment.py


@dataclass(frozen=True)
class CheckRequest:
    """What to check and how; ``python`` is the project's interpreter."""

    python: str
    root: Path
    import_roots: list[Path]
    modules: list[str]
    package_tops: list[str] = field(default_factory=list)
    preload_candidates: list[str] = field(default_factory=list)
    preload: list[str] = field(default_factory=list)
    timeout: float = 10.0
    workers: int = 1
    mode: str = "fork"
    recheck: bool = True
    project_names: list[str] = field(default_factory=list)  # declared distribution names
    # module -> attribute paths to getattr once it imported (``Class.attr``)
    lookups: dict[str, list[str]] = field(default_factory=dict)

    def payload(self, excluded: set[str], scratch: Path) -> dict[str, Any]:
        return {
            "modules": self.modules,
            "package_tops": self.package_tops,
            "preload_candidates": [m for m in self.preload_candidates if m not in excluded],
            "preload": [m for m in self.preload if m not in excluded],
            "timeout": self.timeout,
            "workers": self.workers,
            "mode": self.mode,
            "recheck": self.recheck,
            "import_roots": [str(r) for r in self.import_roots],
            "scratch": str(scratch),
            "project_root": str(self.root),
            # under the root but not the user's files: ours, and scratch if TMPDIR is there
            "allowed": [str(self.root / ".audit"), str(scratch)],
            "project_names": self.project_names,
            "lookups": self.lookups,
        }

    @property
    def silence_limit(self) -> float:
        """The longest the worker may stay silent: one step, plus a fresh interpreter's start."""
        return 2 * self.timeout + 30.0


class _WorkerDied(Exception):
    """The worker ended (or went silent) before ``done``."""

    def __init__(self, reason: str, preloading: str | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.preloading = preloading


def _lines(stream: IO[bytes], silence_limit: float) -> Iterator[dict[str, Any]]:
    """JSON messages from the worker; raise TimeoutError past ``silence_limit`` of silence."""
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    buffer = b""
    fd = stream.fileno()
    try:
        while True:
            if not selector.select(timeout=silence_limit):
                raise TimeoutError(f"no word from the import worker for {silence_limit:g} s")
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for raw in complete:
                if raw.strip():
                    yield json.loads(raw)
    finally:
        selector.close()


def _stderr_tail(log: IO[bytes]) -> str:
    log.seek(0, os.SEEK_END)
    size = log.tell()
    log.seek(max(0, size - _STDERR_TAIL))
    text = log.read().decode(errors="replace").strip()
    return text.splitlines()[-1] if text else ""


def _run_worker(
    request: CheckRequest,
    excluded: set[str],
    result: CheckRun,
    on_outcome: Callable[[ModuleOutcome], None],
) -> None:
    env = tool_environment(request.python, request.import_roots)
    with (
        tempfile.TemporaryFile() as log,
        tempfile.TemporaryDirectory(prefix="audit-imports-", ignore_cleanup_errors=True) as scratch,
    ):
        try:
            worker = subprocess.Popen(
                [request.python, str(WORKER)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                cwd=scratch,  # never the project root: relative writes land in scratch
                env=env,
            )
        except OSError as exc:
            raise IncompleteAuditError(
                f"imports: cannot run the project's interpreter {request.python}: {exc}"
            ) from None
        preloading: str | None = None
        finished = False
        try:
            assert worker.stdin is not None and worker.stdout is not None
            # A worker that is already gone (wrong interpreter...) breaks the
            # pipe; its exit status and stderr below say why.
            with contextlib.suppress(BrokenPipeError):
                payload = request.payload(excluded, Path(scratch))
                worker.stdin.write((json.dumps(payload) + "\n").encode())
                worker.stdin.close()
            for message in _lines(worker.stdout, request.silence_limit):
                event = message.get("event")
                if event == "preloading":
                    preloading = str(message["module"])
                elif event == "preloaded":
                    preloading = None
                elif event == "unloaded":
                    result.unloaded = [str(m) for m in message["modules"]]
                elif event == "ready":
                    result.mode = str(message["mode"])
                    result.python = str(message["python"])
                    result.version = str(message["version"])
                    result.preloaded = int(message["preloaded"])
                    result.threads = int(message["threads"])
                elif event == "result":
                    outcome = ModuleOutcome.from_message(message)
                    result.outcomes[outcome.module] = outcome
                    on_outcome(outcome)
                elif event == "environment":
                    result.environment = message
                elif event == "done":
                    finished = True
                    break
        except TimeoutError as exc:
            raise _WorkerDied(str(exc), preloading) from None
        finally:
            _stop(worker)
        if not finished:
            tail = _stderr_tail(log)
            status = worker.returncode
            if status == UNSUPPORTED_INTERPRETER:
                raise ConfigError(f"[tool.audit] python: {request.python}: {tail}")
            reason = f"the import worker exited with status {status}" + (
                f": {tail}" if tail else ""
            )
            raise _WorkerDied(reason, preloading)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    """End the worker: it kills its own children on SIGTERM."""
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=5)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    if worker.stdout is not None:
        worker.stdout.close()


def check_imports(
    request: CheckRequest, on_outcome: Callable[[ModuleOutcome], None] | None = None
) -> CheckRun:
    """Import every module of ``request`` in isolation; one outcome per module."""
    excluded: set[str] = set()
    for _attempt in range(_MAX_RESTARTS + 1):
        result = CheckRun(skipped_preloads=sorted(excluded))
        started = time.monotonic()
        try:
            _run_worker(request, excluded, result, on_outcome or (lambda _outcome: None))
        except _WorkerDied as died:
            if died.preloading is None or died.preloading in excluded:
                elapsed = time.monotonic() - started
                raise IncompleteAuditError(
                    f"imports: {died.reason} (after {elapsed:.1f} s, "
                    f"{len(result.outcomes)} of {len(request.modules)} modules checked)"
                ) from None
            # A library module that kills or hangs the warm parent: go on without it.
            excluded.add(died.preloading)
            continue
        missing = [m for m in request.modules if m not in result.outcomes]
        if missing:
            raise IncompleteAuditError(
                f"imports: the worker gave no result for {len(missing)} modules ({missing[0]}...)"
            )
        return result
    raise IncompleteAuditError(
        f"imports: the import worker kept dying while preloading ({', '.join(sorted(excluded))})"
    )
