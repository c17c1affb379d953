"""``report.sarif``: every analysis's findings as SARIF 2.1.0.

GitHub code scanning (and any SARIF viewer) reads this file. It is generic
over the findings contract (:class:`auditor.findings.Finding`): each rule
that has a finding becomes a ``reportingDescriptor`` with its title and help;
each finding a ``result`` located by a path relative to ``%SRCROOT%`` (the
project root; a finding without a path, or outside the project, has no
location). ``partialFingerprints`` carry the finding's content-based
fingerprint, so code scanning follows a finding across commits that move it.
Suppressed findings are kept, marked with an ``inSource`` suppression and
its reason. No analysis is named here.

At most :data:`MAX_RESULTS` results are written, fix first
(:func:`auditor.findings.ranked`); the run's properties say how many were
left out.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from auditor import __version__
from auditor.findings import Finding
from auditor.model import AuditResult, JSONDict

FILENAME = "report.sarif"
MAX_RESULTS = 5000
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "testAuditorFinding/v1"


def applies(result: AuditResult) -> bool:
    """Written when any analysis ran (an empty result list says "nothing found")."""
    return bool(result.analyses)


def _rule_descriptor(finding: Finding) -> JSONDict:
    title = finding.title or finding.rule
    return {
        "id": finding.rule,
        "name": "".join(part.capitalize() for part in finding.rule.split("-")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": " ".join((finding.help or title).split())},
        "help": {"text": finding.help or title, "markdown": finding.help or title},
        "defaultConfiguration": {"level": finding.severity},
        "properties": {"tags": ["tests", finding.analysis]},
    }


def _inside(path: str) -> bool:
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts


def _result(finding: Finding, rule_index: int) -> JSONDict:
    item: JSONDict = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.severity,
        "message": {"text": finding.message},
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"analysis": finding.analysis, "test": finding.test},
    }
    if _inside(finding.path):
        region: JSONDict = {
            "startLine": max(1, finding.line),
            "startColumn": max(1, finding.column),
        }
        if finding.end_line:
            region["endLine"] = max(region["startLine"], finding.end_line)
        if finding.code:
            region["snippet"] = {"text": finding.code}
        location: JSONDict = {
            "physicalLocation": {
                "artifactLocation": {"uri": quote(finding.path), "uriBaseId": "%SRCROOT%"},
                "region": region,
            }
        }
        if finding.test:
            location["logicalLocations"] = [
                {"fullyQualifiedName": finding.test, "kind": "function"}
            ]
        item["locations"] = [location]
    if finding.suppressed:
        item["suppressions"] = [
            {"kind": "inSource", "justification": finding.suppression_reason}
        ]
    return item


def sarif_document(result: AuditResult) -> JSONDict:
    findings = result.report_findings()
    descriptors: dict[str, JSONDict] = {}
    for finding in findings:
        descriptors.setdefault(finding.rule, _rule_descriptor(finding))
    index = {rule: i for i, rule in enumerate(descriptors)}
    everything = [_result(f, index[f.rule]) for f in findings]
    kept = everything[:MAX_RESULTS]
    run: JSONDict = {
        "tool": {
            "driver": {
                "name": "test-auditor",
                "informationUri": "https://pypi.org/project/test-auditor/",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": list(descriptors.values()),
            }
        },
        "automationDetails": {"id": f"test-auditor/{result.project}/"},
        "columnKind": "unicodeCodePoints",
        "results": kept,
        "properties": {
            "total_results": len(everything),
            "omitted_results": len(everything) - len(kept),
        },
    }
    if result.root:
        root = Path(result.root)
        if root.is_absolute():
            run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": root.as_uri().rstrip("/") + "/"}}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: AuditResult, sources: Any = None) -> str:
    del sources
    return json.dumps(sarif_document(result), indent=2, ensure_ascii=False) + "\n"
