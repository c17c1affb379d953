"""The typecheck analysis on real fixture projects, by the real ``audit`` command.

Expected errors come from mypy run independently on the same fixture (its
own plain output, ``--cache-dir /dev/null`` so it writes nothing), or are
read off the fixture source by hand where a line number matters.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.support.projects import read_report, run_audit, tree_digest, write_files

pytestmark = pytest.mark.slow

PYPROJECT = """
    [project]
    name = "legacy"
    version = "0"

    [tool.audit]
    packages = ["legacy"]
    tests = ["tests"]
    analyses = ["typecheck"]
"""
# Line 5: a str where add wants an int; line 6: an int into a str variable.
OPS = """
    def add(a: int, b: int) -> int:
        return a + b


    x: int = add(1, "2")
    y: str = 3
"""
LEGACY: dict[str, str] = {
    "pyproject.toml": PYPROJECT,
    "src/legacy/__init__.py": "",
    "src/legacy/ops.py": OPS,
    "tests/test_ops.py": "def test_nothing():\n    assert True\n",
}
_PLAIN = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: .*  \[(?P<code>[a-z-]+)\]$")


def independent_mypy(root: Path, *targets: str) -> set[tuple[str, int, str]]:
    """(path, line, code) of every error a plain mypy run reports, nothing written."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", "/dev/null", *targets],
        cwd=root, capture_output=True, text=True, check=False,
    )
    found = {(m["path"], int(m["line"]), m["code"])
             for line in done.stdout.splitlines() if (m := _PLAIN.match(line))}
    assert found or done.returncode == 0, done.stdout + done.stderr
    return found


def typecheck_section(root: Path) -> dict:
    return read_report(root)["analyses"]["typecheck"]


def test_errors_match_mypy_are_findings_on_their_lines_and_gate_new_ones(tmp_path: Path) -> None:
    root = write_files(tmp_path / "proj", LEGACY)
    before = tree_digest(root)
    run = run_audit("typecheck", root)
    assert run.exit_code == 1, run.stderr
    section = typecheck_section(root)
    errors = {(e["path"], e["line"], e["code"]) for e in section["errors"]}
    assert errors == independent_mypy(root, "src/legacy")
    assert errors == {("src/legacy/ops.py", 5, "arg-type"), ("src/legacy/ops.py", 6, "assignment")}
    assert section["modules"] == {"src/legacy/ops.py": {"module": "legacy.ops", "errors": 2,
                                                        "new": 2}}
    assert section["by_code"] == {"arg-type": 1, "assignment": 1}
    report = read_report(root)
    findings = [f for f in report["findings"] if f["analysis"] == "typecheck"]
    assert sorted((f["path"], f["line"], f["rule"]) for f in findings) == [
        ("src/legacy/ops.py", 5, "type-error"), ("src/legacy/ops.py", 6, "type-error")]
    rule = next(r for r in report["gate"]["rules"] if r["id"] == "type_errors_new")
    assert (rule["measured"], rule["status"]) == (2, "failed")
    sarif = json.loads((root / "audit-report" / "report.sarif").read_text())
    lines = sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"]
                   for r in sarif["runs"][0]["results"])
    assert lines == [5, 6]
    # mypy's cache went to .audit/, nothing into the project
    assert tree_digest(root) == before
    assert not (root / ".mypy_cache").exists()
    cache = root / ".audit" / "typecheck" / "cache"
    assert [p for p in cache.rglob("*") if p.is_file() and p.parent != cache]  # a version's data


def test_baseline_absorbs_old_errors_across_edits_and_counts_fixed(tmp_path: Path) -> None:
    root = write_files(tmp_path / "proj", LEGACY)
    written = run_audit("typecheck", root, "--write-baseline")
    assert written.exit_code == 0, written.stderr
    baseline = json.loads((root / "typecheck-baseline.json").read_text())
    assert sorted((e["module"], e["code"]) for e in baseline["errors"]) == [
        ("legacy.ops", "arg-type"), ("legacy.ops", "assignment")]
    # Two lines added above both old errors move them to lines 7 and 8; the
    # assignment error is fixed; a new error is added after two blank lines (line 11).
    ops = root / "src/legacy/ops.py"
    text = ops.read_text().replace('y: str = 3', 'y: str = "3"')
    ops.write_text('import os\nimport sys\n' + text + '\n\nz: int = "q"\n')
    run = run_audit("typecheck", root)
    assert run.exit_code == 1, run.stderr
    section = typecheck_section(root)
    assert {(e["line"], e["code"], e["new"]) for e in section["errors"]} == {
        (7, "arg-type", False), (11, "assignment", True)}
    assert (section["new_error_count"], section["baseline_fixed"]) == (1, 1)
    assert section["baseline"] == "typecheck-baseline.json"
    findings = {f["line"]: f for f in read_report(root)["findings"]}
    assert findings[7]["suppressed"] and not findings[11]["suppressed"]


