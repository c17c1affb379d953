"""report.md as GitHub and GitLab show it: rendered as CommonMark, read as visible text."""

from __future__ import annotations

import re
from pathlib import Path

from auditor.model import GateResult
from auditor.reports import markdown
from auditor.reports.sources import SourceReader
from auditor.reports.templates import code_span, markdown_escape
from tests.reports import samples
from tests.reports.commonmark import blocks, section, table, visible
from tests.reports.commonmark import render as to_html


def render(tmp_path: Path, **overrides: object) -> str:
    return markdown.render(samples.audit_result(**overrides), SourceReader(tmp_path))


def test_gate_table_lists_failed_rules_first(tmp_path: Path) -> None:
    rows = table(to_html(render(tmp_path)), "Rule")
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("line", "66.66%", "80.00%", "❌ failed"),
        (samples.HOSTILE_RULE, "1", "0", "❌ failed"),
        ("branch", "75.00%", "50.00%", "✅ passed"),
        ("changed-lines", "n/a", "90.00%", f"skipped: {samples.GUARD_MESSAGE}"),
    ]
    # the requirement is said once: "at least" is not repeated after the threshold
    assert rows[0][1] == "line coverage at least 80.00%"


def test_headline_says_the_verdict_then_the_failed_rules_and_what_to_do(tmp_path: Path) -> None:
    tree = to_html(render(tmp_path))
    headings = tree.find_all("h2")
    assert headings[0].text() == "❌ Test audit of demo: gate failed"
    steps = [" ".join(li.text().split()) for li in tree.find_all("ol")[0].find_all("li")]
    assert steps[0] == (
        "line: line coverage at least 80.00%; measured 66.66%, threshold 80.00%. "
        # pkg/a10.py: 3 of 10 lines, the least covered module of the sample
        "Do: add tests for the weakest module, at line coverage 30.00% (pkg/a10.py)"
    )
    assert steps[1].startswith(f"{samples.HOSTILE_RULE}: import failures at most 0; measured 1")
    passed = to_html(render(tmp_path, gate=GateResult(rules=[]))).find_all("h2")[0].text()
    assert passed == "✅ Test audit of demo: gate passed"


def test_totals(tmp_path: Path) -> None:
    rows = {row[0]: row[1] for row in table(to_html(render(tmp_path)), "Analysis")}
    # 2 of 3 changed statements: 66.66%.
    assert rows["coverage"] == (
        "line coverage 66.66% · branch coverage 75.00% · changed-lines coverage 66.66%"
    )
    assert rows["imports"] == "modules checked 4 · modules that fail to import 1 · import cycles 1"
    assert rows["tests"] == "1 passed · 1 failed · 1 error"


def test_worst_modules_are_the_least_covered_ones_in_order(tmp_path: Path) -> None:
    rows = table(to_html(render(tmp_path)), "Least covered modules")
    # By line coverage from the sample counts: 3/10, 2/3, 6/8; 9/9 is fully covered.
    expected = sorted(
        (p for p, (s, c) in samples.MODULE_COUNTS.items() if c < s),
        key=lambda p: samples.MODULE_COUNTS[p][1] / samples.MODULE_COUNTS[p][0],
    )
    assert [r[0] for r in rows] == expected
    assert rows[0][1:] == ["30.00%", "100.00%", "7"]


def test_worst_modules_shows_at_most_ten(tmp_path: Path) -> None:
    from auditor.coverage.result import CoverageResult, ModuleCoverage

    many = {
        f"m{i:02}.py": ModuleCoverage(f"m{i:02}.py", statements=100, covered_lines=i,
                                      missing_lines=list(range(1, 101 - i)))
        for i in range(15)
    }
    text = render(tmp_path, analyses={"coverage": CoverageResult(modules=many)})
    rows = table(to_html(text), "Least covered modules")
    assert [r[0] for r in rows] == [f"m{i:02}.py" for i in range(10)]


def test_small_diff_guard_message_is_quoted(tmp_path: Path) -> None:
    tree = to_html(render(tmp_path))
    coverage = section(tree, "Coverage")
    texts = [" ".join(e.text().split()) for e in coverage]
    assert "Changed lines since origin/main: 66.66% (2 of 3 changed statements covered)" in texts
    quotes = [e for e in coverage if e.tag == "blockquote"]
    assert [q.text().strip() for q in quotes] == [samples.GUARD_MESSAGE]


