"""Facts about the two suites that keep the comparison honest as the code changes.

* the coverage theater (``examples/coverage_theater``) passes and covers at
  least 85 % of the lines of ``provisioner/`` (its missing of the planted bugs
  is checked in ``test_planted_bugs.py``);
* the theater is not collected by a plain ``pytest`` run;
* nothing in the strong suite imports ``unittest.mock`` or uses ``monkeypatch``
  or ``mocker``, while the theater does patch provisioner internals.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from tests.provisioner.support.runner import (
    REPO,
    STRONG_SUITE,
    THEATER_SUITE,
    package_copy,
    run_suite,
)

MOCK_MODULES = ("unittest.mock", "mock", "pytest_mock")
MOCK_FIXTURES = {"monkeypatch", "mocker"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _argument_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {arg.arg for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
            for arg in node.args.args}


def _is_mock(name: str) -> bool:
    return any(name == module or name.startswith(f"{module}.") for module in MOCK_MODULES)


def test_strong_suite_uses_no_mocks() -> None:
    files = sorted(STRONG_SUITE.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        assert not [name for name in _imports(path) if _is_mock(name)], path
        assert not (_argument_names(path) & MOCK_FIXTURES), path


def test_theater_patches_provisioner_internals() -> None:
    files = sorted(THEATER_SUITE.glob("test_*.py"))
    assert files
    for path in files:
        assert "unittest.mock" in _imports(path), path
    text = "\n".join(path.read_text(encoding="utf-8") for path in files)
    assert 'patch("provisioner.' in text and "MagicMock()" in text


def test_theater_is_not_collected_by_a_plain_pytest_run() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    testpaths = config["tool"]["pytest"]["ini_options"]["testpaths"]
    assert testpaths == ["tests"]
    assert not THEATER_SUITE.is_relative_to(REPO / "tests")


@pytest.mark.slow
def test_theater_passes_with_at_least_85_percent_line_coverage(tmp_path: Path) -> None:
    root = package_copy(tmp_path)
    run = run_suite(THEATER_SUITE, root, coverage_dir=tmp_path)
    assert run.imported_from == root / "provisioner", run.output[-2000:]
    assert run.returncode == 0, run.output[-3000:]
    assert run.line_coverage is not None and run.line_coverage >= 85.0, run.line_coverage
