"""Exit codes and bad input, through the real ``audit`` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import EXIT_GATE_FAILED, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE
from tests.support.projects import (
    AuditRun,
    make_calc_project,
    read_report,
    run_audit,
    tree_digest,
    write_files,
)

pytestmark = pytest.mark.slow

# calc: 3 of the 4 functions' lines run; line coverage is well below 90 and above 40.
GATE_PASSES = "[tool.audit.gate]\nline = 40\n"
GATE_FAILS = "[tool.audit.gate]\nline = 90\n"


@pytest.fixture(scope="module")
def passing_audit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, AuditRun]:
    """A passing calc project audited once, from its own directory with no path argument.

    Two tests read it (the exit code of a passing gate; the run in the current
    directory): one audit, not two. The path-argument form is every other
    audit here.
    """
    root = make_calc_project(tmp_path_factory.mktemp("pass"), GATE_PASSES)
    return root, run_audit("report", cwd=root)


def test_gate_pass_and_fail_exit_codes(
    tmp_path: Path, passing_audit: tuple[Path, AuditRun]
) -> None:
    passing, ok = passing_audit
    failing = make_calc_project(tmp_path / "fail", GATE_FAILS)
    bad = run_audit("report", failing)
    assert ok.exit_code == EXIT_OK, ok.stderr
    assert bad.exit_code == EXIT_GATE_FAILED, bad.stderr
    assert read_report(passing)["gate"]["passed"] is True
    failed_rules = [r for r in read_report(failing)["gate"]["rules"] if r["passed"] is False]
    assert [r["id"] for r in failed_rules] == ["line"]
    for name in ("index.html", "report.md", "report.json", "junit.xml"):
        assert (failing / "audit-report" / name).is_file()


def test_no_gate_reports_but_exits_zero(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path, GATE_FAILS)
    run = run_audit("report", root, "--no-gate")
    assert run.exit_code == EXIT_OK, run.stderr
    rules = read_report(root)["gate"]["rules"]
    assert [(r["id"], r["status"]) for r in rules] == [
        ("unparsable_files", "passed"), ("line", "failed")]


def test_runs_in_the_current_directory_without_path(
    passing_audit: tuple[Path, AuditRun]
) -> None:
    root, run = passing_audit
    assert run.exit_code == EXIT_OK, run.stderr
    assert (root / "audit-report" / "report.json").is_file()


def test_syntax_error_in_a_module_is_an_import_failure_and_the_rest_goes_on(
    tmp_path: Path,
) -> None:
    root = make_calc_project(
        tmp_path,
        **{"src/calc/broken.py": "def broken(:\n    pass\n"},
    )
    run = run_audit("report", root, "--only", "coverage,imports")
    assert run.exit_code == EXIT_GATE_FAILED, run.stderr
    report = read_report(root)
    [failure] = report["analyses"]["imports"]["failures"]
    assert (failure["module"], failure["error_type"], failure["line"]) == (
        "calc.broken", "SyntaxError", 1
    )
    coverage = report["analyses"]["coverage"]
    assert coverage["unparsable_files"] == ["src/calc/broken.py"]
    assert "src/calc/ops.py" in coverage["modules"]
    [rule] = [r for r in report["gate"]["rules"] if r["id"] == "import_failures"]
    assert (rule["measured"], rule["status"]) == (1, "failed")


def test_failing_suite_is_not_a_coverage_result(tmp_path: Path) -> None:
    root = make_calc_project(
        tmp_path,
        **{"tests/test_broken.py": "def test_broken():\n    assert 1 + 1 == 3\n"},
    )
    run = run_audit("coverage", root)
    assert run.exit_code == EXIT_INCOMPLETE
    assert len(run.error_lines) == 1
    assert "1 test(s) failed: tests/test_broken.py::test_broken" in run.error_lines[0]
    assert not (root / "audit-report" / "report.json").exists()


def test_collection_error_names_the_module_and_the_cause(tmp_path: Path) -> None:
    root = make_calc_project(
        tmp_path, **{"tests/test_needs.py": "import not_installed_anywhere\n"}
    )
    run = run_audit("coverage", root)
    assert run.exit_code == EXIT_INCOMPLETE
    assert run.error_lines[0].startswith(
        "audit: error: pytest could not collect the tests: tests/test_needs.py: "
        "ModuleNotFoundError: No module named 'not_installed_anywhere'"
    )


def test_tolerated_failures_still_report(tmp_path: Path) -> None:
    root = make_calc_project(
        tmp_path,
        "tolerate_test_failures = true\n",
        **{"tests/test_broken.py": "def test_broken():\n    assert 1 + 1 == 3\n"},
    )
    # The appended key must land in [tool.audit], which is the last table.
    run = run_audit("coverage", root)
    assert run.exit_code == EXIT_OK, run.stderr
    tests = read_report(root)["tests"]
    assert tests["tolerated_failures"] is True
    assert tests["counts"]["failed"] == 1


def test_hanging_suite_times_out_with_exit_3(tmp_path: Path) -> None:
    root = make_calc_project(
        tmp_path,
        "test_timeout = 3\n",
        **{"tests/test_hang.py": "import threading\n\ndef test_hang():\n"
           "    assert threading.Event().wait(600)\n"},
    )
    run = run_audit("coverage", root, timeout=120)
    assert run.exit_code == EXIT_INCOMPLETE
    assert "did not finish within 3 s" in run.error_lines[0]


@pytest.mark.parametrize(
    "files, args, expected",
    [
        ({}, ["report", "{root}/missing"], "missing: no such directory"),
        ({"README": "x"}, ["report", "{root}"], "not a Python project (no pyproject.toml)"),
        ({"pyproject.toml": "[project]\nname='x'\n"}, ["report", "{root}"],
         "no [tool.audit] table"),
        ({"pyproject.toml": "[tool.audit]\npackages=['nope']\n"}, ["report", "{root}"],
         "package 'nope' not found"),
        ({"pyproject.toml": "[tool.audit]\npackages=['calc']\ntests=['nowhere']\n",
          "calc.py": "X = 1\n"}, ["report", "{root}"], "tests: 'nowhere' does not exist"),
        ({"pyproject.toml": "[tool.audit]\npackages=['calc']\ntests=['.']\n",
          "calc.py": "X = 1\n"}, ["report", "{root}", "--base", "nope"],
         "--base nope: "),
        ({"pyproject.toml": "[tool.audit]\npackages=['calc']\ntests=['.']\n",
          "calc.py": "X = 1\n"}, ["report", "{root}", "--only", "speed"],
         "--only: unknown analysis speed"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, files: dict[str, str], args: list[str], expected: str
) -> None:
    root = write_files(tmp_path / "project", files) if files else tmp_path / "project"
    before = tree_digest(tmp_path)
    run = run_audit(*[a.format(root=root) for a in args])
    assert run.exit_code == EXIT_USAGE, run.stderr
    assert len(run.error_lines) == 1, run.stderr
    assert expected in run.error_lines[0]
    assert "Traceback" not in run.stderr
    changed = {k for k in tree_digest(tmp_path) if k not in before}
    # only the auditor's own state folder (its .gitignore, the output folder's lock)
    assert all(k.startswith("project/.audit/") for k in changed), changed


def test_help_documents_exit_codes() -> None:
    run = run_audit("report", "--help")
    assert run.exit_code == 0
    for line in ("0  the audit completed and the gate passed",
                 "1  the audit completed and the gate failed",
                 "2  usage or configuration error",
                 "3  the audit could not be completed"):
        assert line in run.stdout