def test_hostile_names_show_exactly_as_written(tmp_path: Path) -> None:
    text = render(tmp_path)
    tree = to_html(text)
    # No raw HTML reaches the page: the only elements are the ones Markdown makes.
    made = {"h2", "h3", "p", "ol", "ul", "li", "strong", "em", "code", "table", "thead",
            "tbody", "tr", "th", "td", "blockquote", "div"}
    assert {e.tag for e in tree.iter()} <= made
    failed = [" ".join(li.text().split()) for li in section(tree, "Failed tests")[0].find_all("li")]
    assert failed[0].startswith(f"{samples.HOSTILE_TEST} (failed): AssertionError: ")
    assert failed[0].endswith(samples.HOSTILE)
    assert failed[1] == f"{samples.PIPE_NAME} (error): fixture | `broken`"
    # test ids are code: shown literally, with no escaping backslash
    codes = [c.text() for c in tree.find_all("code")]
    assert samples.HOSTILE_TEST in codes and samples.PIPE_NAME in codes
    assert samples.HOSTILE in [r[0] for r in table(tree, "Least covered modules")]


def test_what_a_reader_sees_has_no_markup_debris(tmp_path: Path) -> None:
    seen = visible(render(tmp_path))
    assert "\\" not in seen  # no name of the sample has a backslash
    assert "report.json" not in seen
    for block in blocks(render(tmp_path)):
        assert re.search(r"\b(\w+) \1\b", block) is None, block  # no doubled word
    assert "(at least)" not in seen and "(at most)" not in seen


def test_code_span_holds_any_text_literally() -> None:
    for text in ["tests/test_cart.py", "a_b*c*", "x``y", "`tick`", " both ", "back\\slash"]:
        code = to_html(f"see {code_span(text)}").find("code").text()
        assert code == text, (text, code_span(text))
    cell = to_html(f"| a |\n| --- |\n| {code_span('x|y', cell=True)} |\n")
    assert [c.text() for c in cell.find_all("code")] == ["x|y"]


def test_markdown_escape_neutralises_every_inline_construct() -> None:
    assert markdown_escape("a|b") == r"a\|b"
    assert markdown_escape("`code` *em* _em_ [l](u) $x$") == (
        r"\`code\` \*em\* \_em\_ \[l\](u) \$x\$"
    )
    assert markdown_escape("two\nlines") == "two lines"
    assert markdown_escape(markdown_escape("a|b")) == r"a\|b"  # escaping twice is harmless
    shown = "`code` *em* _em_ [l](u) <b>"
    assert visible(str(markdown_escape(shown))) == shown


def test_survivors_are_inline_and_capped_with_a_count(tmp_path: Path) -> None:
    from auditor.mutation.records import MutantRecord
    from auditor.mutation.result import MutationResult

    survivors = [
        MutantRecord(id=f"pkg.core.x_classify__mutmut_{i}", path=samples.CORE_PATH,
                     module="pkg.core", function="classify", status="survived", line=2,
                     column=8, original="    if n < 0:", mutated=f"    if n < {i}:")
        for i in range(1, 21)
    ]
    text = render(tmp_path, analyses={"mutation": MutationResult(mutants=survivors)})
    tree = to_html(text)
    rows = table(tree, "Top survivors")
    # 20 survivors: the first 15 in the table, the other 5 counted under it
    assert len(rows) == 15
    assert {(r[0], r[2]) for r in rows} == {(f"{samples.CORE_PATH}:2", "if n < 0:")}
    assert "…and 5 more survivors (index.html shows every one on its line)." in blocks(text)


def test_uncovered_changed_lines_are_inline_and_capped_with_a_count(tmp_path: Path) -> None:
    from auditor.coverage.result import DiffCoverage

    coverage = samples.coverage_result()
    uncovered = list(range(1, 26))  # 25 lines: the first 20 shown, 5 counted
    coverage.diff = DiffCoverage(
        base="main", base_commit="b" * 40, changed_lines=30, covered_changed_lines=5,
        files={samples.CORE_PATH: {"changed": list(range(1, 31)), "uncovered": uncovered}},
    )
    text = render(tmp_path, analyses={"coverage": coverage})
    items = [" ".join(li.text().split()) for ul in section(to_html(text), "Coverage")
             if ul.tag == "ul" for li in ul.find_all("li")]
    shown = ", ".join(str(n) for n in range(1, 21))
    assert f"{samples.CORE_PATH}: {shown} and 5 more" in items
