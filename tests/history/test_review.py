"""The review: deltas, tables, charts and verdict agree with the recorded runs."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

from PIL import Image

from auditor.history import record_run
from auditor.history.backends import opened
from auditor.history.charts import plan_charts
from auditor.history.render import write_review
from auditor.history.review import Review, build_review, parse_since
from auditor.history.url import HistoryTarget
from auditor.history.verdict import verdict
from tests.history import builders, review_fixture


def _review(path: Path, since: str = "7d", branch: str | None = None) -> Review:
    with opened(path) as conn:
        return build_review(conn, parse_since(since), branch)


def test_changes_match_the_two_reports(history_target: HistoryTarget) -> None:
    path = history_target
    first, second = review_fixture.record_two_runs(path)
    review = _review(path)
    assert [r.commit for r in review.runs] == [first.commit, second.commit]
    line = review.change("coverage", "line_percent")
    assert line is not None
    # 11/15 -> 12/15 lines, independently of the stored values: 73.33 -> 80.00.
    assert (line.start, line.end) == (100 * 11 / 15, 100 * 12 / 15)
    assert line.delta == Decimal("80.00") - Decimal("73.33")
    assert line.improved is True
    # Every number agrees with the report.json documents of the two runs.
    for analysis, metric, key in [
        ("coverage", "line_percent", "line_percent"),
        ("coverage", "branch_percent", "branch_percent"),
        ("mutation", "mutation_score", "score"),
    ]:
        change = review.change(analysis, metric)
        assert change is not None
        assert change.start == first.to_dict()["analyses"][analysis][key]
        assert change.end == second.to_dict()["analyses"][analysis][key]
    gap = review.change("derived", "theater_gap")
    assert gap is not None
    assert (gap.start, gap.end) == (100 * 11 / 15 - 50, 80 - 60)
    imports = review.change("imports", "import_failures")
    assert imports is not None and (imports.start, imports.end, imports.improved) == (0, 1, False)
    smells = review.change("smells", "sleepy_tests_count")
    assert smells is not None and (smells.start, smells.end, smells.improved) == (1, 3, False)


def test_detail_tables(history_target: HistoryTarget) -> None:
    path = history_target
    review_fixture.record_two_runs(path)
    review = _review(path)
    (module,) = review.module_regressions
    assert (module.module, module.metric, module.start, module.end) == (
        "b.py",
        "line_percent",
        100,
        80,
    )
    # One new survivor (m5): its finding's message names its mutation.
    assert len(review.new_survivors) == 1 and "mutated m5" in review.new_survivors[0].text
    assert review.new_survivors[0].location == "pkg/mod.py:5"
    # m2 survived in the first run, is killed in the second: fixed (found by identity)
    assert [(s.location, "mutated m2" in s.text) for s in review.fixed_survivors] == [
        ("pkg/mod.py:2", True)
    ]
    assert review.tests_killing_nothing == ["t::new"]
    assert [(t.nodeid, t.duration, t.start_duration) for t in review.slowest_tests] == [
        ("t::slow", 3.0, 2.0),
        ("t::new", 0.2, None),
        ("t::ok", 0.1, 0.1),
    ]
    assert review.new_tests == ["t::new"]
    series = review.finding_series[("smells", "sleep-in-test")]
    assert [v for _, v in series.points] == [1, 3]


def test_period_and_branch_filters(history_target: HistoryTarget) -> None:
    path = history_target
    review_fixture.record_two_runs(path)
    record_run(path, builders.audit(created=review_fixture.days_ago(30), commit="0" * 40))
    record_run(path, builders.audit(created=review_fixture.days_ago(0.5), branch="dev"))
    assert len(_review(path).runs) == 3
    assert len(_review(path, since="60d").runs) == 4
    assert [r.commit for r in _review(path, branch="main").runs] == ["1" * 40, "2" * 40]
    assert _review(path, since="1h").runs == []


def test_verdict_is_computed_from_the_numbers(history_target: HistoryTarget) -> None:
    path = history_target
    review_fixture.record_two_runs(path)
    sentences = verdict(_review(path))
    # The gap went from 73.33 - 50 = 23.33 to 80 - 60 = 20: it shrank.
    assert sentences[0] == (
        "line coverage 80.00% (+6.67), branch coverage 75.00% (+25), "
        "mutation score 60.00% (+10): the gap shrank to 20.00 points (2 runs in the period)."
    )
    assert "1 modules fail to import." in sentences
    # m5 is new; m2 survived in the first run and is killed in the second
    assert "1 new surviving mutants, 1 fixed." in sentences
    # Worse: 0 -> 1 import failure, 1 -> 3 sleepy tests, 2.5 s -> 3.5 s suite; each by
    # its declared label, never its id
    assert (
        "3 metrics got worse: modules that fail to import (+1), sleepy tests (+2), "
        "test suite duration (+1)." in sentences
    )


def test_flaky_from_history_appears_in_review(history_target: HistoryTarget) -> None:
    path = history_target
    for day, outcome in [(3, "passed"), (2, "failed"), (1, "passed")]:
        record_run(
            path,
            builders.audit(
                created=review_fixture.days_ago(day),
                commit="9" * 40,
                test_run=builders.tests(
                    {"t::shaky": (outcome, 0.1), "t::steady": ("passed", 0.1)}, 1
                ),
            ),
        )
    review = _review(path)
    assert [(f.nodeid, f.passed, f.failed) for f in review.flaky] == [("t::shaky", 2, 1)]
    flaky_series = review.series[("derived", "flaky_tests")]
    assert [v for _, v in flaky_series.points] == [0, 1, 1]


def test_written_review_files_show_the_numbers_and_real_charts(
    history_target: HistoryTarget,
    tmp_path: Path,
) -> None:
    path = history_target
    review_fixture.record_two_runs(path)
    review = _review(path)
    files = write_review(review, tmp_path / "out", "demo")
    html = files.html.read_text()
    markdown = files.markdown.read_text()
    ids = [c.id for c in files.charts]
    # One chart per analysis and declared unit (percentages keep the bare name), the
    # core's test-run and derived metrics last, then findings per rule. "smells" is an
    # analysis the history code has never heard of: its declared metric is charted too.
    assert ids == [
        "coverage", "imports", "mutation", "mutation-count", "smells",
        "tests-count", "tests-seconds", "derived", "derived-count",
        "findings-imports", "findings-mutation", "findings-smells",
    ]
    for chart in files.charts:
        image = Image.open(io.BytesIO(chart.png))
        assert image.format == "PNG" and image.size == (1200, 360)
        assert chart.data_uri in html
        assert (tmp_path / "out" / "review-charts" / f"{chart.id}.png").read_bytes() == chart.png
    # Data tables under the charts carry the plotted values.
    row = re.search(r'data-metric="coverage.line_percent">(.*?)</tr>', html)
    assert row is not None
    assert "73.33%" in row.group(1) and "80.00%" in row.group(1) and "+6.67" in row.group(1)
    assert "| coverage | line coverage | 73.33% | 80.00% | +6.67 | better |" in markdown
    # legends and data columns: declared labels and rule titles, no ids
    coverage = next(c for c in files.charts if c.id == "coverage")
    assert [s.label for s in coverage.series] == ["branch coverage", "line coverage"]
    derived = next(c for c in files.charts if c.id == "derived")
    assert [s.label for s in derived.series] == ["theater gap"]
    assert "derived.theater_gap</th>" not in html and ">theater gap</th>" in html
    assert "http://" not in html and "https://" not in html
    # the mutation score now is 3 of 5 = 60%: at the default low threshold (60), below
    # high (80): a warning, coloured as such in both files
    score = re.search(r'data-metric="mutation.mutation_score">(.*?)</tr>', html)
    assert score is not None and '<td class="num end level-medium">60.00%</td>' in score.group(1)
    assert "| mutation | mutation score | 50.00% | 60.00% 🟠 | +10.00 | better |" in markdown


def test_charts_are_planned_from_data_only(history_target: HistoryTarget) -> None:
    path = history_target
    record_run(
        path,
        builders.audit(
            created=review_fixture.days_ago(1),
            analyses={"coverage": builders.coverage({"a.py": (1, 2)})},
        ),
    )
    charts = plan_charts(_review(path))
    # No mutation, imports or tests data: those charts are left out, not drawn empty.
    assert [c.id for c in charts] == ["coverage"]


def test_empty_period_still_writes_a_review(history_target: HistoryTarget, tmp_path: Path) -> None:
    path = history_target
    record_run(path, builders.audit(created=review_fixture.days_ago(30)))
    review = _review(path)
    files = write_review(review, tmp_path / "out", "demo")
    assert files.charts == []
    assert "No audit runs since" in files.html.read_text()
