"""A source file that is not valid Python is never silently dropped (issue 9, part 3).

Each case is a real ``audit`` subprocess on a real fixture project in
``tmp_path``: exit code, the gate rule ``unparsable_files``, the file named in
the coverage section (and as an import failure), the totals checked against
coverage.py run by hand plus the documented 0% count of the broken file, no
traceback, and a byte-identical tree.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from auditor.errors import EXIT_GATE_FAILED, EXIT_OK
from tests.support.projects import make_calc_project, read_report, run_audit, tree_digest

pytestmark = pytest.mark.slow

# Two lines, both countable; line 1 alone is a syntax error.
SYNTAX_ERROR = b"def broken(:\n    return 1\n"
# A byte that is not UTF-8 outside any literal: coverage.py cannot parse it either.
BAD_BYTE_IN_CODE = b"x = 1\n\xff = 2\n"
# A byte that is not UTF-8 inside a string on line 1: coverage.py looks for the
# encoding declaration there and gives up ("Couldn't parse '...': invalid or
# missing encoding declaration").
BAD_BYTE_ON_LINE_1 = b"greeting = 'caf\xe9'\nname = 'x'\n"
# The same byte further down: coverage.py parses the file (it decodes with
# replacement characters), Python refuses it.
BAD_BYTE_IN_STRING = (
    b"# greeting\n\n\ngreeting = 'caf\xe9'\n\n\ndef hello():\n    return greeting\n"
)


def coverage_by_hand(project: Path) -> dict[str, Any]:
    """coverage.py itself, with --ignore-errors so that it reports the rest at all."""
    data = project / ".coverage-by-hand"
    env = {"PYTHONPATH": str(project / "src"), "PATH": str(Path(sys.executable).parent),
           "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "--branch", f"--data-file={data}",
         "--source=src/calc", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project, env=env, check=True, capture_output=True,
    )
    out = project / "by-hand.json"
    subprocess.run(
        [sys.executable, "-m", "coverage", "json", f"--data-file={data}", "-o", str(out),
         "--ignore-errors"],
        cwd=project, env=env, check=True, capture_output=True,
    )
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def audit_with_bad_file(tmp_path: Path, content: bytes,
                        extra_config: str = "") -> tuple[Path, Any, dict[str, Any]]:
    root = make_calc_project(tmp_path / "audited", extra_config)
    (root / "src/calc/bad.py").write_bytes(content)
    by_hand = shutil.copytree(root, tmp_path / "by-hand")
    before = tree_digest(root)
    run = run_audit("report", root, "--only", "coverage,imports")
    assert "Traceback" not in run.stdout + run.stderr
    assert tree_digest(root) == before
    return root, run, coverage_by_hand(by_hand)


def _gate_rule(report: dict[str, Any], rule_id: str) -> dict[str, Any]:
    rule: dict[str, Any] = next(r for r in report["gate"]["rules"] if r["id"] == rule_id)
    return rule


@pytest.mark.parametrize("content", [SYNTAX_ERROR, BAD_BYTE_IN_CODE, BAD_BYTE_ON_LINE_1],
                         ids=["syntax-error", "undecodable-byte-in-code", "undecodable-line-1"])
def test_a_file_coverage_cannot_parse_counts_as_zero_and_fails_the_gate(
    tmp_path: Path, content: bytes
) -> None:
    root, run, theirs = audit_with_bad_file(tmp_path, content)
    assert run.exit_code == EXIT_GATE_FAILED, run.stderr
    report = read_report(root)
    coverage = report["analyses"]["coverage"]
    assert coverage["unparsable_files"] == ["src/calc/bad.py"]
    bad = coverage["modules"]["src/calc/bad.py"]
    assert bad["unparsable"].startswith("SyntaxError")
    # coverage.py leaves the file out; we count both of its lines (neither is
    # blank nor a comment) as missing statements, per docs/coverage.md.
    assert "src/calc/bad.py" not in theirs["files"]
    assert (bad["statements"], bad["covered_lines"], bad["missing_lines"]) == (2, 0, [1, 2])
    totals = theirs["totals"]
    assert (coverage["statements"], coverage["covered_lines"]) == (
        totals["num_statements"] + 2, totals["covered_lines"])
    assert (coverage["branches"], coverage["covered_branches"]) == (
        totals["num_branches"], totals["covered_branches"])
    rule = _gate_rule(report, "unparsable_files")
    assert (rule["measured"], rule["status"]) == (1, "failed")
    [failure] = report["analyses"]["imports"]["failures"]
    assert (failure["module"], failure["error_type"]) == ("calc.bad", "SyntaxError")
    assert "unparsable_files" in run.stdout + run.stderr  # the gate table


def test_undecodable_bytes_coverage_parses_are_still_named_and_gated(tmp_path: Path) -> None:
    root, run, theirs = audit_with_bad_file(tmp_path, BAD_BYTE_IN_STRING)
    assert run.exit_code == EXIT_GATE_FAILED, run.stderr
    report = read_report(root)
    coverage = report["analyses"]["coverage"]
    assert coverage["unparsable_files"] == ["src/calc/bad.py"]
    bad = coverage["modules"]["src/calc/bad.py"]
    assert "decode" in bad["unparsable"]
    # coverage.py counts this file itself: its numbers are kept as they are.
    summary = theirs["files"]["src/calc/bad.py"]["summary"]
    assert (bad["statements"], bad["covered_lines"]) == (summary["num_statements"], 0)
    assert (coverage["statements"], coverage["covered_lines"]) == (
        theirs["totals"]["num_statements"], theirs["totals"]["covered_lines"])
    assert _gate_rule(report, "unparsable_files")["status"] == "failed"
    [failure] = report["analyses"]["imports"]["failures"]
    assert failure["module"] == "calc.bad"
    html = (root / "audit-report" / "index.html").read_text()
    assert 'id="coverage-unparsable"' in html and "src/calc/bad.py" in html
    assert "src/calc/bad.py" in (root / "audit-report" / "report.md").read_text()


def test_the_gate_key_can_allow_a_known_broken_file(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path, """
        [tool.audit.gate]
        unparsable_files = 1
    """)
    (root / "src/calc/bad.py").write_bytes(SYNTAX_ERROR)
    run = run_audit("coverage", root)
    assert run.exit_code == EXIT_OK, run.stderr
    report = read_report(root)
    rule = _gate_rule(report, "unparsable_files")
    assert (rule["measured"], rule["threshold"], rule["status"]) == (1, 1, "passed")
