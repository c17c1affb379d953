"""A worse value is never shown as better, never green, never passes ``no_regression``.

For every metric every registered analysis declares (and the core's own),
Hypothesis draws a baseline and a value that is worse *as displayed* (the
one rounding rule: floor to 2 decimals) in the metric's declared direction.
Both runs are recorded in a real SQLite history; then the weekly review
(built from that history and rendered to its view model), its HTML page and
the ``no_regression`` gate rule are asked about the change. The expected
verdict comes from the declaration alone (which way is better), never from
the code under test.

The property renders the page from the review's template and view model
without the charts (matplotlib PNGs, 80% of an example's time, that show no
verdict); :func:`write_review`'s own page, charts and all, is checked once
for every declared metric together, the last test below.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.findings import Finding
from auditor.history.backends import opened
from auditor.history.record import record_run
from auditor.history.regression import regression_rules
from auditor.history.render import view_model, write_review
from auditor.history.review import build_review
from auditor.metrics import CORE_METRICS, COUNT, DERIVED, PERCENT, TESTS, Metric, MetricSpec
from auditor.model import AuditResult, GateResult, JSONDict
from auditor.registry import all_analyses
from auditor.reports.templates import html_environment

DECLARED: list[tuple[str, str, MetricSpec]] = sorted(
    [(a.name, name, spec) for a in all_analyses() for name, spec in a.metrics.items()]
    + [(a, name, spec) for a, specs in CORE_METRICS.items() if a != DERIVED
       for name, spec in specs.items()],
    key=lambda item: (item[0], item[1]),
)


@dataclass
class Declared:
    """A result that reports one declared metric (the analysis's own declaration)."""

    name: ClassVar[str] = ""
    analysis: str = ""
    values: dict[str, Metric] = field(default_factory=dict)

    def to_dict(self) -> JSONDict:
        return {"findings": []}

    def headline_metrics(self) -> dict[str, Metric]:
        return dict(self.values)

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        return {}

    def finding_counts(self) -> dict[str, int]:
        return {}

    def report_findings(self) -> list[Finding]:
        return []


def _audit(created: str, values: dict[tuple[str, str], Metric]) -> AuditResult:
    """A run that reports ``values``, {(analysis, metric): value}, each the way its
    analysis would: the core's metrics through the test run, the rest as declared."""
    from auditor.model import TestRun

    analyses: dict[str, Declared] = {}
    test_run = None
    for (analysis, metric), value in values.items():
        if analysis == TESTS:
            # The core's metrics come from the test run: build one with that value.
            seconds = value.value if metric == "suite_seconds" else 1.0
            test_run = TestRun(exit_code=0, duration_seconds=seconds)
        else:
            analyses.setdefault(analysis, Declared(analysis)).values[metric] = value
    return AuditResult(
        project="demo", root="/nonexistent/demo", commit="a" * 40, branch="main",
        created=created, duration_seconds=1.0, config_fingerprint="f" * 16,
        analyses=analyses,  # type: ignore[arg-type]
        test_run=test_run, gate=GateResult(),
    )


def _html_row(page: str, analysis: str, metric: str) -> str:
    marker = f'data-metric="{analysis}.{metric}"'
    return page[page.index(marker):].split("</tr>", 1)[0]


def _value(spec: MetricSpec) -> st.SearchStrategy[float]:
    if spec.unit == PERCENT:
        return st.floats(0, 100, allow_nan=False)
    if spec.unit == COUNT:
        return st.integers(0, 10_000).map(float)
    return st.floats(0, 10_000, allow_nan=False)


def _shown(value: float) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding="ROUND_FLOOR")


