"""The interpreter probe's answer, kept under ``.audit/`` until one of its inputs changes.

The probe (:mod:`auditor.testrun.probe`) starts the project's interpreter,
imports coverage.py and lets it read the project's configuration: about a
tenth of a second on a quiet machine, several times that on a busy one, on
every audit, for an answer that changes only when the project's set-up does.
Its answer is a function of:

- the interpreter: its path as configured (in a virtualenv, a link), the
  file it resolves to, and the size and modification time of both (a
  rebuilt or replaced interpreter, a re-created virtualenv);
- the probe script itself (a newer auditor asks other questions);
- the project folder and the environment the probe runs in (coverage.py
  reads ``COVERAGE_RCFILE``, and its configuration files may name
  environment variables; ``PYTHONPATH`` decides what is importable). The
  audit's own per-run variables (``AUDIT_*``, which name the run folder) do
  not reach the probe's answer and are left out, or no two audits would
  share one;
- the content of every configuration file coverage.py looks for in the
  project folder (``.coveragerc``, ``setup.cfg``, ``tox.ini``,
  ``pyproject.toml``) and of the file ``COVERAGE_RCFILE`` names;
- what is installed: the probe reports the folders it found pytest,
  coverage.py and the plugins in, and the interpreter's site-packages
  folders; installing, upgrading or removing a distribution adds or removes
  entries there, which changes the folder's modification time.

The first five are digested into one key; the folders' modification times
are compared one by one. The file keeps the answers of the last few keys
(:data:`KEPT`): a project audited by two auditor checkouts, or with two
interpreters, in turn would otherwise probe on every audit (each plugin
folder on ``PYTHONPATH`` is another environment). Any difference, an
unreadable or corrupt cache file, or a probe that failed (its error is never
cached) means the probe runs again. A project that changes its configuration through code the probe
cannot see (a ``sitecustomize`` module) should remove ``.audit/`` after such
a change.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE_NAME = "interpreter-probes.json"  # (interpreter-probe.json held one answer)
KEPT = 8
# Files coverage.py reads its configuration from, in the project folder
# (coverage.config.config_files_to_try), besides COVERAGE_RCFILE.
COVERAGE_CONFIG_FILES = (".coveragerc", "setup.cfg", "tox.ini", "pyproject.toml")
# The audit's own variables: they name this run's folder, not the project's set-up.
_PER_RUN_PREFIX = "AUDIT_"


@dataclass(frozen=True)
class ProbeCache:
    """One cached probe answer in ``path`` (a file under ``.audit/``)."""

    path: Path

    def _entries(self) -> list[dict[str, Any]]:
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))["entries"]
        except (OSError, ValueError, KeyError, TypeError):
            return []
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []

    def load(self, key: str) -> dict[str, Any] | None:
        """The cached facts for ``key``, or None (no cache, another key, a folder changed)."""
        stored = next((e for e in self._entries() if e.get("key") == key), None)
        if stored is None:
            return None
        watched, facts = stored.get("watched"), stored.get("facts")
        if not isinstance(watched, dict) or not isinstance(facts, dict):
            return None
        if any(folder_stamp(folder) != stamp for folder, stamp in watched.items()):
            return None
        return facts

    def store(self, key: str, facts: dict[str, Any], folders: list[str]) -> None:
        """Keep ``facts`` for ``key``, watching ``folders``; a failed write only costs a probe."""
        entry = {"key": key, "watched": {f: folder_stamp(f) for f in sorted(set(folders))},
                 "facts": facts}
        others = [e for e in self._entries() if e.get("key") != key][-(KEPT - 1):]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"entries": [*others, entry]}, handle)
            os.replace(temp, self.path)  # concurrent audits: each file whole, last one wins
        except OSError:
            pass


def folder_stamp(folder: str) -> int | None:
    """The folder's modification time in nanoseconds; None when it does not exist."""
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return None


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "absent"


def probe_key(python: str, root: Path, env: dict[str, str], script: str) -> str:
    """The digest of everything the probe's answer depends on, but the installed folders."""
    resolved = os.path.realpath(python)
    interpreter: list[object] = [resolved]
    for path, stat in ((python, os.lstat), (resolved, os.stat)):  # a venv's link, its target
        try:
            status = stat(path)
            interpreter += [status.st_size, status.st_mtime_ns]
        except OSError:
            interpreter.append("absent")
    rcfile = env.get("COVERAGE_RCFILE")
    configs = {name: _file_digest(root / name) for name in COVERAGE_CONFIG_FILES}
    if rcfile:
        configs["COVERAGE_RCFILE"] = _file_digest(root / rcfile)
    payload = {
        "python": python,
        "interpreter": interpreter,
        "script": hashlib.sha256(script.encode()).hexdigest(),
        "root": str(root),
        "env": sorted((k, v) for k, v in env.items() if not k.startswith(_PER_RUN_PREFIX)),
        "configs": configs,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
