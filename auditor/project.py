"""The project under audit: where it is, its packages, its git state, its tools.

Nothing here writes to the user's files except :func:`state_dir`, which
creates the auditor's own ``.audit/`` folder (with a ``.gitignore`` that
ignores everything in it, as ``.pytest_cache`` does).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import ConfigError, UsageError

STATE_DIR_NAME = ".audit"
_VENV_NAMES = (".venv", "venv", ".env", "env")


@dataclass(frozen=True)
class PackageLocation:
    """Where an import name of the code under audit lives on disk."""

    name: str
    path: Path  # the package directory, or the single module file
    import_root: Path  # the folder that must be on sys.path to import it

    @property
    def is_module(self) -> bool:
        return self.path.suffix == ".py"


def find_project_root(path: Path) -> Path:
    """Validate the PATH argument: an existing folder."""
    root = path.resolve()
    if not root.exists():
        raise UsageError(f"{path}: no such directory")
    if not root.is_dir():
        raise UsageError(f"{path}: not a directory")
    return root


def check_inside(root: Path, relative: str, what: str) -> Path:
    """``root / relative``, resolved, or a usage error when it leaves the project.

    The audit runs, measures and reports the project at ``root``; a test path
    such as ``/etc`` or ``../other`` would make pytest collect someone else's
    files, so it is refused before anything runs.
    """
    path = (root / relative).resolve()
    if path != root and root not in path.parents:
        raise UsageError(f"{what}: {relative!r} is outside the project {root}")
    return path


def locate_package(root: Path, name: str, source: str) -> PackageLocation:
    """Find import name ``name`` in a src- or flat-layout project."""
    parts = name.split(".")
    for import_root in (root / "src", root):
        candidate = import_root.joinpath(*parts)
        if candidate.is_dir():
            return PackageLocation(name, candidate, import_root)
        module = candidate.with_suffix(".py")
        if module.is_file():
            return PackageLocation(name, module, import_root)
    raise ConfigError(
        f"{source}: [tool.audit] packages: package {name!r} not found "
        f"(looked in {root / 'src'} and {root})"
    )


def state_dir(root: Path) -> Path:
    """The auditor's own folder in the project, created on first use."""
    folder = root / STATE_DIR_NAME
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by test-auditor; everything here is disposable.\n*\n")
    return folder


def find_python(root: Path, configured: str | None) -> str:
    """The interpreter that runs the project's tests.

    The configured one wins; otherwise a virtualenv inside the project
    (``.venv``, ``venv``...); otherwise the interpreter running the auditor.
    """
    if configured:
        candidate = Path(configured)
        if not candidate.is_absolute():
            candidate = root / candidate
        if not candidate.exists():
            raise ConfigError(f"[tool.audit] python: {configured!r} does not exist")
        if not candidate.is_file() or not os.access(candidate, os.X_OK):
            kind = "a directory" if candidate.is_dir() else "not executable"
            raise ConfigError(
                f"[tool.audit] python: {configured!r} is {kind} (it must be an interpreter "
                f"this user can run)"
            )
        return str(candidate)
    for name in _VENV_NAMES:
        candidate = root / name / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    return sys.executable


def tool_environment(python: str, extra_pythonpath: list[Path] | None = None) -> dict[str, str]:
    """Environment for running the project's tools.

    The interpreter's ``bin/`` goes first on PATH (suites that call console
    scripts need their virtualenv's), and bytecode writing is off so that no
    ``__pycache__`` appears in the user's tree because of the audit.
    """
    env = dict(os.environ)
    bin_dir = str(Path(python).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONHOME", None)
    # coverage.py's .pth file would measure every tool process and write data files
    # into the user's tree; the test run sets its own (auditor/testrun/command.py).
    env.pop("COVERAGE_PROCESS_START", None)
    env.pop("COVERAGE_PROCESS_CONFIG", None)
    if extra_pythonpath:
        parts = [str(p) for p in extra_pythonpath]
        if env.get("PYTHONPATH"):
            parts.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(parts)
    return env


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_commit(root: Path) -> str | None:
    return _git(root, "rev-parse", "HEAD")


def git_branch(root: Path) -> str | None:
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    return None if branch in (None, "HEAD") else branch


def resolve_ref(root: Path, ref: str) -> str:
    """The commit a git ref names, or a usage error naming the ref."""
    if _git(root, "rev-parse", "--is-inside-work-tree") != "true":
        raise UsageError(f"--base {ref}: {root} is not a git repository")
    sha = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if not sha:
        raise UsageError(f"--base {ref}: git ref does not resolve to a commit")
    return sha


def git_diff(root: Path, base_sha: str) -> str:
    """Unified diff (no context) from the merge base of ``base_sha`` to the working tree."""
    merge_base = _git(root, "merge-base", base_sha, "HEAD") or base_sha
    diff = _git(root, "diff", "--no-color", "--no-ext-diff", "-U0", merge_base, "--")
    return diff or ""
