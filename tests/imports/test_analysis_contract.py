"""The analysis's contracts: configuration, gate rules, result model, schema, reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.errors import ConfigError
from auditor.gate import evaluate
from auditor.imports.analysis import ImportsAnalysis
from auditor.imports.result import CAUSES, ImportFailure, ImportsResult, ImportWrite
from auditor.registry import get_analysis, load_config
from auditor.reports.templates import html_environment, markdown_environment
from tests.imports.fixture_project import ProjectFactory, write_project

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "auditor/schema/imports.schema.json").read_text()
)

names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}(\.[a-z_][a-z0-9_]{0,8}){0,2}", fullmatch=True)
failures = st.builds(
    ImportFailure,
    module=names,
    error_type=st.sampled_from(["ImportError", "SyntaxError", "SystemExit", "Timeout", "Crash"]),
    message=st.text(max_size=40),
    path=st.text(max_size=20),
    line=st.none() | st.integers(min_value=0, max_value=10_000),
    cause=st.sampled_from(CAUSES),
    missing=names | st.just(""),
    distribution=st.text(max_size=10),
    reason=st.text(max_size=30),
)
writes = st.builds(
    ImportWrite,
    module=names | st.just(""),
    where=st.sampled_from(["project", "cwd", "home"]),
    path=st.text(min_size=1, max_size=20),
    action=st.sampled_from(["open", "os.mkdir", "created", "changed"]),
    blocked=st.booleans(),
    file=st.text(max_size=20),
    line=st.none() | st.integers(min_value=0, max_value=10_000),
    stopped_import=st.booleans(),
)
results = st.builds(
    ImportsResult,
    modules_checked=st.integers(min_value=0, max_value=10_000),
    failures=st.lists(failures, max_size=5),
    cycles=st.lists(st.lists(names, min_size=1, max_size=4), max_size=4),
    import_seconds=st.dictionaries(
        names, st.floats(min_value=0, max_value=1e4, allow_nan=False), max_size=5
    ),
    timeout_seconds=st.floats(min_value=0.001, max_value=1e4),
    mode=st.sampled_from(["", "fork", "fresh"]),
    python=st.text(max_size=20),
    preloaded=st.integers(min_value=0, max_value=500),
    notes=st.lists(st.text(max_size=30), max_size=3),
    writes=st.lists(writes, max_size=3),
    dependency_sources=st.lists(st.text(max_size=20), max_size=2),
)


@given(results)
def test_result_round_trips_through_json(result: ImportsResult) -> None:
    document = json.loads(json.dumps(result.to_dict()))
    assert ImportsResult.from_dict(document) == result
    jsonschema.Draft202012Validator(SCHEMA).validate(document)


def test_registered_analysis_is_this_one() -> None:
    analysis = get_analysis("imports")
    assert isinstance(analysis, ImportsAnalysis)
    assert (analysis.command, analysis.needs_test_run) == ("imports", False)
    assert analysis.result_type is ImportsResult


def _rules(gate: dict[str, Any], failure_count: int, cycle_count: int) -> list[tuple[str, str]]:
    section = {"failure_count": failure_count, "cycle_count": cycle_count}
    rules = ImportsAnalysis().gate_rules(gate, section)
    return [(r.id, r.status) for r in evaluate(rules, {"imports": section}).rules]


def test_import_failures_are_gated_at_zero_without_configuration() -> None:
    assert _rules({}, 0, 3) == [("import_failures", "passed")]
    assert _rules({}, 1, 0) == [("import_failures", "failed")]


def test_configured_thresholds_are_maximums() -> None:
    gate = {"import_failures": 2, "cycles": 1}
    assert _rules(gate, 2, 1) == [("import_failures", "passed"), ("cycles", "passed")]
    assert _rules(gate, 3, 2) == [("import_failures", "failed"), ("cycles", "failed")]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[tool.audit.imports]\ntimeout = 0\n", r"\[tool\.audit\.imports\] timeout: 0 is less"),
        ("[tool.audit.imports]\nworkers = 0\n", r"\[tool\.audit\.imports\] workers: 0 is less"),
        ("[tool.audit.imports]\nretries = 2\n", r"unknown key 'retries'"),
        ('[tool.audit.imports]\nmode = "spawn"\n', r"mode: 'spawn' is not one of"),
        ("[tool.audit.gate]\ncycles = -1\n", r"\[tool\.audit\.gate\] cycles: -1 is less"),
        ("[tool.audit.gate]\nimport_failures = 1.5\n", r"import_failures: 1\.5 is not of type"),
    ],
)
def test_bad_configuration_names_the_key(tmp_path: Path, table: str, message: str) -> None:
    root = write_project(tmp_path, {"pkg/__init__.py": ""}, ["pkg"], table)
    with pytest.raises(ConfigError, match=message):
        load_config(root)


def test_a_real_result_validates_and_renders(project: ProjectFactory) -> None:
    ctx = project(
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import pkg.b\n",
            "pkg/b.py": "import pkg.a\n",
            "pkg/evil.py": "raise ValueError('<script>alert(1)</script> | `tick`')\n",
        }
    )
    data = ImportsAnalysis().run(ctx).to_dict()
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["cycles"] == [["pkg.a", "pkg.b"]]

    html = html_environment().get_template("html/imports.html.j2").render(a=data, report={})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "<code>pkg.a</code> ⇄ <code>pkg.b</code>" in html
    assert 'id="imports-slowest"' in html

    markdown = markdown_environment().get_template("md/imports.md.j2").render(a=data, report={})
    row = next(line for line in markdown.splitlines() if line.startswith("| pkg.evil |"))
    assert row == (
        "| pkg.evil | first-party: raised by the code under audit "
        "| ValueError | \\<script\\>alert(1)\\</script\\> \\| \\`tick\\` "
        "| pkg/evil.py:1 |"
    )
    assert "1. pkg.a ⇄ pkg.b" in markdown
    assert "### Imports\n\n**4** modules imported on their own · **1** failures" in markdown


def test_empty_result_renders_the_all_clear() -> None:
    data = ImportsResult(modules_checked=0).to_dict()
    html = html_environment().get_template("html/imports.html.j2").render(a=data, report={})
    assert 'id="imports-no-failures"' in html
    assert 'id="imports-no-cycles"' in html
    assert "imports-slowest" not in html


def test_ungated_causes_and_writes_are_gated_only_when_asked() -> None:
    causes = {"first-party": 0, "required-missing": 0, "optional-missing": 2, "undeclared": 0,
              "platform": 1}  # fmt: skip
    section = {"failure_count": 0, "cause_counts": causes, "write_count": 1, "cycle_count": 0}
    assert [r.id for r in ImportsAnalysis().gate_rules({}, section)] == ["import_failures"]
    gate = {"import_optional_missing": 2, "import_undeclared": 0, "import_platform_missing": 0,
            "import_writes": 0}  # fmt: skip
    rules = ImportsAnalysis().gate_rules(gate, section)
    assert [(r.id, r.status) for r in evaluate(rules, {"imports": section}).rules] == [
        ("import_failures", "passed"),
        ("import_optional_missing", "passed"),
        ("import_undeclared", "passed"),
        ("import_platform_missing", "failed"),
        ("import_writes", "failed"),
    ]
