"""`audit mocks` run as a user runs it, and the analysis on this repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from auditor.mocks.engine import analyse_project
from auditor.mocks.evaluate import Settings
from auditor.mocks.rules import opt_in_ids
from auditor.project import PackageLocation
from auditor.reports.json_report import validate_report
from tests.mocks.projects import example_project, write_files

REPO = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())

SUITE = """\
from unittest import mock

from app.pricing import PriceBook, net_total


def test_runs_only():
    net_total([1])


@mock.patch("app.pricing.PriceBook.price", autospec=True, return_value=10.0)
def test_gross(price):
    assert PriceBook().gross("x") == 12.0


def test_values():
    assert net_total([1, 2]) == 3
"""

CONFIG = """\
[tool.audit]
packages = ["app"]

[tool.audit.mocks]
boundaries = ["app.adapters"]
enable = ["mock-internal"]

[tool.audit.gate]
mock_findings_by_rule = { "mock-internal" = 0 }
untested_modules = 6
"""


@pytest.mark.slow
def test_audit_mocks_command(tmp_path: Path) -> None:
    example_project(tmp_path, SUITE)
    write_files(tmp_path, {"pyproject.toml": CONFIG})
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run([sys.executable, "-m", "auditor", "mocks", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 1, done.stderr  # the mock-internal rule fails the gate
    output = tmp_path / "audit-report"
    report = json.loads((output / "report.json").read_text())
    validate_report(report)
    mocks = report["analyses"]["mocks"]
    assert {(f["rule"], f["test"], f["source"]) for f in mocks["findings"]} == {
        ("mock-internal", "tests/test_example.py::test_gross", "static"),
        ("test-no-assert", "tests/test_example.py::test_runs_only", "runtime"),
    }
    assert mocks["tests_analyzed"] == 3 and mocks["runtime_used"] is True
    # the example project's modules that SUITE never imports
    assert mocks["modules_without_direct_test"] == [
        "app.adapters.http", "app.adapters.sockets", "app.clipboard", "app.grants", "app.server",
        "app.workers"]
    assert {r["id"]: r["status"] for r in report["gate"]["rules"]} == {
        "mock_findings_by_rule[mock-internal]": "failed", "untested_modules": "passed"}
    sarif = json.loads((output / "report.sarif").read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    assert len(sarif["runs"][0]["results"]) == 2
    markdown = (output / "report.md").read_text()
    assert "| `mock-internal` | 1 | 0 |" in markdown
    html = (output / "index.html").read_text()
    assert 'id="mocks-rule-test-no-assert"' in html
    assert "@mock.patch(&#34;app.pricing.PriceBook.price&#34;" in html
    # the parse cache is in .audit/ and ignored by git
    assert (tmp_path / ".audit" / "mocks-cache" / ".gitignore").is_file()
    assert not (tmp_path / ".audit" / "mocks-cache" / "x").exists()


def test_our_mocks_tests_are_clean() -> None:
    result = analyse_project(
        REPO, [PackageLocation("auditor", REPO / "auditor", REPO)], [REPO / "tests" / "mocks"],
        Settings(packages=["auditor"]), workers=2,
    )
    assert [(f.path, f.line, f.rule, f.message) for f in result.active] == []
    assert len(result.tests) >= 35


THEATER = REPO / "examples" / "coverage_theater"
STRONG = REPO / "tests" / "provisioner"


def test_theater_suite_flagged_strong_suite_clean(tmp_path: Path) -> None:
    packages = [PackageLocation("provisioner", REPO / "provisioner", REPO)]
    # the theater is what the opt-in rules are for: a team that wants them on
    settings = Settings(packages=["provisioner"], enabled=opt_in_ids())
    # One parse cache for both (content-keyed): the provisioner's sources are
    # parsed once, for the theater, and read back for the strong suite.
    theater = analyse_project(REPO, packages, [THEATER], settings, workers=1, state_dir=tmp_path)
    strong = analyse_project(REPO, packages, [STRONG], settings, workers=1, state_dir=tmp_path)
    assert [(f.path, f.line, f.rule) for f in strong.active] == []
    flagged = {f.test for f in theater.active}
    assert len(theater.tests) >= 20
    assert len(flagged) >= 0.4 * len(theater.tests)
    # one finding per rule and line (``db, kube = MagicMock(), MagicMock()`` is one)
    assert len(theater.active) >= 20
    assert {"mock-internal", "mock-no-spec", "mock-only-asserts", "mock-echo",
            "test-broad-except"} <= {f.rule for f in theater.active}
