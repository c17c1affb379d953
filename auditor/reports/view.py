"""What the HTML and Markdown reports show, computed once from the model.

Templates only lay out; every choice (analysis order, which modules are the
worst, how a rule's verdict reads, how a metric is formatted) is made here,
in code that has tests.
"""

from __future__ import annotations

from typing import Any

from auditor.model import AuditResult, JSONDict
from auditor.registry import analysis_names
from auditor.reports.templates import metric, number, pct

FAILED_TESTS_SHOWN = 50
WORST_MODULES_SHOWN = 10
_TEST_OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def ordered_analyses(names: list[str] | set[str]) -> list[str]:
    """Analyses in registry order (the order they run), unknown ones after, sorted."""
    registered = [n for n in analysis_names() if n in names]
    return registered + sorted(set(names) - set(registered))


def format_rule_value(value: float | int | None, percent: bool) -> str:
    return pct(value) if percent else number(value)


def rule_verdict(rule: JSONDict) -> str:
    """One line saying why a rule passed, failed or was skipped."""
    if rule["status"] == "skipped":
        return f"skipped: {rule.get('reason') or 'not measured'}"
    percent = rule.get("percent", True)
    measured = format_rule_value(rule["measured"], percent)
    threshold = format_rule_value(rule["threshold"], percent)
    signs = {">=": (">=", "<"), "<=": ("<=", ">")}[rule["comparison"]]
    sign = signs[0] if rule["status"] == "passed" else signs[1]
    return f"measured {measured} {sign} threshold {threshold}"


def rule_rows(report: JSONDict) -> list[JSONDict]:
    """The gate table: one row per rule, values already formatted."""
    rows = []
    for rule in report["gate"]["rules"]:
        percent = rule.get("percent", True)
        rows.append(
            {
                **rule,
                "measured_text": format_rule_value(rule["measured"], percent),
                "threshold_text": format_rule_value(rule["threshold"], percent),
                "comparison_text": "at least" if rule["comparison"] == ">=" else "at most",
                "verdict": rule_verdict(rule),
            }
        )
    return rows


def totals(result: AuditResult) -> list[JSONDict]:
    """One entry per analysis: its headline metrics, formatted."""
    rows = []
    for name in ordered_analyses(set(result.analyses)):
        analysis = result.analyses[name]
        metrics = [
            {"name": key, "label": value.label, "text": metric(value)}
            for key, value in analysis.headline_metrics().items()
        ]
        findings = [
            {"name": key, "count": count}
            for key, count in sorted(analysis.finding_counts().items())
        ]
        rows.append({"analysis": name, "metrics": metrics, "findings": findings})
    return rows


def test_summary(report: JSONDict) -> JSONDict | None:
    """Counts per outcome and the failed tests (capped) of the single test run."""
    tests = report.get("tests")
    if not tests:
        return None
    counts = tests.get("counts", {})
    failed = [t for t in tests.get("tests", []) if t["outcome"] in ("failed", "error")]
    return {
        "exit_code": tests["exit_code"],
        "duration_seconds": tests["duration_seconds"],
        "tolerated_failures": tests.get("tolerated_failures", False),
        "total": len(tests.get("tests", [])),
        "counts": [(o, counts.get(o, 0)) for o in _TEST_OUTCOMES if counts.get(o, 0)],
        "failed": [
            {**t, "first_line": (t.get("message") or "").strip().split("\n", 1)[0]}
            for t in failed[:FAILED_TESTS_SHOWN]
        ],
        "failed_not_shown": max(0, len(failed) - FAILED_TESTS_SHOWN),
    }


def worst_modules(
    coverage: JSONDict, limit: int = WORST_MODULES_SHOWN
) -> list[tuple[str, JSONDict]]:
    """The least covered modules: lowest line %, then lowest branch %, most missing lines.

    Fully covered modules (100% lines and branches) are never "worst".
    """
    candidates = [
        (path, module)
        for path, module in coverage.get("modules", {}).items()
        if module["line_percent"] < 100 or module["branch_percent"] < 100
    ]
    candidates.sort(
        key=lambda item: (
            item[1]["line_percent"],
            item[1]["branch_percent"],
            -len(item[1].get("missing_lines", [])),
            item[0],
        )
    )
    return candidates[:limit]


FIX_FIRST_SHOWN = 20


def fix_first(report: JSONDict, limit: int = FIX_FIRST_SHOWN) -> JSONDict:
    """The ranked "fix first" list: the active findings of every analysis, most severe
    first (the order :meth:`AuditResult.report_findings` gives), at most ``limit``.

    Read from the findings contract of the document, so a finding of any analysis,
    including one added later, appears without a change here.
    """
    active = [f for f in report.get("findings", []) if not f.get("suppressed")]
    rows = [
        {
            "severity": f["severity"],
            "analysis": f["analysis"],
            "rule": f["rule"],
            "where": f"{f['path']}:{f['line']}" if f.get("line") else (f["path"] or "-"),
            "message": f["message"],
            "test": f.get("test", ""),
        }
        for f in active[:limit]
    ]
    return {"rows": rows, "total": len(active), "not_shown": max(0, len(active) - limit)}


def base_context(result: AuditResult) -> dict[str, Any]:
    """Variables every top-level template gets."""
    report = result.to_dict()
    gate = report["gate"]
    verdict = "disabled" if not gate["enabled"] else ("passed" if gate["passed"] else "failed")
    return {
        "report": report,
        "analysis_names": ordered_analyses(set(report["analyses"])),
        "verdict": verdict,
        "rules": rule_rows(report),
        "totals": totals(result),
        "tests": test_summary(report),
        "worst_modules": worst_modules,
        "fix_first": fix_first(report),
    }
