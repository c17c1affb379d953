"""report.sarif: valid SARIF 2.1.0, stable fingerprints, capped and ranked."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from auditor.mocks.result import Finding, MocksResult
from auditor.mocks.rules import RULES, rule_ids
from auditor.model import AuditResult
from auditor.reports import sarif
from tests.mocks.projects import analyse_example, example_project

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)

SMELLY = """\
import time
from unittest import mock

from app.pricing import PriceBook, net_total


def test_a():
    net_total([1])


@mock.patch("app.pricing.net_total")
def test_b(total):
    time.sleep(1)
    assert total([1]) == total([1])


def test_c():  # audit: ignore[test-no-assert] smoke test of the import
    PriceBook


def test_d():
    client = mock.MagicMock()
    client.get_json.return_value = {"price": 1.0}
    assert PriceBook(client).price("x") == 1.0
"""


def audit_result(root: Path, mocks: MocksResult) -> AuditResult:
    return AuditResult(project="example", root=str(root), commit="abc123", branch="main",
                       created="2025-01-01T00:00:00+00:00", duration_seconds=1.0,
                       config_fingerprint="f", analyses={"mocks": mocks})


def sarif_for(root: Path, code: str) -> dict[str, object]:
    example_project(root, code)
    rendered = sarif.render(audit_result(root, analyse_example(root)), None)
    document: dict[str, object] = json.loads(rendered)
    return document


def test_document_is_valid_sarif(tmp_path: Path) -> None:
    document = sarif_for(tmp_path, SMELLY)
    jsonschema.Draft4Validator(SCHEMA).validate(document)
    run = document["runs"][0]  # type: ignore[index]
    results = run["results"]
    rules_found = sorted({r["ruleId"] for r in results})
    assert rules_found == ["mock-internal", "mock-no-spec", "test-no-assert", "test-sleep"]
    # The driver describes the rules that have results (generic over every analysis),
    # and each result points at its rule's descriptor.
    descriptors = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert sorted(descriptors) == rules_found
    assert all(descriptors[r["ruleIndex"]] == r["ruleId"] for r in results)
    suppressed = [r for r in results if r.get("suppressions")]
    assert [s["suppressions"][0]["justification"] for s in suppressed] == [
        "smoke test of the import"
    ]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    locations = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                 for r in results}
    assert locations == {"tests/test_example.py"}


def test_schema_rejects_a_broken_document(tmp_path: Path) -> None:
    document = sarif_for(tmp_path, SMELLY)
    document["runs"][0]["results"][0]["level"] = "fatal"  # type: ignore[index]
    with pytest.raises(jsonschema.ValidationError, match="fatal"):
        jsonschema.Draft4Validator(SCHEMA).validate(document)


def _fingerprints(document: dict[str, object]) -> dict[str, tuple[str, int]]:
    out = {}
    for result in document["runs"][0]["results"]:  # type: ignore[index]
        region = result["locations"][0]["physicalLocation"]["region"]
        out[result["partialFingerprints"][sarif.FINGERPRINT_KEY]] = (
            result["ruleId"], region["startLine"])
    return out


def test_fingerprints_survive_moved_lines(tmp_path: Path) -> None:
    before = _fingerprints(sarif_for(tmp_path / "a", SMELLY))
    shifted = SMELLY.replace("import time\n", "import time\n\n\n# a comment moved code\n")
    after = _fingerprints(sarif_for(tmp_path / "b", shifted))
    assert set(before) == set(after)
    assert all(after[key][1] == before[key][1] + 3 for key in before if before[key][1] > 1)
    # internal + no-spec of one patch are one finding: 2 test-no-assert, mock-internal,
    # test-sleep, mock-no-spec
    assert len(before) == 5


def test_results_capped_and_most_severe_first(tmp_path: Path) -> None:
    findings = [
        Finding(rule=rule, path=f"tests/test_{i % 7}.py", line=i + 1, column=1,
                test=f"tests/test_{i % 7}.py::test_{i}", message="m",
                severity=RULES[rule].severity, fingerprint=f"{i:032x}")
        for i in range(6000)
        for rule in [("test-sleep", "mock-internal", "test-no-assert")[i % 3]]
    ]
    mocks = MocksResult(findings=findings, rule_ids=rule_ids())
    document = sarif.sarif_document(audit_result(tmp_path, mocks))
    run = document["runs"][0]
    levels = [r["level"] for r in run["results"]]
    assert len(levels) == sarif.MAX_RESULTS
    assert levels == sorted(levels, key=["error", "warning", "note"].index)
    assert levels.count("error") == 2000 and levels.count("warning") == 2000
    assert run["properties"]["omitted_results"] == 1000
    jsonschema.Draft4Validator(SCHEMA).validate(document)
