"""A table that passed the schema once is not checked again; every other table is.

The cache may only skip a check whose verdict is known to be a pass: a
table that fails gets its error on every load, a table changed after a pass
is checked again, and a project that was never audited gets no file. The
positive control is the sys.modules test: a re-run's audit does not import
jsonschema (the check's library) at all, a first one does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.config_cache import CACHE_NAME
from auditor.errors import ConfigError
from auditor.registry import load_config
from tests.support.projects import make_calc_project, run_audit


def _with_state(root: Path) -> Path:
    (root / ".audit").mkdir()
    return root


def test_a_table_that_passed_is_remembered_and_loads_the_same(tmp_path: Path) -> None:
    root = _with_state(make_calc_project(tmp_path))
    first = load_config(root)
    keys = json.loads((root / ".audit" / CACHE_NAME).read_text())
    second = load_config(root)
    assert len(keys) == 1
    assert second == first


def test_a_failing_table_fails_every_time_and_is_not_remembered(tmp_path: Path) -> None:
    root = _with_state(make_calc_project(tmp_path, "test_timeout = -1\n"))
    errors = []
    for _ in range(2):
        with pytest.raises(ConfigError) as raised:
            load_config(root)
        errors.append(str(raised.value))
    assert errors[0] == errors[1]
    assert "test_timeout" in errors[0]
    assert not (root / ".audit" / CACHE_NAME).exists()


def test_a_table_changed_after_a_pass_is_checked_again(tmp_path: Path) -> None:
    root = _with_state(make_calc_project(tmp_path))
    load_config(root)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "test_timeout = -1\n")
    with pytest.raises(ConfigError, match="test_timeout"):
        load_config(root)


def test_a_bad_command_line_value_after_a_pass_is_still_an_error(tmp_path: Path) -> None:
    root = _with_state(make_calc_project(tmp_path))
    load_config(root, overrides={"test_timeout": 60})
    with pytest.raises(ConfigError, match="command line"):
        load_config(root, overrides={"test_timeout": -5})


def test_a_project_never_audited_gets_no_file(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path)
    load_config(root)
    assert not (root / ".audit").exists()


# `audit report ARGS` in this interpreter, then whether jsonschema got imported
RUN_AUDIT = """
import json, runpy, sys
sys.argv = ["audit", *json.loads(sys.argv[1])]
try:
    runpy.run_module("auditor", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    code = exit.code
print()
print(json.dumps({"code": code, "imported": sorted(
    n for n in ("jsonschema", "pathspec", "libcst", "mutmut") if n in sys.modules)}))
"""


def _audit_imports(root: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", RUN_AUDIT, json.dumps(["report", str(root), "--no-gate"])],
        capture_output=True, text=True, timeout=300, check=False)
    outcome: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return outcome


@pytest.mark.slow
def test_a_coverage_only_rerun_imports_no_schema_checker(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path)
    assert run_audit("report", root, "--no-gate").exit_code == 0  # makes .audit/
    first = _audit_imports(root)  # the first audit with .audit/: checks, remembers
    again = _audit_imports(root)
    assert first == {"code": 0, "imported": ["jsonschema"]}
    assert again == {"code": 0, "imported": []}
