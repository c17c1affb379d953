"""Small real projects written into ``tmp_path``, and ways to run the auditor on them.

Tests run the real ``audit`` command in a process of its own (the way a user
and CI run it; a fork of ``audit_server.py``'s where that stands in for a
fresh interpreter) and then look at its exit code, its one-line errors and the files it
wrote. Nothing is mocked.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import audit_server

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class AuditRun:
    """The outcome of one ``audit`` invocation."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("audit: error")]


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: text}`` (dedented) under ``root``."""
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


CALC_PROJECT: dict[str, str] = {
    "pyproject.toml": """
        [project]
        name = "calc"
        version = "0.1"

        [tool.audit]
        packages = ["calc"]
        tests = ["tests"]
        analyses = ["coverage"]
    """,
    "src/calc/__init__.py": "",
    "src/calc/ops.py": """
        def add(a, b):
            return a + b


        def sign(x):
            if x > 0:
                return 1
            if x < 0:
                return -1
            return 0


        def clamp(x, low, high):
            if x < low:
                return low
            if x > high:
                return high
            return x
    """,
    "src/calc/unused.py": """
        def never_called():
            return 42
    """,
    "tests/test_ops.py": """
        from calc.ops import add, clamp, sign


        def test_add():
            assert add(2, 3) == 5


        def test_sign_positive():
            assert sign(4) == 1


        def test_clamp_low():
            assert clamp(-5, 0, 10) == 0
    """,
}


def make_calc_project(root: Path, extra_config: str = "", **files: str) -> Path:
    """The small src-layout project most tests use; ``extra_config`` is appended."""
    contents = dict(CALC_PROJECT)
    contents["pyproject.toml"] = textwrap.dedent(contents["pyproject.toml"]) + textwrap.dedent(
        extra_config
    )
    contents.update(files)
    return write_files(root, contents)


def run_audit(*args: str | Path, cwd: Path | None = None,
              env: dict[str, str] | None = None, timeout: float = 300) -> AuditRun:
    """Run ``python -m auditor ARGS`` like a user would.

    The audit is a fork of this process's audit server when that can stand
    in for a fresh interpreter (``audit_server.py``), else a fresh one.
    """
    full_env = dict(os.environ)
    full_env.pop("GITHUB_ACTIONS", None)
    full_env.update(env or {})
    server = audit_server.client_for(full_env)
    if server is not None:
        return AuditRun(*server.run([str(arg) for arg in args], Path(cwd or REPO_ROOT),
                                    full_env, timeout))
    done = subprocess.run(
        [sys.executable, "-m", "auditor", *map(str, args)],
        cwd=cwd or REPO_ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return AuditRun(done.returncode, done.stdout, done.stderr)


def tree_digest(root: Path, ignore: tuple[str, ...] = (".audit", "audit-report")) -> dict[str, str]:
    """SHA-256 of every file under ``root`` except the auditor's own folders."""
    digest: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts and relative.parts[0] in ignore:
            continue
        if path.is_file():
            digest[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            digest[relative.as_posix() + "/"] = "dir"
    return digest


def read_report(root: Path, output: str = "audit-report") -> dict[str, Any]:
    """The written ``report.json``, validated against the published schema."""
    from auditor.reports.json_report import validate_report

    path = root / output / "report.json"
    document: dict[str, Any] = json.loads(path.read_text())
    validate_report(document, str(path))
    return document


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True,
        env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
             "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"},
    )
    return done.stdout.strip()


def init_repo(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")


MEASURED_ANEW = {"timings", "created", "duration_seconds"}
"""Keys of ``report.json`` whose values every run measures afresh, wherever they are."""


def measured_anew_removed(document: Any, root: Path | None = None) -> Any:
    """``document`` without what every run measures afresh: times, the run folder in the
    command, the parse cache's hits; ``root`` (the project) written as ``<project>``.

    Two audits of equal projects that must report the same (with and without the
    warm-up, beside the suite or after it) compare equal after this.
    """
    if root is not None:
        text = json.dumps(measured_anew_removed(document)).replace(str(root), "<project>")
        return json.loads(text)
    if isinstance(document, dict):
        kept = {k: measured_anew_removed(v) for k, v in document.items()
                if k not in MEASURED_ANEW}
        analyses = kept.get("analyses", {})
        for name, key in (("typecheck", "seconds"), ("imports", "import_seconds"),
                          ("mocks", "cache_hits")):  # a warm parse cache hits, a cold one not
            analyses.get(name, {}).pop(key, None)
        metrics = kept.get("metrics", {})
        metrics.get("typecheck", {}).pop("typecheck_seconds", None)
        metrics.get("tests", {}).pop("suite_seconds", None)
        return kept
    if isinstance(document, list):
        return [measured_anew_removed(item) for item in document
                if not (isinstance(item, str) and item.startswith("--rcfile="))]
    return document

