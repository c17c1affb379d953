"""report.md: tables that survive any name, and the right rows in them."""

from __future__ import annotations

import re
from pathlib import Path

from auditor.model import GateResult
from auditor.reports import markdown
from auditor.reports.sources import SourceReader
from auditor.reports.templates import markdown_escape
from tests.reports import samples

# A cell boundary is a pipe that is not backslash-escaped (GFM tables).
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_UNESCAPE = re.compile(r"\\(.)")


def table_rows(text: str, header_first_cell: str) -> list[list[str]]:
    """The body rows of the table whose header starts with ``header_first_cell``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header_first_cell} |"))
    header_cells = len(_CELL_SPLIT.split(lines[start])) - 2
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [_UNESCAPE.sub(r"\1", c).strip() for c in _CELL_SPLIT.split(line)[1:-1]]
        assert len(cells) == header_cells, line  # no name added or removed a column
        rows.append(cells)
    return rows


def render(tmp_path: Path, **overrides: object) -> str:
    return markdown.render(samples.audit_result(**overrides), SourceReader(tmp_path))


def test_gate_table(tmp_path: Path) -> None:
    rows = table_rows(render(tmp_path), "Rule")
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("line", "66.66%", "80.00%", "❌ failed"),
        ("branch", "75.00%", "50.00%", "✅ passed"),
        ("changed-lines", "n/a", "90.00%", f"skipped: {samples.GUARD_MESSAGE}"),
        (samples.HOSTILE_RULE, "1", "0", "❌ failed"),
    ]


def test_headline_says_the_verdict(tmp_path: Path) -> None:
    first = render(tmp_path).splitlines()[0]
    assert first == "## ❌ Test audit of demo: gate failed"
    passed = render(tmp_path, gate=GateResult(rules=[])).splitlines()[0]
    assert passed == "## ✅ Test audit of demo: gate passed"


def test_totals(tmp_path: Path) -> None:
    rows = {row[0]: row[1] for row in table_rows(render(tmp_path), "Analysis")}
    # 2 of 3 changed statements: 66.66%.
    assert rows["coverage"] == (
        "line coverage 66.66% · branch coverage 75.00% · changed-lines coverage 66.66%"
    )
    assert rows["imports"] == (
        "modules checked 4 · modules that fail to import 1 · import cycles 1"
    )
    assert rows["tests"] == "1 passed · 1 failed · 1 error"


def test_worst_modules_are_the_least_covered_ones_in_order(tmp_path: Path) -> None:
    rows = table_rows(render(tmp_path), "Least covered modules")
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
    rows = table_rows(text, "Least covered modules")
    assert [r[0] for r in rows] == [f"m{i:02}.py" for i in range(10)]


def test_small_diff_guard_message_is_quoted(tmp_path: Path) -> None:
    text = render(tmp_path)
    assert "Changed lines since origin/main: **66.66%** (2 of 3 changed statements covered)" in (
        _UNESCAPE.sub(r"\1", text)
    )
    assert f"> {samples.GUARD_MESSAGE}" in text.splitlines()


def test_hostile_names_stay_text_and_keep_tables_intact(tmp_path: Path) -> None:
    text = render(tmp_path)
    # No raw HTML tag anywhere: every "<" is escaped.
    assert re.search(r"(?<!\\)<", text) is None
    failed_list = [line for line in text.splitlines() if line.startswith("- ")]
    assert failed_list[0].startswith("- " + markdown_escape(samples.HOSTILE_TEST))
    assert _UNESCAPE.sub(r"\1", failed_list[1]).startswith(f"- {samples.PIPE_NAME} (error)")
    worst = [r[0] for r in table_rows(text, "Least covered modules")]
    assert samples.HOSTILE in worst  # survived the table intact


def test_markdown_escape_neutralises_every_inline_construct() -> None:
    assert markdown_escape("a|b") == r"a\|b"
    assert markdown_escape("`code` *em* _em_ [l](u) $x$") == (
        r"\`code\` \*em\* \_em\_ \[l\](u) \$x\$"
    )
    assert markdown_escape("two\nlines") == "two lines"
    assert markdown_escape(markdown_escape("a|b")) == r"a\|b"  # escaping twice is harmless
