"""Fixture projects for the import-validation tests, written into tmp_path."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from auditor.context import AuditContext
from auditor.progress import Progress
from auditor.project import locate_package
from auditor.registry import load_config

AUDITOR_PYTHON = sys.executable  # the interpreter running the tests


def write_project(
    root: Path,
    files: dict[str, str],
    packages: list[str],
    extra_config: str = "",
    tests: list[str] | None = None,
) -> Path:
    """Write ``files`` (relative path -> source) and a pyproject with [tool.audit]."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    test_line = f"tests = {tests!r}\n" if tests else ""
    (root / "pyproject.toml").write_text(
        f"[tool.audit]\npackages = {packages!r}\n{test_line}{textwrap.dedent(extra_config)}"
    )
    return root


def make_context(root: Path, python: str | None = None) -> AuditContext:
    """An AuditContext for the fixture project at ``root``, as the runner builds it."""
    config = load_config(root)
    return AuditContext(
        config=config,
        root=root,
        state_dir=root / ".audit",
        python=python or AUDITOR_PYTHON,
        packages=[locate_package(root, name, config.source) for name in config.packages],
        progress=Progress(live=False),
    )


ProjectFactory = Callable[..., AuditContext]
