"""With PYTEST_DISABLE_PLUGIN_AUTOLOAD set, the audit passes only the flags of loaded plugins.

The test command switches xdist off (``-n 0``) and pytest-cov off (``--no-cov``).
Both are installed in this interpreter, but with autoloading off pytest loads
a plugin only when it is named (``-p``): ``-n 0`` to a pytest without xdist is
"unrecognized arguments", and the audit stopped (exit 3) on any such project.
The expected missing lines are read from calc's code: its tests never call
``sign`` with a negative or zero number, nor ``clamp`` above its range, and
never import ``unused``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import EXIT_OK
from auditor.testrun.plugin_loading import named_plugins
from tests.support.projects import make_calc_project, read_report, run_audit

AUTOLOAD_OFF = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
# src/calc/ops.py lines never run by calc's tests: sign after its first return (8-10),
# clamp after its first return (16-18)
OPS_MISSING = [8, 9, 10, 16, 17, 18]


def _audit(root: Path) -> dict[str, object]:
    run = run_audit("coverage", root, "--no-gate", "--output", root / "audit-report",
                    env=AUTOLOAD_OFF)
    assert run.exit_code == EXIT_OK, run.stderr
    coverage: dict[str, object] = read_report(root)["analyses"]["coverage"]
    return coverage


@pytest.mark.slow
def test_no_plugin_named_no_flag_passed(tmp_path: Path) -> None:
    coverage = _audit(make_calc_project(tmp_path / "calc"))
    modules = coverage["modules"]
    assert modules["src/calc/ops.py"]["missing_lines"] == OPS_MISSING  # type: ignore[index]


@pytest.mark.slow
def test_a_named_xdist_is_switched_off_and_the_run_measured(tmp_path: Path) -> None:
    # -n 2 from the project's options: were it not overridden by -n 0, the tests
    # would run in two unmeasured worker processes and add's line would be missing
    root = make_calc_project(tmp_path / "calc", """
        [tool.pytest.ini_options]
        addopts = "-p xdist.plugin -n 2"
    """)
    coverage = _audit(root)
    modules = coverage["modules"]
    assert modules["src/calc/ops.py"]["missing_lines"] == OPS_MISSING  # type: ignore[index]


@pytest.mark.parametrize(("files", "env", "args", "expected"), [
    ({}, {}, [], None),  # autoloading on: every installed plugin loads
    ({"pytest.ini": "[pytest]\naddopts = -pxdist -q\n"}, AUTOLOAD_OFF, [], {"xdist"}),
    ({"tox.ini": "[pytest]\naddopts = -p a\n", "setup.cfg": "[tool:pytest]\naddopts = -p b\n"},
     AUTOLOAD_OFF, [], {"a"}),  # tox.ini comes before setup.cfg
    ({"setup.cfg": "[tool:pytest]\naddopts = -p b\n"},
     {**AUTOLOAD_OFF, "PYTEST_ADDOPTS": "-p c", "PYTEST_PLUGINS": "d, e"}, ["-p", "f"],
     {"b", "c", "d", "e", "f"}),
    ({"pyproject.toml": "[tool.pytest.ini_options]\naddopts = ['-p', 'g']\n"},
     AUTOLOAD_OFF, [], {"g"}),
])
def test_named_plugins_are_read_as_pytest_reads_them(
    tmp_path: Path, files: dict[str, str], env: dict[str, str], args: list[str],
    expected: set[str] | None,
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert named_plugins(tmp_path, env, args) == expected
