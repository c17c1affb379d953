"""Real ``audit report`` runs on a git fixture repository, then history, gate and review."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from tests.support.projects import git, init_repo, make_calc_project, read_report, run_audit

GATE = """
    [tool.audit.gate]
    no_regression = {line_percent = 0.5}
"""
MORE_TESTS = """
    from calc.ops import clamp, sign


    def test_sign_negative():
        assert sign(-3) == -1


    def test_clamp_high():
        assert clamp(50, 0, 10) == 10
"""


def _floor2(part: int, whole: int) -> str:
    """The displayed percentage computed from the counts with integers only."""
    hundredths = part * 10000 // whole
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _rule(report: dict, rule_id: str) -> dict:  # type: ignore[type-arg]
    return next(r for r in report["gate"]["rules"] if r["id"] == rule_id)


@pytest.mark.slow
def test_two_reports_give_two_history_rows_a_gate_and_a_matching_review(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path / "calc", GATE)
    init_repo(root)
    first = run_audit("report", root)
    assert first.exit_code == 0, first.stderr
    report1 = read_report(root)
    rule1 = _rule(report1, "no_regression.line_percent")
    assert (rule1["status"], rule1["passed"]) == ("skipped", None)
    assert "no history at" in rule1["reason"]

    (root / "tests" / "test_more.py").write_text(textwrap.dedent(MORE_TESTS))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "more tests")
    second = run_audit("report", root)
    assert second.exit_code == 0, second.stderr
    report2 = read_report(root)
    rule2 = _rule(report2, "no_regression.line_percent")
    assert rule2["status"] == "passed"
    assert f"run #1 (main @ {report1['commit'][:10]}" in rule2["description"]

    listed = run_audit("history", root, "--json")
    assert listed.exit_code == 0, listed.stderr
    runs = json.loads(listed.stdout)["runs"]
    assert [r["commit"] for r in runs] == [report1["commit"], report2["commit"]]
    for run, report in zip(runs, [report1, report2], strict=True):
        assert (
            run["metrics"]["coverage.line_percent"]
            == report["analyses"]["coverage"]["line_percent"]
        )
        assert run["metrics"]["tests.tests_total"] == len(report["tests"]["tests"])

    table = run_audit("history", root)
    assert table.exit_code == 0
    assert len(table.stdout.strip().splitlines()) == 3  # header + two runs

    done = run_audit("review", root, "--output", "rv")
    assert done.exit_code == 0, done.stderr
    markdown = (root / "rv" / "review.md").read_text()
    html = (root / "rv" / "review.html").read_text()
    cov1, cov2 = report1["analyses"]["coverage"], report2["analyses"]["coverage"]
    start = _floor2(cov1["covered_lines"], cov1["statements"])
    end = _floor2(cov2["covered_lines"], cov2["statements"])
    assert float(end) > float(start)
    delta = f"+{float(end) - float(start):.2f}"
    assert f"| coverage | line coverage | {start}% | {end}% | {delta} | better |" in markdown
    assert f"line coverage {end}% ({delta.rstrip('0').rstrip('.')})" in done.stdout
    row = re.search(r'data-metric="coverage.line_percent">(.*?)</tr>', html)
    assert row is not None and start in row.group(1) and end in row.group(1)
    assert html.count('<img src="data:image/png;base64,') >= 3

    # A commit that deletes tests drops coverage by more than the tolerance: the gate fails.
    (root / "tests" / "test_more.py").unlink()
    (root / "tests" / "test_ops.py").write_text(
        "from calc.ops import add\n\n\ndef test_add():\n    assert add(1, 1) == 2\n"
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "fewer tests")
    third = run_audit("report", root)
    assert third.exit_code == 1, third.stderr
    rule3 = _rule(read_report(root), "no_regression.line_percent")
    assert rule3["status"] == "failed"
    assert f"run #2 (main @ {report2['commit'][:10]}" in rule3["description"]


@pytest.mark.slow
def test_history_export_import_between_machines(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path / "calc")
    init_repo(root)
    assert run_audit("report", root).exit_code == 0
    dump = tmp_path / "artifact" / "history.json"
    exported = run_audit("history", "export", dump, root)
    assert exported.exit_code == 0, exported.stderr
    other = tmp_path / "ci-cache.db"
    for _ in range(2):
        imported = run_audit("history", "import", dump, "--history", other)
        assert imported.exit_code == 0, imported.stderr
    assert "imported 0 runs (1 already present)" in imported.stdout
    runs = json.loads(run_audit("history", "--history", other, "--json").stdout)["runs"]
    assert [r["commit"] for r in runs] == [read_report(root)["commit"]]


def test_import_of_a_non_export_is_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    done = run_audit("history", "import", bad, "--history", tmp_path / "h.db")
    assert done.exit_code == 2
    assert done.error_lines == [f"audit: error: {bad}: not a test-auditor history export"]
    assert not (tmp_path / "h.db").exists()


def test_review_without_history_is_a_usage_error(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path / "calc")
    done = run_audit("review", root, "--since", "yesterday-ish")
    assert done.exit_code == 2
    assert done.error_lines == [
        f"audit: error: {root / '.audit' / 'history.db'}: no history yet; run `audit report` first"
    ]
