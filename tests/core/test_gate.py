"""Gate rules are data evaluated against the report document."""

from __future__ import annotations

from auditor.analysis import GateRule
from auditor.coverage.analysis import CoverageAnalysis
from auditor.gate import evaluate

COVERAGE = {
    "line_percent": 90.0,
    "branch_percent": 70.0,
    "modules": {
        "src/pkg/a.py": {"line_percent": 95.0},
        "src/pkg/b.py": {"line_percent": 60.0},
        "src/other/c.py": {"line_percent": 10.0},
    },
    "diff": None,
    "unparsable_count": 0,
}


def _configured(rules: list[GateRule]) -> list[GateRule]:
    """The rules a test configured: without the always-on unparsable_files rule."""
    return [r for r in rules if r.id != "unparsable_files"]


def test_unparsable_files_rule_applies_without_configuration() -> None:
    [rule] = CoverageAnalysis().gate_rules({}, COVERAGE)
    assert (rule.id, rule.comparison, rule.threshold) == ("unparsable_files", "<=", 0)
    broken = {**COVERAGE, "unparsable_count": 1}
    assert not evaluate([rule], {"coverage": broken}).passed
    [allowed] = CoverageAnalysis().gate_rules({"unparsable_files": 1}, broken)
    assert evaluate([allowed], {"coverage": broken}).passed


def test_module_globs_expand_to_one_rule_per_matching_module() -> None:
    rules = _configured(CoverageAnalysis().gate_rules({"modules": {"src/pkg/*": 80}}, COVERAGE))
    gate = evaluate(rules, {"coverage": COVERAGE})
    verdicts = {r.id: r.status for r in gate.rules}
    assert verdicts == {
        "modules[src/pkg/*]:src/pkg/a.py": "passed",
        "modules[src/pkg/*]:src/pkg/b.py": "failed",
    }
    assert not gate.passed


def test_glob_matching_nothing_is_skipped_with_reason() -> None:
    rules = _configured(CoverageAnalysis().gate_rules({"modules": {"nothing/*": 80}}, COVERAGE))
    gate = evaluate(rules, {"coverage": COVERAGE})
    [rule] = gate.rules
    assert rule.status == "skipped"
    # the reason names the glob, then how globs match (gitignore-style)
    assert rule.reason.startswith("no module matches 'nothing/*' (gitignore-style")
    assert gate.passed


def test_changed_lines_rule_skipped_without_base() -> None:
    rules = _configured(CoverageAnalysis().gate_rules({"changed_lines": 90}, COVERAGE))
    [result] = evaluate(rules, {"coverage": COVERAGE}).rules
    assert result.status == "skipped"
    assert result.passed is None
    assert "no --base" in result.reason


def test_changed_lines_rule_uses_guard_reason() -> None:
    data = dict(COVERAGE, diff={"gated_percent": None, "skipped_reason": "only 2 changed"})
    rules = _configured(CoverageAnalysis().gate_rules({"changed_lines": 90}, data))
    [result] = evaluate(rules, {"coverage": data}).rules
    assert (result.status, result.reason) == ("skipped", "only 2 changed")


def test_rule_of_an_analysis_that_did_not_run_is_skipped() -> None:
    rule = GateRule("x", "mutation", "score", ("score",), ">=", 50)
    [result] = evaluate([rule], {"coverage": COVERAGE}).rules
    assert result.status == "skipped"
    assert result.reason == "the mutation analysis did not run"


def test_count_rules_compare_at_most() -> None:
    rule = GateRule("import_failures", "imports", "failures", ("n",), "<=", 0, percent=False)
    assert evaluate([rule], {"imports": {"n": 0}}).passed
    failed = evaluate([rule], {"imports": {"n": 2}})
    assert not failed.passed
    assert failed.rules[0].measured == 2


def test_disabled_gate_passes_even_with_failed_rules() -> None:
    rule = GateRule("line", "coverage", "line", ("line_percent",), ">=", 99)
    gate = evaluate([rule], {"coverage": COVERAGE}, enabled=False)
    assert gate.rules[0].status == "failed"
    assert gate.passed
