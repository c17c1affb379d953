"""The fix-first ranking and the next step of a failed rule, on hand-made results."""

from __future__ import annotations

from auditor.findings import Finding
from auditor.model import GateResult, RuleResult
from auditor.reports import fix_first
from auditor.reports.view import gate_rows
from tests.reports import samples


def finding(rule: str, line: int, severity: str = "warning", path: str = "app.py",
            analysis: str = "zz") -> Finding:
    return Finding(analysis=analysis, rule=rule, severity=severity, path=path, line=line,
                   message=f"{rule} at {line}", fingerprint=f"{rule}{path}{line}")


def build(findings: list[Finding], gate: GateResult | None = None) -> fix_first.FixFirst:
    result = samples.audit_result(
        analyses={"zz": samples.FindingsOnly(findings)}, gate=gate or GateResult(rules=[])
    )
    return fix_first.build(result, gate_rows(result.to_dict()))


def test_errors_first_then_the_rules_take_turns() -> None:
    found = [finding("a-rule", n) for n in (1, 2, 3)] + [finding("b-rule", 10),
                                                         finding("c-rule", 5, "error")]
    shown = [(i.rule, i.where) for i in build(found).items]
    assert shown == [
        ("c-rule", "app.py:5"),  # the only error
        ("a-rule", "app.py:1"), ("b-rule", "app.py:10"),  # one of each rule, then the rest
        ("a-rule", "app.py:2"), ("a-rule", "app.py:3"),
    ]


def test_findings_of_a_failed_rule_s_analysis_come_first() -> None:
    gate = GateResult(rules=[RuleResult("x", "things at most 0", "<=", 0, 2, "failed",
                                        analysis="other", percent=False)])
    found = [finding("mine", 1), finding("theirs", 9, analysis="other")]
    assert [i.rule for i in build(found, gate).items] == ["theirs", "mine"]


def test_findings_of_one_rule_on_one_line_are_one_entry() -> None:
    found = [finding("a-rule", 4)] * 3 + [finding("a-rule", 5)]
    view = build(found)
    assert [(i.where, i.more) for i in view.items] == [("app.py:4", 2), ("app.py:5", 0)]
    assert view.total == 4 and view.not_shown == 0


def test_a_failed_count_rule_names_its_analysis_s_first_finding() -> None:
    gate = GateResult(rules=[RuleResult("max_things", "things at most 0", "<=", 0, 2,
                                        "failed", analysis="zz", percent=False)])
    view = build([finding("b-rule", 7), finding("a-rule", 3, "error")], gate)
    [(rule, step)] = view.failed
    assert rule["id"] == "max_things"
    assert step.where == "app.py:3"  # the error, ranked first
    assert step.text == "fix this first: a-rule"  # its title (none given: the rule id)


def test_a_glob_member_that_fails_is_its_own_step() -> None:
    gate = GateResult(rules=[
        RuleResult("modules[pkg/*]:pkg/a.py", "line coverage of pkg/a.py", ">=", 90, 50.0,
                   "failed", analysis="coverage"),
        RuleResult("modules[pkg/*]:pkg/b.py", "line coverage of pkg/b.py", ">=", 90, 95.0,
                   "passed", analysis="coverage"),
    ])
    rows = gate_rows(samples.audit_result(gate=gate).to_dict())
    [row] = rows
    assert row["id"] == "modules[pkg/*]" and row["status"] == "failed"
    assert [m["subject"] for m in row["members"]] == ["pkg/a.py", "pkg/b.py"]
    assert row["measured_text"] == "1 of 2 fail"
    view = fix_first.build(samples.audit_result(gate=gate), rows)
    assert [(r["subject"], s.where) for r, s in view.failed] == [("pkg/a.py", "pkg/a.py")]


def test_a_failed_percentage_rule_points_at_the_change_first() -> None:
    from auditor.coverage.result import DiffCoverage

    # pkg/core.py changed on lines 4-5; a finding there beats the weakest module
    coverage = samples.coverage_result()
    coverage.diff = DiffCoverage(base="main", base_commit="c" * 40, changed_lines=2,
                                 covered_changed_lines=1,
                                 files={samples.CORE_PATH: {"changed": [4, 5], "uncovered": [5]}})
    gate = GateResult(rules=[RuleResult("line", "line coverage", ">=", 80, 66.66, "failed",
                                        analysis="coverage")])
    result = samples.audit_result(analyses={"coverage": coverage}, gate=gate)
    [(_, step)] = fix_first.build(result, gate_rows(result.to_dict())).failed
    assert step.where == f"{samples.CORE_PATH}:5"
    assert step.text == "fix this first: changed lines that no test runs"
    # without a change, the weakest module (pkg/a10.py: 3 of 10 lines)
    result = samples.audit_result(analyses={"coverage": samples.coverage_result(False)}, gate=gate)
    [(_, step)] = fix_first.build(result, gate_rows(result.to_dict())).failed
    assert step.where == "pkg/a10.py"
