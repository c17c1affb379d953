"""An analysis of another distribution appears everywhere without a change to our modules.

The analysis (``tests/contract/todo_plugin.py``: TODO comments) is written
into a folder on the audit subprocess's ``PYTHONPATH`` with its own
``dist-info`` entry point, like an installed plugin. Nothing of ``auditor``
is edited. Two real ``audit report`` runs of a fixture project (two TODO
comments, then one) must show it in every report format, the gate, SARIF,
the history and the review. Expected lines and counts are read off the
fixture source below.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from auditor import registry
from auditor.reports import json_report
from tests.contract.todo_plugin import DIST_FILES
from tests.support.projects import git, init_repo, read_report, run_audit, write_files

CORE = """\
def total(items):
    # TODO: handle an empty list
    return sum(items)


def mean(items):
    # TODO: round the mean
    return total(items) / len(items)
"""
# Read off CORE: the comments stand on lines 2 and 7.
TODO_LINES = [2, 7]


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    plugin = write_files(tmp_path / "plugin", {})
    for relative, text in DIST_FILES.items():
        (plugin / relative).parent.mkdir(parents=True, exist_ok=True)
        (plugin / relative).write_text(text, encoding="utf-8")
    root = write_files(tmp_path / "proj", {
        "pyproject.toml": """
            [project]
            name = "proj"
            version = "0"

            [tool.audit]
            packages = ["app"]
            analyses = ["todo"]

            [tool.audit.todo]
            marker = "TODO"

            [tool.audit.gate]
            max_todos = 1
            no_regression = {"todo.todo_comments" = 0}
        """,
        "app/__init__.py": "",
        "app/core.py": CORE,
        "tests/test_core.py": "def test_nothing():\n    assert True\n",
    })
    init_repo(root)
    return root, {"PYTHONPATH": str(plugin)}


@pytest.mark.slow
def test_a_plugin_analysis_reaches_every_report_the_gate_and_the_review(
    project: tuple[Path, dict[str, str]],
) -> None:
    root, env = project
    first = run_audit("report", root, env=env)
    assert first.exit_code == 1, first.stderr  # 2 TODO comments > max_todos = 1
    report = read_report(root)  # validated against the published schema
    out = root / "audit-report"

    # report.json: the section, the declared metric, the findings contract, the gate.
    assert report["analyses"]["todo"]["todo_count"] == 2
    assert report["metrics"]["todo"]["todo_comments"] == {
        "value": 2.0, "unit": "count", "direction": "lower", "label": "TODO comments",
        "alarm": "{value} TODO comments are left.",
    }
    todo_findings = [f for f in report["findings"] if f["analysis"] == "todo"]
    assert [(f["rule"], f["path"], f["line"]) for f in todo_findings] == [
        ("todo-comment", "app/core.py", line) for line in TODO_LINES
    ]
    rule = next(r for r in report["gate"]["rules"] if r["id"] == "max_todos")
    assert (rule["status"], rule["measured"], rule["analysis"]) == ("failed", 2, "todo")

    # SARIF: both findings, located, with the rule described.
    sarif = json.loads((out / "report.sarif").read_text())["runs"][0]
    results = [r for r in sarif["results"] if r["ruleId"] == "todo-comment"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results] == (
        TODO_LINES
    )
    assert any(d["id"] == "todo-comment" for d in sarif["tool"]["driver"]["rules"])

    # HTML and Markdown: the analysis's own partials, the totals and the fix-first list.
    page = (out / "index.html").read_text()
    assert '<section id="analysis-todo"' in page and 'id="todo-list"' in page
    assert 'data-line="7"' in page and 'data-rule="todo-comment"' in page
    markdown = (out / "report.md").read_text()
    assert "- TODO at app/core.py:2" in markdown and "TODO comments 2" in markdown

    # JUnit: the failed gate rule and the findings case.
    junit = ET.parse(out / "junit.xml").getroot()
    cases = {(c.get("classname"), c.get("name")): c for c in junit.iter("testcase")}
    assert cases[("audit.gate.todo", "max_todos")].find("failure") is not None
    assert cases[("audit.findings.todo", "todo-comment")].find("failure") is not None

    # Its own subcommand exists (from the registry, like ours).
    alone = run_audit("todo", root, "--no-gate", env=env)
    assert alone.exit_code == 0, alone.stderr

    # The history took the first run: one TODO less is an improvement for no_regression.
    (root / "app/core.py").write_text(CORE.replace("    # TODO: round the mean\n", ""))
    git(root, "commit", "-qam", "one TODO done")
    second = run_audit("report", root, env=env)
    assert second.exit_code == 0, second.stderr + second.stdout
    gate = read_report(root)["gate"]["rules"]
    regression = next(r for r in gate if r["id"] == "no_regression.todo.todo_comments")
    # Baseline 2 -> now 1: lower is better, so the change in the good direction is +1.
    assert (regression["status"], regression["measured"]) == ("passed", 1.0)

    review = run_audit("review", root, "--since", "30d", "--output", "review-out", env=env)
    assert review.exit_code == 0, review.stderr
    review_md = (root / "review-out" / "review.md").read_text()
    # the metric by its declared label, not its id
    assert "| todo | TODO comments | 2 | 1 | -1 | better |" in review_md
    assert "1 TODO comments are left." in review_md
    review_html = (root / "review-out" / "review.html").read_text()
    assert 'data-metric="todo.todo_comments"' in review_html


def test_the_plugin_brings_its_report_schema_part(
    project: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, env = project
    assert run_audit("todo", root, "--no-gate", env=env).exit_code == 0
    document = json.loads((root / "audit-report" / "report.json").read_text())
    # In this process too: the plugin's folder on sys.path, the registry asked again.
    monkeypatch.syspath_prepend(env["PYTHONPATH"])
    registry._plugins.cache_clear()
    json_report._validator.cache_clear()
    try:
        json_report.validate_report(document)
        # The part is really used: a wrong type in the todo section is now an error.
        document["analyses"]["todo"]["todo_count"] = "two"
        with pytest.raises(json_report.InvalidReportError, match="todo_count"):
            json_report.validate_report(document)
    finally:
        monkeypatch.undo()
        registry._plugins.cache_clear()
        json_report._validator.cache_clear()
