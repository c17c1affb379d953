"""The mocks gate rules and the [tool.audit.mocks] configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.errors import ConfigError
from auditor.gate import evaluate
from auditor.mocks.analysis import MocksAnalysis
from auditor.mocks.result import Finding, MocksResult, TestMetrics
from auditor.mocks.rules import RULES, rule_ids
from auditor.registry import load_config, validate_table


def _result(findings: list[tuple[str, bool]], tests: int, mock_only: int,
            untested: int) -> MocksResult:
    result = MocksResult(rule_ids=rule_ids())
    for index, (rule, suppressed) in enumerate(findings):
        result.findings.append(Finding(rule=rule, path="t.py", line=index + 1, column=1,
                                       test=f"t.py::test_{index}", message="m",
                                       severity=RULES[rule].severity, suppressed=suppressed))
    for index in range(tests):
        only = index < mock_only
        result.tests.append(TestMetrics(test=f"t.py::t{index}", path="t.py", line=1,
                                        mock_assertions=1 if only else 0,
                                        value_assertions=0 if only else 1))
    result.modules = {f"pkg.m{i}": [] for i in range(untested)} | {"pkg.ok": ["t.py"]}
    return result


def _gate(gate: dict[str, object], result: MocksResult) -> dict[str, tuple[str, object]]:
    document = result.to_dict()
    rules = MocksAnalysis().gate_rules(gate, document)
    verdict = evaluate(rules, {"mocks": document})
    return {r.id: (r.status, r.measured) for r in verdict.rules}


def test_gate_counts_only_active_findings() -> None:
    result = _result([("mock-internal", False), ("mock-internal", True), ("test-sleep", False)],
                     tests=4, mock_only=1, untested=2)
    verdict = _gate({"mock_findings": 2, "mock_findings_by_rule": {"mock-internal": 0,
                                                                   "test-no-assert": 0},
                     "mock_only_share": 25, "untested_modules": 1}, result)
    assert verdict == {
        "mock_findings": ("passed", 2),
        "mock_findings_by_rule[mock-internal]": ("failed", 1),
        "mock_findings_by_rule[test-no-assert]": ("passed", 0),
        "mock_only_share": ("passed", 25.0),
        "untested_modules": ("failed", 2),
    }


@given(st.integers(min_value=1, max_value=300), st.data())
def test_mock_only_share_compares_the_floored_percentage(tests: int, data: st.DataObject
                                                         ) -> None:
    mock_only = data.draw(st.integers(min_value=0, max_value=tests))
    threshold = data.draw(st.integers(min_value=0, max_value=100))
    result = _result([], tests=tests, mock_only=mock_only, untested=0)
    status, measured = _gate({"mock_only_share": threshold}, result)["mock_only_share"]
    # floor to 2 decimals, computed independently with integers
    shown = (mock_only * 100 * 100 // tests) / 100
    if 0 < mock_only * 100 * 100 < tests:
        shown = 0.01
    assert measured == pytest.approx(shown)
    assert status == ("passed" if shown <= threshold else "failed")


def _table(**mocks: object) -> dict[str, object]:
    return {"packages": ["pkg"], "mocks": mocks}


def test_config_accepts_the_documented_keys(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.audit]\npackages = ["pkg"]\n\n[tool.audit.mocks]\n'
        'boundaries = ["pkg.adapters"]\nmax_patches = 6\ndisable = ["test-sleep"]\n'
        'exclude = ["tests/legacy/*"]\nworkers = 2\ncache = false\n\n[tool.audit.gate]\n'
        'mock_findings = 0\nmock_findings_by_rule = { "mock-echo" = 0 }\n'
        'mock_only_share = 5\nuntested_modules = 3\n'
    )
    config = load_config(tmp_path)
    assert config.section("mocks") == {
        "boundaries": ["pkg.adapters"], "max_patches": 6, "disable": ["test-sleep"],
        "exclude": ["tests/legacy/*"], "workers": 2, "cache": False,
    }
    assert config.gate["mock_findings_by_rule"] == {"mock-echo": 0}


@pytest.mark.parametrize(("table", "message"), [
    (_table(max_patches=0), r"max_patches: 0 is less than the minimum of 1"),
    (_table(disable=["mock-typo"]), r"disable\[0\]: 'mock-typo' is not one of"),
    (_table(boundary=["x"]), r"\[tool.audit.mocks\] unknown key 'boundary'"),
    ({"packages": ["pkg"], "gate": {"mock_findings_by_rule": {"nope": 1}}},
     r"mock_findings_by_rule"),
    ({"packages": ["pkg"], "gate": {"mock_only_share": 120}},
     r"mock_only_share: 120 is greater than the maximum of 100"),
])
def test_config_errors_name_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        validate_table(table, "pyproject.toml")


def test_result_round_trips_through_its_dict(tmp_path: Path) -> None:
    result = _result([("mock-echo", False), ("test-sleep", True)], tests=3, mock_only=1,
                     untested=1)
    document = result.to_dict()
    assert MocksResult.from_dict(document).to_dict() == document
    assert result.finding_counts() == {"mock-echo": 1}
    assert result.headline_metrics()["modules_without_direct_test"].value == 1.0
