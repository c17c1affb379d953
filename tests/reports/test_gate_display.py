"""Rules evaluated by the real gate show as percentages or counts, as configured."""

from __future__ import annotations

from pathlib import Path

from auditor.analysis import GateRule
from auditor.gate import evaluate
from auditor.model import GateResult
from auditor.reports import markdown
from auditor.reports.sources import SourceReader
from tests.reports import samples
from tests.reports.commonmark import render as to_html
from tests.reports.commonmark import table


def test_count_rules_show_counts_and_percent_rules_show_percentages(tmp_path: Path) -> None:
    rules = [
        GateRule("line", "coverage", "line coverage", ("line_percent",), ">=", 60),
        GateRule("import-failures", "imports", "import failures", ("failure_count",), "<=", 0,
                 percent=False),
    ]
    report = samples.audit_result().to_dict()
    gate = evaluate(rules, report["analyses"])
    assert [r.percent for r in gate.rules] == [True, False]
    text = markdown.render(samples.audit_result(gate=gate), SourceReader(tmp_path))
    rows = table(to_html(text), "Rule")
    # 20 of 30 statements covered; one import failure in the sample.
    # failed rules first
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("import-failures", "1", "0", "❌ failed"),
        ("line", "66.66%", "60.00%", "✅ passed"),
    ]
    assert GateResult.from_dict(gate.to_dict()).rules[1].percent is False
