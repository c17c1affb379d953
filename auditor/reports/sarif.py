"""``report.sarif``: the findings of the mocks analysis as SARIF 2.1.0.

GitHub code scanning (and any SARIF viewer) reads this file. Each rule of
:mod:`auditor.mocks.rules` becomes a ``reportingDescriptor`` with its
rationale and examples as help; each finding a ``result`` located by a path
relative to ``%SRCROOT%`` (the project root). ``partialFingerprints`` hash
the rule, file, test and the code of the line, not the line number, so code
scanning follows a finding across commits that move it. Suppressed findings
are kept, marked with an ``inSource`` suppression and its reason. Import
failures of the imports analysis are added as ``import-failure`` results (an
error for the gated causes, a warning for an undeclared import, a note for
an optional or other-platform module), files written at import as
``import-writes`` warnings.

At most :data:`MAX_RESULTS` results are written, the most severe first (the
limit GitHub accepts per run is far higher, but a report with more than a few
thousand findings is not read anyway); the run's properties say how many
were left out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from auditor import __version__
from auditor.mocks.result import Finding, MocksResult
from auditor.mocks.rules import ALL_RULES, Rule, severity_rank
from auditor.model import AuditResult, JSONDict

FILENAME = "report.sarif"
MAX_RESULTS = 5000
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "testAuditorFinding/v1"
IMPORT_RULE = Rule(
    id="import-failure",
    message="module of the package cannot be imported on its own",
    severity="error",
    rationale="The imports analysis imported each module in a fresh interpreter and it failed.",
)
IMPORT_WRITE_RULE = Rule(
    id="import-writes",
    message="module writes a file when it is imported",
    severity="warning",
    rationale="Importing the module wrote (or tried to write) a file: into the project, the "
    "working directory or the home directory. Imports should not have side effects on disk.",
)
_CAUSE_LEVELS = {"undeclared": "warning", "optional-missing": "note", "platform": "note"}


def applies(result: AuditResult) -> bool:
    return "mocks" in result.analyses or "imports" in result.analyses


def mocks_result(result: AuditResult) -> MocksResult | None:
    analysis = result.analyses.get("mocks")
    if analysis is None:
        return None
    if isinstance(analysis, MocksResult):
        return analysis
    return MocksResult.from_dict(analysis.to_dict())


def ranked(findings: list[Finding]) -> list[Finding]:
    """Most severe first; active before suppressed; then by place."""
    return sorted(findings, key=lambda f: (f.suppressed, severity_rank(f.rule), f.path, f.line,
                                           f.column, f.rule))


def _rule_descriptor(rule: Rule) -> JSONDict:
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.message},
        "fullDescription": {"text": " ".join(rule.rationale.split())},
        "help": {"text": rule.to_text(), "markdown": rule.to_markdown("####")},
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"tags": ["tests", "mocks" if rule.id.startswith("mock") else "test-smell"]},
    }


def _location(path: str, line: int, column: int, code: str = "") -> JSONDict:
    region: JSONDict = {"startLine": max(1, line), "startColumn": max(1, column)}
    if code:
        region["snippet"] = {"text": code}
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": quote(path), "uriBaseId": "%SRCROOT%"},
            "region": region,
        }
    }


def _result(finding: Finding, rule_index: int) -> JSONDict:
    location = _location(finding.path, finding.line, finding.column, finding.code)
    if finding.test:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.test, "kind": "function"}]
    item: JSONDict = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.severity,
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"test": finding.test, "source": finding.source},
    }
    if finding.suppressed:
        item["suppressions"] = [{"kind": "inSource",
                                 "justification": finding.suppression_reason}]
    return item


def _import_results(result: AuditResult) -> list[JSONDict]:
    imports = result.analyses.get("imports")
    if imports is None:
        return []
    out: list[JSONDict] = []
    section = imports.to_dict()
    for failure in section.get("failures", []):
        path = failure.get("path") or ""
        cause = failure.get("cause", "first-party")
        message = f"{failure['module']}: {failure['error_type']}: {failure['message']} ({cause})"
        item: JSONDict = {"ruleId": IMPORT_RULE.id, "level": _CAUSE_LEVELS.get(cause, "error"),
                          "message": {"text": message}}
        if path and not Path(path).is_absolute():
            item["locations"] = [_location(path, int(failure.get("line") or 1), 1)]
        fingerprint = f"{failure['module']}\0{failure['error_type']}"
        item["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint}
        out.append(item)
    for write in section.get("writes", []):
        text = f"{write['module'] or 'an import'} writes {write['shown_path']} at import"
        item = {"ruleId": IMPORT_WRITE_RULE.id, "level": "warning", "message": {"text": text}}
        if write.get("file"):
            item["locations"] = [_location(write["file"], int(write.get("line") or 1), 1)]
        fingerprint = f"{write['module']}\0{write['where']}\0{write['path']}"
        item["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint}
        out.append(item)
    return out


def sarif_document(result: AuditResult) -> JSONDict:
    rules = list(ALL_RULES)
    imports = _import_results(result)
    used = {item["ruleId"] for item in imports}
    rules.extend(rule for rule in (IMPORT_RULE, IMPORT_WRITE_RULE) if rule.id in used)
    index = {rule.id: i for i, rule in enumerate(rules)}
    mocks = mocks_result(result)
    findings = ranked(mocks.findings) if mocks else []
    for item in imports:
        item["ruleIndex"] = index[item["ruleId"]]
    everything = [*imports, *(_result(f, index.get(f.rule, 0)) for f in findings)]
    # errors first across both sources, keeping each source's own order
    order = {"error": 0, "warning": 1, "note": 2}
    everything.sort(key=lambda r: (bool(r.get("suppressions")), order.get(r["level"], 3)))
    kept = everything[:MAX_RESULTS]
    run: JSONDict = {
        "tool": {
            "driver": {
                "name": "test-auditor",
                "informationUri": "https://pypi.org/project/test-auditor/",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule_descriptor(rule) for rule in rules],
            }
        },
        "automationDetails": {"id": f"test-auditor/{result.project}/"},
        "columnKind": "unicodeCodePoints",
        "results": kept,
        "properties": {"total_results": len(everything), "omitted_results": len(everything)
                       - len(kept)},
    }
    if result.root:
        root = Path(result.root)
        if root.is_absolute():
            run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": root.as_uri().rstrip("/") + "/"}}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: AuditResult, sources: Any = None) -> str:
    del sources
    return json.dumps(sarif_document(result), indent=2, ensure_ascii=False) + "\n"
