"""index.html: content, marking of the source view, escaping, self-containment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from auditor.findings import Finding
from auditor.metrics import COUNT, HIGHER, PERCENT, Metric, MetricSpec
from auditor.model import GateResult
from auditor.reports import html
from auditor.reports.sources import SourceReader
from tests.reports import samples
from tests.reports.htmltree import Element, parse


@pytest.fixture
def page(tmp_path: Path) -> Element:
    samples.write_project(tmp_path)
    return parse(html.render(samples.audit_result(), SourceReader(tmp_path)))


def rows_of(table: Element) -> list[list[str]]:
    body = table.find("tbody")
    return [[td.text().strip() for td in tr.find_all("td")] for tr in body.find_all("tr")]


def test_gate_table_has_failed_rules_first_with_formatted_values(page: Element) -> None:
    rows = rows_of(page.find("table", id="gate-rules"))
    # result first (it stays on screen when the table is narrow), failed rules first
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        ("failed", "line", "66.66%", "80.00%"),
        ("failed", samples.HOSTILE_RULE, "1", "0"),
        ("passed", "branch", "75.00%", "50.00%"),
        ("skipped", "changed-lines", "n/a", "90.00%"),
    ]
    assert rows[0][2] == "line coverage at least 80.00%"
    assert rows[0][5] == "measured 66.66% < threshold 80.00%"
    assert rows[3][5] == f"skipped: {samples.GUARD_MESSAGE}"
    assert page.find("span", id="verdict").text() == "Gate failed"


def test_the_first_screen_says_what_failed_and_what_to_do(page: Element) -> None:
    failed = page.find("ol", id="failed-rules").find_all("li")
    assert [li.attrs["data-rule"] for li in failed] == ["line", samples.HOSTILE_RULE]
    line = " ".join(failed[0].text().split())
    assert line.startswith(
        "line: line coverage at least 80.00%; measured 66.66%, threshold 80.00%."
    )
    # the least covered module of the sample (3 of 10 lines), linked to its source
    assert "Do: add tests for the weakest module, at line coverage 30.00% (pkg/a10.py)" in line
    link = failed[0].find("a")
    target = page.find("details", data_path="pkg/a10.py")
    assert link.attrs["href"] == "#" + target.attrs["id"]
    # the fix-first table lists the findings, most severe first
    table = page.find("table", id="fix-first-table")
    severities = [s.text() for s in table.where(lambda e: "severity" in e.classes)]
    assert severities == ["error", "warning"]
    assert "pkg.broken" in rows_of(table)[0][2]


def test_module_table_lists_every_module_with_its_numbers(page: Element) -> None:
    table = page.find("table", id="coverage-modules")
    by_path = {row[0]: row for row in rows_of(table)}
    assert set(by_path) == set(samples.MODULE_COUNTS)
    # pkg/core.py: 8 statements, 2 missing, 6/8 lines, 4 branches, 1 partial, 3/4 branches.
    assert by_path[samples.CORE_PATH] == ["pkg/core.py", "8", "2", "75.00%", "4", "1", "75.00%"]
    # 2 of 3 statements: 66.666...% floors to 66.66, never rounds up to 66.67.
    assert by_path[samples.HOSTILE][3] == "66.66%"
    numeric_cells = table.find("tbody").where(lambda e: e.tag == "td" and "num" in e.classes)
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", td.attrs["data-value"]) for td in numeric_cells)


def test_totals_show_the_headline_metrics_of_each_analysis(page: Element) -> None:
    rows = rows_of(page.find("table", id="totals-table"))
    # 20 of 30 statements over all four modules.
    # Labels are the ones each metric declares.
    assert ["coverage", "line coverage", "66.66%"] in rows
    assert ["coverage", "branch coverage", "75.00%"] in rows
    assert ["imports", "modules that fail to import", "1"] in rows


def test_source_view_marks_missing_lines_and_partial_branches(page: Element) -> None:
    details = page.find("details", data_path=samples.CORE_PATH)
    lines = {int(tr.attrs["data-line"]): tr for tr in details.find_all("tr") if "id" in tr.attrs}
    assert len(lines) == len(samples.CORE_SOURCE.splitlines())
    assert {n for n, tr in lines.items() if "miss" in tr.classes} == {5, 10}
    assert {n for n, tr in lines.items() if "partial" in tr.classes} == {4}
    assert {n for n, tr in lines.items() if "run" in tr.classes} == {1, 2, 3, 6, 9}
    assert "never jumped to line 5" in lines[4].text()
    assert lines[3].find("td", class_="src").text() == '        return "negative"'
    # every line is a link target: its id is the href of its line number
    assert all(tr.find("a").attrs["href"] == "#" + tr.attrs["id"] for tr in lines.values())
    # The module table links to this file's source.
    link = page.find("table", id="coverage-modules").find("a", href="#" + details.attrs["id"])
    assert link.text() == samples.CORE_PATH


def test_a_file_that_cannot_be_read_says_so(page: Element) -> None:
    details = page.find("details", data_path="pkg/b.py")
    assert details.find("p", class_="unavailable").text().startswith("source not available")
    assert details.find_all("table") == []


def test_diff_coverage_and_the_small_diff_guard_message_are_shown(page: Element) -> None:
    assert "66.66%" in page.find("p", id="diff-coverage").text()  # 2 of 3 changed lines
    assert page.find("p", id="diff-guard").text() == samples.GUARD_MESSAGE


def test_hostile_names_render_as_text_not_markup(tmp_path: Path) -> None:
    samples.write_project(tmp_path)
    text = html.render(samples.audit_result(), SourceReader(tmp_path))
    tree = parse(text)
    scripts = tree.find_all("script")
    assert len(scripts) == 1  # only the report's own sorting script
    assert "alert" not in scripts[0].text()
    assert text.count("<script") == 1
    assert samples.HOSTILE_RULE in [td.text() for td in tree.find_all("td", class_="rule-id")]
    assert samples.HOSTILE_TEST in [td.text() for td in tree.find_all("td", class_="nodeid")]
    paths = [a.text() for a in tree.find("table", id="coverage-modules").find_all("a")]
    assert samples.HOSTILE in paths


def test_report_is_self_contained(page: Element) -> None:
    for element in page.iter():
        assert "src" not in element.attrs, element
        href = element.attrs.get("href")
        assert href is None or href.startswith(("#", "data:")), href
    css = "".join(style.text() for style in page.find_all("style"))
    assert "url(" not in css
    assert "@import" not in css
    csp = page.find("meta", http_equiv="Content-Security-Policy").attrs["content"]
    assert "default-src 'none'" in csp


def test_renders_without_optional_parts(tmp_path: Path) -> None:
    """No test run, no gate rules, no diff, only coverage: still a complete page."""
    result = samples.audit_result(
        analyses={"coverage": samples.coverage_result(with_diff=False)},
        test_run=None,
        gate=GateResult(rules=[]),
        commit=None,
    )
    tree = parse(html.render(result, SourceReader(tmp_path)))
    assert tree.find("span", id="verdict").text() == "Gate passed"
    assert tree.find_all("table", id="gate-rules") == []
    assert tree.find_all("section", id="tests") == []
    assert tree.find_all("p", id="diff-coverage") == []
    assert "not a git checkout" in tree.find("p", class_="meta").text()


def test_an_analysis_without_a_partial_shows_its_headline_metrics(tmp_path: Path) -> None:
    @dataclass
    class FutureResult:
        name: ClassVar[str] = "zz_future"

        def to_dict(self) -> dict[str, Any]:
            return {"score": 1}

        def headline_metrics(self) -> dict[str, Metric]:
            return {
                "score_percent": MetricSpec(PERCENT, HIGHER, "score").of(12.345),
                "items": MetricSpec(COUNT, HIGHER, "items").of(7.0),
            }

        def module_metrics(self) -> dict[str, dict[str, Metric]]:
            return {}

        def finding_counts(self) -> dict[str, int]:
            return {"smell": 2}

        def report_findings(self) -> list[Finding]:
            return []

    result = samples.audit_result(analyses={"zz_future": FutureResult()})
    section = parse(html.render(result, SourceReader(tmp_path))).find(
        "section", id="analysis-zz_future"
    )
    cells = [[td.text() for td in tr.find_all("td")] for tr in section.find_all("tr")]
    assert cells == [["score", "12.34%"], ["items", "7"], ["smell", "2"]]
