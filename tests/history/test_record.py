"""Recording runs: generic metric rows, tests, gate rules, the report blob; export/import."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.history import record_run
from auditor.history.backends import opened
from auditor.history.exchange import export_history, import_history
from auditor.history.queries import list_runs, module_metrics, outcomes_of_run, report_document
from auditor.history.url import HistoryTarget
from auditor.model import RuleResult
from tests.history import builders


def _rows(target: HistoryTarget, sql: str) -> list[tuple[object, ...]]:
    """Rows of ``sql`` read straight from either backend, as tuples."""
    with opened(target, create=False) as store:
        return [tuple(row) for row in store.execute(sql).fetchall()]


def test_run_is_stored_generically_with_tests_rules_and_report(
    history_target: HistoryTarget,
) -> None:
    path = history_target
    result = builders.audit(
        created="2026-03-01T12:00:00+00:00",
        commit="c" * 40,
        branch="feature",
        analyses={
            # 3 of 4 lines and 1 of 2 branches in a.py; 5 of 5 in b.py.
            "coverage": builders.coverage({"a.py": (3, 4), "b.py": (5, 5)}, {"a.py": (1, 2)}),
            "mutation": builders.mutation({"m1": "killed", "m2": "survived", "m3": "killed"}),
            "smells": builders.SmellsResult(sleepy_tests=2, per_module={"t.py": 0.5}),
        },
        test_run=builders.tests({"t.py::ok": ("passed", 0.25), "t.py::bad": ("failed", 1.5)}, 2.0),
        rules=[RuleResult("line", "line coverage", ">=", 80, 88.88, "passed", analysis="coverage")],
    )
    run_id = record_run(path, result)
    metrics = {(a, m): v for a, m, v in _rows(path, "SELECT analysis, metric, value FROM metrics")}
    assert metrics[("coverage", "line_percent")] == 100 * 8 / 9
    assert metrics[("coverage", "branch_percent")] == 50.0
    assert metrics[("mutation", "mutation_score")] == 100 * 2 / 3
    assert metrics[("mutation", "survivor_count")] == 1.0
    # An analysis unknown to the history code is stored like any other.
    assert metrics[("smells", "sleepy_tests_count")] == 2.0
    assert metrics[("tests", "suite_seconds")] == 2.0
    assert metrics[("tests", "tests_total")] == 2.0
    assert metrics[("tests", "tests_failed")] == 1.0
    findings = _rows(path, "SELECT analysis, rule, count FROM findings ORDER BY 1, 2")
    assert ("smells", "sleep-in-test", 2) in findings
    assert ("mutation", "surviving-mutant", 1) in findings
    with opened(path) as conn:
        assert module_metrics(conn, run_id)[("coverage", "a.py", "line_percent")] == 75.0
        assert module_metrics(conn, run_id)[("smells", "t.py", "smell_density")] == 0.5
        assert outcomes_of_run(conn, run_id) == {
            "t.py::ok": ("passed", 0.25),
            "t.py::bad": ("failed", 1.5),
        }
        assert report_document(conn, run_id) == json.loads(json.dumps(result.to_dict()))
        (run,) = list_runs(conn)
    assert (run.commit, run.branch, run.created) == (
        "c" * 40,
        "feature",
        "2026-03-01T12:00:00.000000+00:00",
    )
    assert _rows(path, "SELECT rule_id, status, measured FROM gate_rules") == [
        ("line", "passed", 88.88)
    ]


def test_recording_the_same_report_twice_stores_it_once(history_target: HistoryTarget) -> None:
    path = history_target
    result = builders.audit(created="2026-03-01T12:00:00Z")
    assert record_run(path, result) == record_run(path, result)
    assert _rows(path, "SELECT count(*) FROM runs") == [(1,)]


def test_timestamps_in_other_zones_sort_by_real_time(history_target: HistoryTarget) -> None:
    path = history_target
    # 10:00 at +02:00 is 08:00 UTC: earlier than 09:00 UTC despite the bigger text.
    late = record_run(path, builders.audit(created="2026-03-01T09:00:00+00:00"))
    early = record_run(path, builders.audit(created="2026-03-01T10:00:00+02:00"))
    with opened(path) as conn:
        assert [r.id for r in list_runs(conn)] == [early, late]


# -- export / import -------------------------------------------------------------

_created = st.integers(min_value=0, max_value=10**6).map(
    lambda s: (
        f"2026-01-{1 + s // 86400:02d}T{(s // 3600) % 24:02d}:"
        f"{(s // 60) % 60:02d}:{s % 60:02d}+00:00"
    )
)
_audit = st.builds(
    lambda created, covered, branch, outcome: builders.audit(
        created=created,
        branch=branch,
        analyses={"coverage": builders.coverage({"m.py": (covered, 10)})},
        test_run=builders.tests({"t.py::x": (outcome, 0.5)}, 1.0),
    ),
    _created,
    st.integers(min_value=0, max_value=10),
    st.sampled_from(["main", "dev", None]),
    st.sampled_from(["passed", "failed"]),
)


@settings(max_examples=25)
@given(left=st.lists(_audit, max_size=4), right=st.lists(_audit, max_size=4))
def test_export_import_merges_without_duplicates(left: list, right: list) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as tmp:
        a, b, dump = Path(tmp, "a.db"), Path(tmp, "b.db"), Path(tmp, "dump.json")
        for result in left:
            record_run(a, result)
        for result in right:
            record_run(b, result)
        record_run(a, builders.audit(created="2025-01-01T00:00:00Z"))  # a is never empty
        export_history(a, dump)
        first = import_history(b, dump)
        again = import_history(b, dump)
        expected = {json.dumps(r.to_dict(), sort_keys=True) for r in [*left, *right]}
        expected.add(
            json.dumps(builders.audit(created="2025-01-01T00:00:00Z").to_dict(), sort_keys=True)
        )
        with opened(b) as conn:
            stored = {
                json.dumps(report_document(conn, r.id), sort_keys=True) for r in list_runs(conn)
            }
            count = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
        assert stored == expected
        assert count == len(expected)
        assert again.runs_added == 0
        assert (
            first.runs_added + first.runs_skipped
            == len({json.dumps(r.to_dict(), sort_keys=True) for r in left}) + 1
        )


def test_imported_run_keeps_every_row(history_target: HistoryTarget, tmp_path: Path) -> None:
    """SQLite -> either backend -> SQLite again: every row of the run survives both moves."""
    source, dump = tmp_path / "s.db", tmp_path / "d.json"
    target, back, dump_back = history_target, tmp_path / "back.db", tmp_path / "back.json"
    result = builders.audit(
        created="2026-02-02T02:02:02Z",
        analyses={"coverage": builders.coverage({"m.py": (7, 10)})},
        test_run=builders.tests({"t.py::x": ("passed", 0.5)}, 1.0),
        rules=[RuleResult("line", "d", ">=", 50, 70, "passed")],
    )
    record_run(source, result)
    export_history(source, dump)
    import_history(target, dump)
    queries = [
        "SELECT analysis, metric, value FROM metrics ORDER BY 1, 2",
        "SELECT analysis, module, metric, value FROM module_metrics ORDER BY 1, 2, 3",
        "SELECT nodeid, outcome, duration_seconds FROM tests",
        "SELECT rule_id, status, threshold, measured FROM gate_rules",
        "SELECT run_key, created, commit_sha, branch, recorded FROM runs",
    ]
    export_history(target, dump_back)
    import_history(back, dump_back)
    for sql in queries:
        assert _rows(target, sql) == _rows(source, sql), sql
        assert _rows(back, sql) == _rows(source, sql), sql