@st.composite
def worse_pair(draw: st.DrawFn) -> tuple[str, str, MetricSpec, float, float]:
    analysis, metric, spec = draw(st.sampled_from(DECLARED))
    if analysis == TESTS and metric != "suite_seconds":
        # tests_total / tests_failed are counted from the test run's tests: covered
        # by the review of the seconds metric; the declaration is checked below.
        metric, spec = "suite_seconds", CORE_METRICS[TESTS]["suite_seconds"]
    a, b = draw(_value(spec)), draw(_value(spec))
    if _shown(a) == _shown(b):
        b = a + 1.0 if spec.unit != PERCENT or a <= 99 else a - 1.0
    low, high = sorted((a, b))
    before, after = (high, low) if spec.higher_is_better else (low, high)
    return analysis, metric, spec, before, after


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worse_pair())
def test_a_worse_value_is_never_better_green_or_passing(
    case: tuple[str, str, MetricSpec, float, float],
) -> None:
    analysis, metric, spec, before, after = case
    assert _shown(before) != _shown(after)
    with tempfile.TemporaryDirectory() as directory:
        history = Path(directory) / "history.db"
        baseline = _audit("2026-11-20T10:00:00+00:00", {(analysis, metric): spec.of(before)})
        current = _audit("2026-11-21T10:00:00+00:00", {(analysis, metric): spec.of(after)})
        record_run(history, baseline)
        rules = regression_rules(
            history, {"no_regression": {f"{analysis}.{metric}": 0}}, current.to_dict()
        )
        assert [r.status for r in rules] == ["failed"], rules[0].reason
        record_run(history, current)
        with opened(history, create=False) as store:
            review = build_review(store, "2026-11-01T00:00:00+00:00")
        change = review.change(analysis, metric)
        assert change is not None and change.improved is False
        view = view_model(review, [], "demo")
        row = next(r for r in view["changes"] if (r["analysis"], r["metric"]) == (analysis, metric))
        assert row["trend"] == "worse"
        # the page write_review writes, from the same template and view (no charts)
        page = html_environment().get_template("review.html.j2").render(**view)
        html_row = _html_row(page, analysis, metric)
        assert 'class="better"' not in html_row and 'class="worse"' in html_row


def test_every_declared_metric_has_a_direction_unit_and_label() -> None:
    """The declarations the property runs over are complete (nothing left to guess)."""
    assert DECLARED, "no analysis declares a metric"
    for analysis, metric, spec in DECLARED + [
        (DERIVED, name, spec) for name, spec in CORE_METRICS[DERIVED].items()
    ]:
        assert spec.direction in ("higher", "lower"), (analysis, metric)
        assert spec.label.strip(), (analysis, metric)


@pytest.mark.slow  # 17 matplotlib charts: ~2.5 s of CPU
def test_the_written_review_shows_every_declared_metric_worse(tmp_path: Path) -> None:
    """:func:`write_review` (charts and files) on two runs, every declared metric worse
    in the second: each metric's row on the page it wrote is worse, never better."""
    values = {}
    for analysis, metric, spec in DECLARED:
        if analysis == TESTS and metric != "suite_seconds":
            continue  # counted from the test run's tests (see worse_pair)
        low, high = (10.0, 20.0) if spec.unit != PERCENT else (40.0, 60.0)
        values[(analysis, metric)] = (high, low) if spec.higher_is_better else (low, high)
    history = tmp_path / "history.db"
    for created, index in (("2026-11-20T10:00:00+00:00", 0), ("2026-11-21T10:00:00+00:00", 1)):
        record_run(history, _audit(created, {
            key: CORE_METRICS[TESTS][key[1]].of(pair[index]) if key[0] == TESTS
            else next(s for a, m, s in DECLARED if (a, m) == key).of(pair[index])
            for key, pair in values.items()
        }))
    with opened(history, create=False) as store:
        review = build_review(store, "2026-11-01T00:00:00+00:00")
    written = write_review(review, tmp_path / "out", "demo")
    assert written.charts and all(chart.png for chart in written.charts)
    page = written.html.read_text()
    for analysis, metric in values:
        change = review.change(analysis, metric)
        assert change is not None and change.improved is False, (analysis, metric)
        html_row = _html_row(page, analysis, metric)
        assert 'class="better"' not in html_row and 'class="worse"' in html_row, (analysis, metric)
