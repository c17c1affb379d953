"""report.json and its schema: what is written validates, what is wrong is named."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.reports import json_report
from auditor.reports.json_report import InvalidReportError, report_errors, validate_report
from auditor.reports.sources import SourceReader
from tests.reports import samples


@pytest.fixture
def document(tmp_path: Path) -> dict[str, Any]:
    text = json_report.render(samples.audit_result(), SourceReader(tmp_path))
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def test_required_keys_are_present(document: dict[str, Any]) -> None:
    assert document["schema_version"] == 1
    assert document["commit"] == "0123456789abcdef0123456789abcdef01234567"
    coverage = document["analyses"]["coverage"]
    assert coverage["line_percent"] == pytest.approx(200 / 3)
    assert coverage["modules"]["pkg/core.py"]["missing_lines"] == [5, 10]
    assert coverage["diff"]["changed_lines"] == 3
    assert document["analyses"]["imports"]["failures"][0]["error_type"] == "ImportError"
    assert document["analyses"]["imports"]["cycles"] == [["pkg.a", "pkg.b"]]
    rules = document["gate"]["rules"]
    assert [(r["id"], r["passed"]) for r in rules] == [
        ("line", False), ("branch", True), ("changed-lines", None), (samples.HOSTILE_RULE, False)
    ]


def test_written_document_is_sorted_and_validates(tmp_path: Path, document: dict[str, Any]) -> None:
    validate_report(document)
    text = json_report.render(samples.audit_result(), SourceReader(tmp_path))
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("project"), r"\$: 'project' is a required property"),
        (lambda d: d.update(schema_version=2), r"\$\.schema_version: 1 was expected"),
        (lambda d: d.update(created="yesterday"), r"\$\.created: 'yesterday' does not match"),
        (
            lambda d: d["analyses"]["coverage"].update(line_percent="high"),
            r"\$\.analyses\.coverage\.line_percent: 'high' is not of type 'number'",
        ),
        (
            lambda d: d["analyses"]["coverage"]["modules"]["pkg/core.py"].update(
                missing_lines=[0]
            ),
            r"\$\.analyses\.coverage\.modules\.pkg/core\.py\.missing_lines\[0\]: 0 is less than",
        ),
        (
            lambda d: d["gate"]["rules"][2].update(passed=True),
            r"\$\.gate\.rules\[2\]\.passed: None was expected",
        ),
        (
            lambda d: d["gate"]["rules"][0].update(status="maybe"),
            r"\$\.gate\.rules\[0\]\.status: 'maybe' is not one of",
        ),
        (lambda d: d["analyses"].update(other=[1]), r"\$\.analyses\.other: \[1\] is not of type"),
    ],
)
def test_invalid_documents_are_rejected_with_the_path_named(
    document: dict[str, Any], change: Any, message: str
) -> None:
    bad = copy.deepcopy(document)
    change(bad)
    prefix = r"^report\.json: does not match the report schema: "
    with pytest.raises(InvalidReportError, match=prefix + message):
        validate_report(bad)


def test_error_count_is_reported(document: dict[str, Any]) -> None:
    bad = copy.deepcopy(document)
    del bad["project"]
    del bad["created"]
    assert len(report_errors(bad)) == 2
    with pytest.raises(InvalidReportError, match=r"\(and 1 more\)$"):
        validate_report(bad, source="shard-1/report.json")


def test_an_analysis_without_its_own_schema_is_accepted_as_any_object(
    document: dict[str, Any],
) -> None:
    extended = copy.deepcopy(document)
    extended["analyses"]["zz_future"] = {"anything": [1, 2]}
    extended["extra_top_level_key"] = True  # producers may add keys
    assert report_errors(extended) == []


def test_every_schema_file_is_a_valid_2020_12_schema_with_its_urn() -> None:
    files = sorted(json_report.SCHEMA_DIR.glob("*.schema.json"))
    assert {f.name for f in files} >= {"report.schema.json", "coverage.schema.json"}
    for path in files:
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", path
        assert schema["$id"] == "urn:test-auditor:" + path.name.removesuffix(".schema.json")
        jsonschema.Draft202012Validator.check_schema(schema)
