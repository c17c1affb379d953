"""Invariants over generated results: the JSON round-trips and always validates."""

from __future__ import annotations

import json
import tempfile
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.coverage.result import CoverageResult, DiffCoverage, ModuleCoverage
from auditor.imports.result import ImportFailure, ImportsResult
from auditor.model import AuditResult, GateResult, RuleResult, TestOutcome, TestRun
from auditor.registry import result_types
from auditor.reports import write_reports
from auditor.reports.json_report import report_errors, validate_report
from tests.reports.htmltree import parse

names = st.text(min_size=1, max_size=30)
seconds = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def module_coverage(draw: st.DrawFn, path: str) -> ModuleCoverage:
    statements = draw(st.integers(0, 40))
    covered = draw(st.integers(0, statements))
    missing = draw(
        st.lists(st.integers(1, 200), min_size=statements - covered,
                 max_size=statements - covered, unique=True)
    )
    branches = draw(st.integers(0, 20))
    covered_branches = draw(st.integers(0, branches))
    missing_branches = draw(
        st.lists(st.tuples(st.integers(1, 200), st.integers(-200, 200).filter(bool)),
                 max_size=branches - covered_branches)
    )
    return ModuleCoverage(
        path=path,
        statements=statements,
        covered_lines=covered,
        missing_lines=sorted(missing),
        excluded_lines=draw(st.lists(st.integers(1, 200), max_size=3, unique=True)),
        branches=branches,
        covered_branches=covered_branches,
        partial_branches=draw(st.integers(0, branches - covered_branches)),
        missing_branches=[list(b) for b in missing_branches],
    )


@st.composite
def coverage_results(draw: st.DrawFn) -> CoverageResult:
    paths = draw(st.lists(names, max_size=5, unique=True))
    modules = {path: draw(module_coverage(path)) for path in paths}
    diff = None
    if draw(st.booleans()):
        changed = draw(st.integers(0, 50))
        diff = DiffCoverage(
            base=draw(names), base_commit=draw(st.text(max_size=40)),
            changed_lines=changed, covered_changed_lines=draw(st.integers(0, changed)),
            min_statements=draw(st.integers(0, 10)), skipped_reason=draw(st.text(max_size=30)),
        )
    return CoverageResult(modules=modules, diff=diff, coverage_version=draw(st.text(max_size=8)))


@st.composite
def imports_results(draw: st.DrawFn) -> ImportsResult:
    failures = draw(st.lists(st.builds(
        ImportFailure, module=names, error_type=names, message=st.text(max_size=60),
        path=st.text(max_size=20), line=st.none() | st.integers(1, 10_000),
    ), max_size=4))
    return ImportsResult(
        modules_checked=draw(st.integers(0, 100)),
        failures=failures,
        cycles=draw(st.lists(st.lists(names, min_size=2, max_size=4), max_size=3)),
        import_seconds=draw(st.dictionaries(names, seconds, max_size=4)),
        timeout_seconds=draw(st.floats(0.1, 100)),
    )


@st.composite
def rules(draw: st.DrawFn) -> RuleResult:
    status = draw(st.sampled_from(["passed", "failed", "skipped"]))
    percent = draw(st.booleans())
    measured = None if status == "skipped" else draw(
        st.floats(0, 100, allow_nan=False) if percent else st.integers(0, 1000)
    )
    return RuleResult(
        id=draw(names), description=draw(st.text(max_size=30)),
        comparison=draw(st.sampled_from([">=", "<="])),
        threshold=draw(st.floats(0, 100, allow_nan=False) | st.integers(0, 100)),
        measured=measured, status=status, reason=draw(st.text(max_size=30)),
        analysis=draw(st.sampled_from(["coverage", "imports", ""])), percent=percent,
    )


@st.composite
def audit_results(draw: st.DrawFn) -> AuditResult:
    analyses: dict[str, CoverageResult | ImportsResult] = {}
    if draw(st.booleans()):
        analyses["coverage"] = draw(coverage_results())
    if draw(st.booleans()):
        analyses["imports"] = draw(imports_results())
    tests = draw(st.none() | st.builds(
        TestRun,
        exit_code=st.integers(0, 5),
        duration_seconds=seconds,
        tests=st.lists(st.builds(
            TestOutcome, nodeid=names,
            outcome=st.sampled_from(["passed", "failed", "error", "skipped", "xfailed",
                                     "xpassed"]),
            duration_seconds=seconds, assertions_executed=st.none() | st.integers(0, 50),
            message=st.text(max_size=40),
        ), max_size=4),
        command=st.lists(st.text(max_size=10), max_size=3),
        tolerated_failures=st.booleans(),
    ))
    created = draw(st.datetimes(timezones=st.just(UTC)))
    return AuditResult(
        project=draw(names),
        root=draw(st.text(max_size=20)),
        commit=draw(st.none() | st.text("0123456789abcdef", min_size=40, max_size=40)),
        branch=draw(st.none() | names),
        created=created.isoformat(timespec="seconds"),
        duration_seconds=draw(seconds),
        config_fingerprint=draw(st.text(max_size=16)),
        analyses=analyses,  # type: ignore[arg-type]
        test_run=tests,
        gate=GateResult(enabled=draw(st.booleans()), rules=draw(st.lists(rules(), max_size=4))),
        notes=draw(st.lists(st.text(max_size=20), max_size=2)),
    )


@given(audit_results())
def test_to_dict_from_dict_round_trips_through_json(result: AuditResult) -> None:
    document = result.to_dict()
    through_json = json.loads(json.dumps(document))
    assert AuditResult.from_dict(through_json, result_types()).to_dict() == document


@settings(max_examples=40)
@given(audit_results())
def test_written_reports_always_validate_and_parse(result: AuditResult) -> None:
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "out"
        write_reports(result, output, Path(directory))
        validate_report(json.loads((output / "report.json").read_text(encoding="utf-8")))
        junit = ET.parse(output / "junit.xml").getroot()
        gate_suite, findings_suite = junit.findall("testsuite")
        assert len(list(gate_suite.iter("testcase"))) == len(result.gate.rules)
        # One findings case per analysis and rule with active findings.
        active = {(f.analysis, f.rule) for f in result.report_findings() if not f.suppressed}
        assert len(list(findings_suite.iter("testcase"))) == len(active)
        page = parse((output / "index.html").read_text(encoding="utf-8"))
        assert len(page.find_all("script")) == 1
        coverage = result.analyses.get("coverage")
        if isinstance(coverage, CoverageResult) and coverage.modules:
            table = page.find("table", id="coverage-modules").find("tbody")
            paths = [tr.attrs["data-path"] for tr in table.find_all("tr")]
            # An HTML parser turns CR and CRLF into LF (HTML's newline normalisation).
            assert paths == [_html_newlines(p) for p in sorted(coverage.modules)]


def _html_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def test_created_timestamp_as_the_runner_writes_it_validates() -> None:
    result = AuditResult(
        project="p", root="", commit=None, branch=None,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        duration_seconds=0.0, config_fingerprint="",
    )
    assert report_errors(result.to_dict()) == []
