"""``junit.xml``: the gate as a test suite, for CI systems that display JUnit.

Each gate rule is a test case; a failed rule is a ``<failure>`` whose
message reads ``measured X < threshold Y``; a skipped rule is ``<skipped>``
with the reason. Built with :mod:`xml.etree.ElementTree`, which escapes
text and attributes; characters XML 1.0 cannot carry at all (most control
characters) are replaced first, so any rule id or message gives a document
that parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from auditor.model import AuditResult
from auditor.reports.sources import SourceReader
from auditor.reports.view import rule_rows

FILENAME = "junit.xml"

# Characters outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """``value`` as text XML 1.0 can hold (invalid characters become U+FFFD)."""
    return _NOT_XML.sub("\ufffd", str(value))


def render(result: AuditResult, sources: SourceReader) -> str:
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
    suites = ET.Element(
        "testsuites", {"name": xml_text(f"test-auditor {result.project}"), **counts}
    )
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
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
