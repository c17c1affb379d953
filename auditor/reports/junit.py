"""``junit.xml``: the gate and the findings as test suites, for CI systems that display JUnit.

Suite ``audit gate``: each gate rule is a test case; a failed rule is a
``<failure>`` whose message reads ``measured X < threshold Y``; a skipped
rule is ``<skipped>`` with the reason. Suite ``audit findings`` is generic
over the findings contract: one test case per analysis and rule that has
active findings, a ``<failure>`` (errors and warnings) listing where they
are, or, for notes, a passing case with the list as its output.
The document is valid against Jenkins' ``junit-10.xsd`` (xunit plugin), the
strictest of the schemas CI systems read (tests/reports/data/junit-10.xsd).
Built with :mod:`xml.etree.ElementTree`, which escapes
text and attributes; characters XML 1.0 cannot carry at all (most control
characters) are replaced first, so any rule id or message gives a document
that parses.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from auditor.findings import Finding

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from auditor.model import AuditResult
    from auditor.reports.sources import SourceReader

# ElementTree and the gate's rows are imported by the functions that build the
# document: the CLI imports every format before the suite runs, for its FILENAME.

FILENAME = "junit.xml"
LOCATIONS_LISTED = 50

@cache
def _not_xml() -> re.Pattern[str]:
    """Characters outside XML 1.0's Char production (compiled when first used: its
    ranges cost a few milliseconds to compile, before the suite when imported)."""
    return re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """``value`` as text XML 1.0 can hold (invalid characters become U+FFFD)."""
    return _not_xml().sub("\ufffd", str(value))


def _findings_suite(suites: ET.Element, result: AuditResult) -> tuple[int, int]:
    """Add the findings suite; return (test cases, failures)."""
    import xml.etree.ElementTree as ET

    by_rule: dict[tuple[str, str], list[Finding]] = {}
    for finding in result.report_findings():
        if not finding.suppressed:
            by_rule.setdefault((finding.analysis, finding.rule), []).append(finding)
    failures = sum(1 for found in by_rule.values() if found[0].severity != "note")
    suite = ET.SubElement(suites, "testsuite", {
        "name": "audit findings", "timestamp": xml_text(result.created),
        "tests": str(len(by_rule)), "failures": str(failures), "errors": "0", "skipped": "0",
        "time": "0",
    })
    for (analysis, rule), found in sorted(by_rule.items()):
        case = ET.SubElement(suite, "testcase", {
            "classname": xml_text(f"audit.findings.{analysis}"), "name": xml_text(rule),
            "time": "0",
        })
        lines = [f"{f.location or '-'}: {f.message}" for f in found[:LOCATIONS_LISTED]]
        if len(found) > LOCATIONS_LISTED:
            lines.append(f"... {len(found) - LOCATIONS_LISTED} more")
        text = xml_text("\n".join(lines))
        if found[0].severity == "note":
            ET.SubElement(case, "system-out").text = text
        else:
            failure = ET.SubElement(case, "failure", {
                "message": xml_text(f"{len(found)} {rule} finding(s): {found[0].title or rule}"),
                "type": "Finding",
            })
            failure.text = text
    return len(by_rule), failures


def render(result: AuditResult, sources: SourceReader) -> str:
    import xml.etree.ElementTree as ET

    from auditor.reports.view import rule_rows

    del sources
    report = result.to_dict()
    rows = rule_rows(report)
    failures = sum(1 for r in rows if r["status"] == "failed")
    skipped = sum(1 for r in rows if r["status"] == "skipped")
    counts = {
        "tests": str(len(rows)),
        "failures": str(failures),
        "errors": "0",
        "skipped": str(skipped),
        "time": f"{result.duration_seconds:.3f}",
    }
    suites = ET.Element("testsuites", {"name": xml_text(f"test-auditor {result.project}")})
    suite = ET.SubElement(
        suites,
        "testsuite",
        {"name": "audit gate", "timestamp": xml_text(result.created), **counts},
    )
    properties = ET.SubElement(suite, "properties")
    for key in ("project", "commit", "branch"):
        value = report.get(key)
        if value:
            ET.SubElement(properties, "property", {"name": key, "value": xml_text(value)})
    for row in rows:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": xml_text(f"audit.gate.{row['analysis'] or 'core'}"),
                "name": xml_text(row["id"]),
                "time": "0",
            },
        )
        if row["status"] == "failed":
            failure = ET.SubElement(
                case, "failure", {"message": xml_text(row["verdict"]), "type": "GateRuleFailed"}
            )
            failure.text = xml_text(f"{row['description']}: {row['verdict']}")
        elif row["status"] == "skipped":
            ET.SubElement(
                case, "skipped", {"message": xml_text(row.get("reason") or "not measured")}
            )
    cases, finding_failures = _findings_suite(suites, result)
    # Jenkins' junit-10.xsd allows name, time, tests, failures and errors on
    # <testsuites>, and nothing else: the skipped count is on each <testsuite>.
    suites.attrib.update({
        "tests": str(len(rows) + cases), "failures": str(failures + finding_failures),
        "errors": "0", "time": counts["time"],
    })
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
