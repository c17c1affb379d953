"""Two recorded runs with hand-countable numbers, shared by the review tests.

Run 1: a.py 6/10 lines 2/4 branches, b.py 5/5 lines; mutants m1..m4 with
2 killed (50%); no import failure; tests slow (2.0 s) and ok.
Run 2: a.py 8/10 lines 3/4 branches, b.py 4/5 lines; mutants m1..m5 with
3 killed (60%), m5 a new survivor, kill matrix ran (t::new covers m3 and
kills nothing); one import failure; slow takes 3.0 s; t::new is new.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from auditor.history import record_run
from auditor.model import AuditResult
from tests.history import builders


def days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def two_runs() -> tuple[AuditResult, AuditResult]:
    first = builders.audit(
        created=days_ago(2),
        commit="1" * 40,
        analyses={
            "coverage": builders.coverage({"a.py": (6, 10), "b.py": (5, 5)}, {"a.py": (2, 4)}),
            "mutation": builders.mutation(
                {"m1": "killed", "m2": "survived", "m3": "survived", "m4": "killed"}
            ),
            "imports": builders.imports(4, []),
            "smells": builders.SmellsResult(sleepy_tests=1),
        },
        test_run=builders.tests({"t::slow": ("passed", 2.0), "t::ok": ("passed", 0.1)}, 2.5),
    )
    second = builders.audit(
        created=days_ago(1),
        commit="2" * 40,
        analyses={
            "coverage": builders.coverage({"a.py": (8, 10), "b.py": (4, 5)}, {"a.py": (3, 4)}),
            "mutation": builders.mutation(
                {
                    "m1": "killed",
                    "m2": "killed",
                    "m3": "survived",
                    "m4": "killed",
                    "m5": "survived",
                },
                killed_by={"m1": ["t::slow"], "m2": ["t::ok"], "m4": ["t::slow"]},
                covered_by={
                    "m1": ["t::slow"],
                    "m2": ["t::ok"],
                    "m3": ["t::new"],
                    "m4": ["t::slow"],
                    "m5": ["t::slow"],
                },
            ),
            "imports": builders.imports(4, ["pkg.broken"]),
            "smells": builders.SmellsResult(sleepy_tests=3),
        },
        test_run=builders.tests(
            {"t::slow": ("passed", 3.0), "t::ok": ("passed", 0.1), "t::new": ("passed", 0.2)}, 3.5
        ),
    )
    return first, second


def record_two_runs(path: Path) -> tuple[AuditResult, AuditResult]:
    first, second = two_runs()
    record_run(path, first)
    record_run(path, second)
    return first, second
