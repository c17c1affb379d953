"""What the HTML and Markdown reports show, computed once from the model.

Templates only lay out; every choice (analysis order, which modules are the
worst, how a rule's verdict reads, how a metric is formatted) is made here,
in code that has tests.
"""

from __future__ import annotations

from typing import Any

from auditor.model import AuditResult, JSONDict
from auditor.registry import analysis_names
from auditor.reports import fix_first
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


_STATUS_ORDER = {"failed": 0, "passed": 1, "skipped": 2}


def requirement(rule: JSONDict) -> str:
    """What the rule asks, said once: its description, with the threshold unless it has it."""
    description = str(rule.get("description", ""))
    comparison = "at least" if rule["comparison"] == ">=" else "at most"
    if comparison in description:
        return description
    threshold = format_rule_value(rule["threshold"], rule.get("percent", True))
    return f"{description} {comparison} {threshold}".strip()


def _row(rule: JSONDict) -> JSONDict:
    percent = rule.get("percent", True)
    return {
        **rule,
        "measured_text": format_rule_value(rule["measured"], percent),
        "threshold_text": format_rule_value(rule["threshold"], percent),
        "comparison_text": "at least" if rule["comparison"] == ">=" else "at most",
        "requirement": requirement(rule),
        "verdict": rule_verdict(rule),
        "members": [],
        "subject": "",
    }


def _group(prefix: str, members: list[JSONDict]) -> JSONDict:
    """One row for the rules a module glob expanded to: failed if any file fails."""
    statuses = {m["status"] for m in members}
    status = "failed" if "failed" in statuses else ("passed" if "passed" in statuses else "skipped")
    failed = [m for m in members if m["status"] == "failed"]
    thresholds = {m["threshold_text"] for m in members}
    first = members[0]
    files = "file" if len(members) == 1 else "files"
    return {
        **first,
        "id": prefix,
        "status": status,
        "passed": None if status == "skipped" else status == "passed",
        "description": f"{len(members)} {files}",
        "requirement": f"each of {len(members)} {files} {first['comparison_text']} "
        + (first["threshold_text"] if len(thresholds) == 1 else "its threshold"),
        "measured_text": f"{len(failed)} of {len(members)} fail",
        "threshold_text": first["threshold_text"] if len(thresholds) == 1 else "per file",
        "verdict": f"{len(failed)} of {len(members)} {files} under the threshold"
        if failed else f"all {len(members)} {files} meet the threshold",
        "members": sorted(members, key=lambda m: (_STATUS_ORDER.get(m["status"], 3),
                                                  m["subject"])),
        "subject": "",
    }


def _is_path(subject: str) -> bool:
    """Whether the part after ``<rule>:`` names a file (the module-glob convention)."""
    return bool(subject) and ("/" in subject or subject.endswith((".py", ".pyi")))


def rule_rows(report: JSONDict) -> list[JSONDict]:
    """One row per rule, in the gate's order, values already formatted (JUnit, annotations)."""
    return [_row(rule) for rule in report["gate"]["rules"]]


def gate_rows(report: JSONDict) -> list[JSONDict]:
    """The gate table a person reads: failed rules first, module globs as one row.

    Rules with ids ``<rule>:<file>`` (a module glob, one rule per matched file)
    become one row listing its files (``members``, each with ``subject``: the file).
    """
    rows: list[JSONDict] = []
    groups: dict[str, list[JSONDict]] = {}
    for row in rule_rows(report):
        prefix, colon, subject = str(row["id"]).partition(":")
        if prefix and colon and _is_path(subject):
            row["subject"] = subject
            if prefix not in groups:
                groups[prefix] = []
                rows.append({"group": prefix})
            groups[prefix].append(row)
        else:
            rows.append(row)
    rows = [_group(r["group"], groups[r["group"]]) if "group" in r else r for r in rows]
    return sorted(rows, key=lambda r: _STATUS_ORDER.get(r["status"], 3))


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


def base_context(result: AuditResult, link: fix_first.Link = fix_first.no_link) -> dict[str, Any]:
    """Variables every top-level template gets (``link``: where a place's link goes)."""
    report = result.to_dict()
    rules = gate_rows(report)
    fix = fix_first.build(result, rules, link)
    return {
        "report": report,
        "analysis_names": ordered_analyses(set(report["analyses"])),
        "verdict": fix.verdict,
        "rules": rules,
        "totals": totals(result),
        "tests": test_summary(report),
        "worst_modules": worst_modules,
        "fix": fix,
    }
