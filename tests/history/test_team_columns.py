"""The team review's columns come from the metrics' declarations, not from analysis names.

An analysis the history code has never heard of declares a headline metric
(``headline=2``, after line coverage's 1): it becomes a column of the team
table, in that place, under its label.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from auditor.findings import Finding
from auditor.history import record_run
from auditor.history.backends import opened
from auditor.history.review import parse_since
from auditor.history.team import build_team_review, headline_columns, write_team_review
from auditor.metrics import HIGHER, PERCENT, Metric, MetricSpec
from auditor.model import JSONDict
from tests.history import builders, review_fixture

CONTRACTS = MetricSpec(PERCENT, HIGHER, "contracts checked", headline=2)


@dataclass
class ContractsResult:
    name: ClassVar[str] = "contracts"
    checked: float = 0.0

    def to_dict(self) -> JSONDict:
        return {"checked": self.checked}

    def headline_metrics(self) -> dict[str, Metric]:
        return {"checked_percent": CONTRACTS.of(self.checked)}

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        return {}

    def finding_counts(self) -> dict[str, int]:
        return {}

    def report_findings(self) -> list[Finding]:
        return []


def test_a_new_analysis_headline_is_a_team_column(tmp_path: Path) -> None:
    history = tmp_path / "h.db"
    for days, checked in ((2, 40.0), (1, 55.0)):
        record_run(history, builders.audit(
            created=review_fixture.days_ago(days),
            analyses={"coverage": builders.coverage({"a.py": (6, 10)}),
                      "contracts": ContractsResult(checked)},
        ))
    with opened(history) as store:
        rows = build_team_review(store, parse_since("7d"), None)
    # declared order; contracts' 2 ties branch coverage's 2: by (analysis, metric) then
    assert [title for _, _, title in headline_columns(rows)] == [
        "line coverage", "contracts checked", "branch coverage",
    ]
    files = write_team_review(rows, tmp_path / "out", parse_since("7d"), None)
    lines = [line for line in files.markdown.read_text().splitlines() if line.startswith("| ")]
    assert lines[0] == ("| project | runs | last run (UTC) | line coverage | contracts checked "
                        "| branch coverage | metrics worse | flaky tests |")
    # 6 of 10 lines both times; 40% -> 55% checked, by hand
    assert "| 60.00% (±0) | 55.00% (+15.00) |" in lines[1]
