"""``mutation.json`` in the mutation-testing-elements report schema.

That schema (npm package ``mutation-testing-report-schema``, schema version
2) is what Stryker and PIT emit, so existing viewers such as the
``<mutation-test-report-app>`` web component render our results. Written
only when the mutation analysis ran.

Status mapping: killed -> Killed, timeout -> Timeout, survived -> Survived,
no tests -> NoCoverage, caught by type check -> CompileError, suspicious
and crash -> RuntimeError, skipped -> Ignored, not checked -> Pending.
"""

from __future__ import annotations

import json
from typing import Any

from auditor.model import AuditResult
from auditor.reports.sources import SourceReader
from auditor.thresholds import ScoreThresholds

FILENAME = "mutation.json"

STATUS = {
    "killed": "Killed",
    "timeout": "Timeout",
    "survived": "Survived",
    "no_tests": "NoCoverage",
    "caught_by_type_check": "CompileError",
    "suspicious": "RuntimeError",
    "crash": "RuntimeError",
    "skipped": "Ignored",
    "not_checked": "Pending",
    "interrupted": "Pending",
}


def applies(result: AuditResult) -> bool:
    return "mutation" in result.analyses


def _replacement(original: str, mutated: str, column: int, end_column: int) -> str:
    """The mutated text that replaces ``original[column:end_column]`` (same line tails)."""
    last = original.split("\n")[-1] if original else ""
    tail = max(0, len(last) - (end_column - 1))
    end = len(mutated) - tail
    return mutated[column - 1 : max(column - 1, end)]


def _mutant(m: dict[str, Any]) -> dict[str, Any]:
    line = max(1, int(m.get("line") or 1))
    column = max(1, int(m.get("column") or 1))
    end_line = max(line, int(m.get("end_line") or line))
    end_column = max(1, int(m.get("end_column") or column + 1))
    if end_line == line and end_column <= column:
        end_column = column + 1
    out: dict[str, Any] = {
        "id": m["id"],
        # The category is computed once, by the analysis (mutation/identity.py).
        "mutatorName": m.get("category") or "Mutation",
        "replacement": _replacement(
            m.get("original", ""), m.get("mutated", ""), column, end_column
        ),
        "description": f"{m.get('function', '')}: {m.get('original', '').strip()} -> "
        f"{m.get('mutated', '').strip()}",
        "location": {
            "start": {"line": line, "column": column},
            "end": {"line": end_line, "column": end_column},
        },
        "status": STATUS.get(m["status"], "RuntimeError"),
        "statusReason": f"mutmut exit code {m.get('exit_code')}",
        "coveredBy": list(m.get("covered_by", [])),
    }
    if m.get("killed_by") is not None:
        out["killedBy"] = list(m["killed_by"])
    if m.get("duration_seconds") is not None:
        out["duration"] = round(float(m["duration_seconds"]) * 1000, 3)
    return out


def build(result: AuditResult, sources: SourceReader) -> dict[str, Any]:
    analysis = result.analyses["mutation"].to_dict()
    files: dict[str, Any] = {}
    for m in analysis["mutants"]:
        files.setdefault(m["path"], {"language": "python", "mutants": []})["mutants"].append(
            _mutant(m)
        )
    for path in list(files) + [p for p in analysis["modules"] if p not in files]:
        source = sources.read(path)
        entry = files.setdefault(path, {"language": "python", "mutants": []})
        entry["source"] = "\n".join(source.lines) + "\n" if source.available else ""
    tests: dict[str, Any] = {}
    for nodeid in sorted({t for m in analysis["mutants"] for t in m.get("covered_by", [])}):
        test_file = nodeid.split("::", 1)[0]
        tests.setdefault(test_file, {"tests": []})["tests"].append(
            {"id": nodeid, "name": nodeid.split("::", 1)[-1]}
        )
    document: dict[str, Any] = {
        "$schema": "https://git.io/mutation-testing-schema",
        "schemaVersion": "2",
        # Stryker's viewers colour with these: the same as our reports (auditor/thresholds.py)
        "thresholds": ScoreThresholds.from_dict(analysis.get("thresholds")).to_dict(),
        "projectRoot": result.root,
        "files": dict(sorted(files.items())),
        "testFiles": tests,
        "framework": {"name": "mutmut", "version": analysis.get("mutmut_version", "")},
    }
    return document


def render(result: AuditResult, sources: SourceReader) -> str:
    return json.dumps(build(result, sources), indent=1, ensure_ascii=False) + "\n"
