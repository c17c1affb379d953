"""The regression gate: compare with the latest baseline run; skipped (never passed) without one."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import ConfigError
from auditor.history import record_run, regression_rules
from auditor.history.url import HistoryTarget
from auditor.registry import load_config
from tests.history import builders
from tests.support.projects import make_calc_project


def _cov(covered: int, total: int, created: str, branch: str = "main", commit: str = "a" * 40):
    return builders.audit(
        created=created,
        branch=branch,
        commit=commit,
        analyses={"coverage": builders.coverage({"m.py": (covered, total)})},
    )


def test_no_history_file_skips_with_reason_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    (rule,) = regression_rules(
        path, {"no_regression": {"line_percent": 0.5}}, _cov(1, 2, "2026-01-01T00:00:00Z").to_dict()
    )
    assert (rule.id, rule.status, rule.passed, rule.measured) == (
        "no_regression.line_percent",
        "skipped",
        None,
        None,
    )
    assert rule.reason == f"no history at {path} yet"
    assert not path.exists()


def test_history_without_baseline_branch_run_is_skipped(history_target: HistoryTarget) -> None:
    path = history_target
    record_run(path, _cov(9, 10, "2026-01-01T00:00:00Z", branch="feature"))
    (rule,) = regression_rules(
        path,
        {"no_regression": {"line_percent": 0.5}},
        _cov(1, 10, "2026-01-02T00:00:00Z").to_dict(),
    )
    assert rule.status == "skipped"
    assert rule.reason == f"no baseline: no run on branch 'main' in {path}"


def test_drop_beyond_tolerance_fails_and_names_the_baseline_run(
    history_target: HistoryTarget,
) -> None:
    path = history_target
    record_run(path, _cov(9, 10, "2026-01-01T00:00:00Z", commit="1" * 40))
    baseline_id = record_run(path, _cov(8, 10, "2026-01-02T00:00:00Z", commit="2" * 40))
    record_run(path, _cov(10, 10, "2026-01-03T00:00:00Z", branch="other", commit="3" * 40))
    current = _cov(79, 100, "2026-01-04T00:00:00Z", branch="feature").to_dict()
    (rule,) = regression_rules(path, {"no_regression": {"line_percent": 0.5}}, current)
    # Baseline is the latest *main* run: 80.00%; now 79.00%: down 1 point > 0.5.
    assert rule.status == "failed"
    assert rule.measured == -1.0
    assert rule.threshold == -0.5
    assert f"run #{baseline_id} (main @ 2222222222, 2026-01-02T00:00:00Z)" in rule.description
    assert "80.00 in baseline" in rule.reason and "79.00 now" in rule.reason


def test_drop_within_tolerance_and_other_baseline_branch_pass(
    history_target: HistoryTarget,
) -> None:
    path = history_target
    record_run(path, _cov(80, 100, "2026-01-01T00:00:00Z", branch="release"))
    current = _cov(796, 1000, "2026-01-02T00:00:00Z").to_dict()
    (rule,) = regression_rules(
        path,
        {"no_regression": {"coverage.line_percent": 0.5}, "baseline_branch": "release"},
        current,
    )
    assert (rule.status, rule.measured) == ("passed", -0.4)


def test_lower_is_better_metric_fails_when_it_rises(history_target: HistoryTarget) -> None:
    path = history_target
    record_run(
        path,
        builders.audit(
            created="2026-01-01T00:00:00Z", analyses={"imports": builders.imports(5, [])}
        ),
    )
    current = builders.audit(
        created="2026-01-02T00:00:00Z", analyses={"imports": builders.imports(5, ["a", "b"])}
    ).to_dict()
    (rule,) = regression_rules(path, {"no_regression": {"import_failures": 1}}, current)
    assert rule.status == "failed"
    assert rule.measured == -2.0
    assert "may rise at most 1 points" in rule.description


def test_metric_missing_now_or_in_baseline_is_skipped(history_target: HistoryTarget) -> None:
    path = history_target
    record_run(path, _cov(1, 2, "2026-01-01T00:00:00Z"))
    current = builders.audit(
        created="2026-01-02T00:00:00Z",
        analyses={
            "coverage": builders.coverage({"m.py": (1, 2)}),
            "mutation": builders.mutation({"m1": "killed"}),
        },
    ).to_dict()
    rules = regression_rules(
        path, {"no_regression": {"mutation_score": 1, "nonexistent_metric": 1}}, current
    )
    assert [r.status for r in rules] == ["skipped", "skipped"]
    assert "did not measure mutation.mutation_score" in rules[0].reason
    assert "nonexistent_metric was not measured in this run" in rules[1].reason


def test_max_flaky_counts_tests_that_passed_and_failed_on_this_commit(
    history_target: HistoryTarget,
) -> None:
    path = history_target
    sha = "f" * 40

    def run(created: str, outcomes: dict[str, str], commit: str = sha):
        return builders.audit(
            created=created,
            commit=commit,
            test_run=builders.tests({n: (o, 0.1) for n, o in outcomes.items()}, 1.0),
        )

    record_run(
        path, run("2026-01-01T00:00:00Z", {"t::a": "passed", "t::b": "failed", "t::c": "passed"})
    )
    # t::c failed on another commit only: not flaky on this one.
    record_run(path, run("2026-01-02T00:00:00Z", {"t::c": "failed"}, commit="0" * 40))
    current = run("2026-01-03T00:00:00Z", {"t::a": "failed", "t::b": "failed", "t::c": "passed"})
    (rule,) = regression_rules(path, {"max_flaky": 0}, current.to_dict())
    assert (rule.id, rule.status, rule.measured) == ("max_flaky", "failed", 1)
    assert rule.reason == "1 flaky on ffffffffff: t::a"
    (allowed,) = regression_rules(path, {"max_flaky": 1}, current.to_dict())
    assert allowed.status == "passed"


def _shown_hundredths(covered: int, total: int) -> int:
    """The displayed percentage in hundredths: floored, never 0 unless exactly 0."""
    hundredths = covered * 10000 // total
    return 1 if hundredths == 0 and covered > 0 else hundredths


_counts = st.integers(min_value=1, max_value=2000).flatmap(
    lambda total: st.tuples(st.integers(min_value=0, max_value=total), st.just(total))
)


@settings(max_examples=40)
@given(before=_counts, now=_counts, tolerance_hundredths=st.integers(min_value=0, max_value=300))
def test_regression_verdict_matches_integer_arithmetic(
    before: tuple[int, int], now: tuple[int, int], tolerance_hundredths: int
) -> None:
    tolerance = tolerance_hundredths / 100
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "h.db")
        record_run(path, _cov(*before, "2026-01-01T00:00:00Z"))
        current = _cov(*now, "2026-01-02T00:00:00Z").to_dict()
        (rule,) = regression_rules(path, {"no_regression": {"line_percent": tolerance}}, current)
    change = _shown_hundredths(*now) - _shown_hundredths(*before)
    assert rule.measured == change / 100
    assert rule.status == ("passed" if change >= -tolerance_hundredths else "failed")


def test_gate_keys_are_part_of_the_configuration_schema(tmp_path: Path) -> None:
    good = make_calc_project(
        tmp_path / "good",
        """
        [tool.audit.gate]
        no_regression = {line_percent = 0.5, mutation_score = 1.0}
        baseline_branch = "develop"
        max_flaky = 0
    """,
    )
    config = load_config(good)
    assert config.gate["no_regression"] == {"line_percent": 0.5, "mutation_score": 1.0}
    bad = make_calc_project(
        tmp_path / "bad",
        """
        [tool.audit.gate]
        no_regression = {line_percent = -1}
    """,
    )
    with pytest.raises(ConfigError, match=r"no_regression.*-1 is less than the minimum of 0"):
        load_config(bad)
