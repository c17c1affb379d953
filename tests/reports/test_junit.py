"""junit.xml: every gate rule is a test case; failures carry measured vs threshold."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import xmlschema
from hypothesis import given
from hypothesis import strategies as st

from auditor.model import GateResult, RuleResult
from auditor.reports import junit
from auditor.reports.sources import SourceReader
from tests.reports import samples


def render(tmp_path: Path, gate: GateResult | None = None) -> ET.Element:
    result = samples.audit_result(gate=gate or samples.gate())
    return ET.fromstring(junit.render(result, SourceReader(tmp_path)))


def test_one_testcase_per_rule_with_failures_and_skips(tmp_path: Path) -> None:
    suites = render(tmp_path)
    suite = suites.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["line", "branch", "changed-lines",
                                               samples.HOSTILE_RULE]
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "2", "1")
    failures = {
        c.get("name"): failure.get("message")
        for c in cases
        if (failure := c.find("failure")) is not None
    }
    assert failures == {
        "line": "measured 66.66% < threshold 80.00%",
        # An "at most" rule fails when the value is above the threshold.
        samples.HOSTILE_RULE: "measured 1 > threshold 0",
    }
    skipped = cases[2].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == samples.GUARD_MESSAGE
    assert cases[1].find("failure") is None and cases[1].find("skipped") is None


def test_hostile_rule_id_is_escaped(tmp_path: Path) -> None:
    text = junit.render(samples.audit_result(), SourceReader(tmp_path))
    assert "<script>" not in text
    assert "&lt;script&gt;" in text


@given(st.text(max_size=40), st.text(max_size=40))
def test_any_rule_id_and_reason_give_parseable_xml(rule_id: str, reason: str) -> None:
    gate = GateResult(rules=[
        RuleResult(rule_id or "x", reason, ">=", 80, 50.0, "failed"),
        RuleResult("s", "", ">=", 80, None, "skipped", reason=reason),
    ])
    root = ET.fromstring(junit.render(samples.audit_result(gate=gate), SourceReader(Path())))
    cases = root.iter("testcase")
    name = next(cases).get("name")
    # Characters XML cannot carry (controls, lone surrogates) become U+FFFD; the rest survive.
    assert name == junit.xml_text(rule_id or "x")
    assert len(name or "") == len(rule_id or "x")


JUNIT_XSD = Path(__file__).parent / "data" / "junit-10.xsd"


def test_valid_against_jenkins_junit_10_xsd(tmp_path: Path) -> None:
    schema = xmlschema.XMLSchema(JUNIT_XSD)
    text = junit.render(samples.audit_result(), SourceReader(tmp_path))
    errors = [str(e.reason) for e in schema.iter_errors(text)]
    assert errors == []
    # the schema itself is strict: the attribute the old document had is refused
    root = ET.fromstring(text)
    root.set("skipped", "1")
    assert not schema.is_valid(ET.tostring(root, encoding="unicode"))