def test_project_mypy_config_and_strict_option(tmp_path: Path) -> None:
    untyped = {"src/legacy/ops.py": "def add(a, b):\n    return a + b\n"}
    plain = write_files(tmp_path / "plain", {**LEGACY, **untyped})
    assert run_audit("typecheck", plain).exit_code == 0
    assert typecheck_section(plain)["error_count"] == 0
    # the project's own [tool.mypy] is read ...
    configured = write_files(tmp_path / "configured", {
        **LEGACY, **untyped,
        "pyproject.toml": PYPROJECT + "\n[tool.mypy]\ndisallow_untyped_defs = true\n"})
    assert run_audit("typecheck", configured).exit_code == 1
    expected = independent_mypy(configured, "src/legacy")
    assert {(e["path"], e["line"], e["code"]) for e in typecheck_section(configured)["errors"]
            } == expected == {("src/legacy/ops.py", 1, "no-untyped-def")}
    # ... and strict = true adds --strict
    strict = write_files(tmp_path / "strict", {
        **LEGACY, **untyped,
        "pyproject.toml": PYPROJECT + "\n[tool.audit.typecheck]\nstrict = true\n"})
    assert run_audit("typecheck", strict).exit_code == 1
    section = typecheck_section(strict)
    assert section["strict"] is True
    assert {e["code"] for e in section["errors"]} == {"no-untyped-def"}


def _venv(where: Path, with_our_mypy: bool) -> Path:
    venv.EnvBuilder(with_pip=False).create(where)
    site = next(where.glob("lib/python*/site-packages"))
    if with_our_mypy:  # the project's interpreter can import mypy (ours, through a .pth)
        ours = next(p for p in map(Path, sys.path) if (p / "mypy" / "__init__.py").exists())
        (site / "ours.pth").write_text(str(ours) + "\n")
    # a typed library installed only in the project's interpreter
    write_files(site, {"extlib/__init__.py": "def shout(text: str) -> str:\n    return text\n",
                       "extlib/py.typed": ""})
    return where / "bin" / "python"


@pytest.mark.parametrize("with_mypy, whose", [(True, "project"), (False, "auditor")])
def test_mypy_of_the_project_interpreter_and_its_packages(
        tmp_path: Path, with_mypy: bool, whose: str) -> None:
    python = _venv(tmp_path / "env", with_mypy)
    root = write_files(tmp_path / "proj", {
        **LEGACY,
        "pyproject.toml": PYPROJECT.replace('analyses', f'python = "{python}"\n    analyses'),
        # line 3: an int where extlib.shout wants a str (found only with extlib's types)
        "src/legacy/ops.py": "from extlib import shout\n\nshout(1)\n",
    })
    run = run_audit("typecheck", root)
    assert run.exit_code == 1, run.stderr
    section = typecheck_section(root)
    assert section["mypy"] == whose
    assert [(e["line"], e["code"]) for e in section["errors"]] == [(3, "arg-type")]


@pytest.mark.parametrize("files, expected", [
    ({"pyproject.toml": PYPROJECT + "\n[tool.mypy]\nwarn_unused_ignores = 3\n"},
     "audit: error: typecheck: mypy configuration: pyproject.toml: [mypy]: "
     "warn_unused_ignores: Not a boolean: 3"),
    ({"typecheck-baseline.json": "{not json"},
     "audit: error: typecheck-baseline.json: not a type-check baseline"),
    ({"pyproject.toml": PYPROJECT + "\n[tool.audit.typecheck]\nbaseline = \"../b.json\"\n"},
     "audit: error: [tool.audit.typecheck] baseline in"),
])
def test_configuration_errors_are_one_line_exit_2(tmp_path: Path, files: dict[str, str],
                                                  expected: str) -> None:
    root = write_files(tmp_path / "proj", {**LEGACY, **files})
    run = run_audit("typecheck", root)
    assert run.exit_code == 2, run.stderr
    assert len(run.error_lines) == 1 and run.error_lines[0].startswith(expected), run.stderr
    assert "Traceback" not in run.stderr


def test_mypy_crash_and_timeout_are_one_line_exit_3(tmp_path: Path) -> None:
    # a mypy plugin (a file path, relative to the configuration file) whose entry point raises
    crashing = write_files(tmp_path / "crash", {
        **LEGACY,
        "pyproject.toml": PYPROJECT + '\n[tool.mypy]\nplugins = ["crashplugin.py"]\n',
        "crashplugin.py": "def plugin(version):\n    raise RuntimeError('boom')\n",
    })
    run = run_audit("typecheck", crashing)
    assert run.exit_code == 3, run.stdout + run.stderr
    assert len(run.error_lines) == 1 and "mypy crashed" in run.error_lines[0], run.stderr
    assert "Traceback" not in run.stderr

    slow = write_files(tmp_path / "slow", {
        **LEGACY, "pyproject.toml": PYPROJECT + "\n[tool.audit.typecheck]\ntimeout = 0.01\n"})
    run = run_audit("typecheck", slow)
    assert run.exit_code == 3
    assert run.error_lines == [
        "audit: error: typecheck: mypy did not finish within 0.01 s "
        "([tool.audit.typecheck] timeout)"]


def test_type_errors_gate_key_counts_baseline_errors_too(tmp_path: Path) -> None:
    root = write_files(tmp_path / "proj", {
        **LEGACY, "pyproject.toml": PYPROJECT + "\n[tool.audit.gate]\ntype_errors = 1\n"})
    assert run_audit("typecheck", root, "--write-baseline").exit_code == 1
    rules = {r["id"]: r for r in read_report(root)["gate"]["rules"]}
    assert (rules["type_errors_new"]["status"], rules["type_errors"]["status"]) == (
        "passed", "failed")
    assert rules["type_errors"]["measured"] == 2
