"""Marking of the source views: coverage states, changed lines, findings on their lines."""

from __future__ import annotations

from pathlib import Path

from auditor.findings import Finding
from auditor.lines import FileLines
from auditor.reports.diffs import DiffPart, inline_diff
from auditor.reports.source_view import (
    EXCLUDED,
    MISS,
    PARTIAL,
    RUN,
    mark_lines,
    source_views,
)
from auditor.reports.sources import SourceReader
from tests.reports import samples


def test_marks_follow_the_line_states() -> None:
    lines = [f"line {n}" for n in range(1, 8)]
    states = FileLines(
        executed=frozenset({1, 2, 5}),
        missing=frozenset({3, 6}),
        excluded=frozenset({7}),
        # line 6 is missing as a whole, which wins over its partial note
        partial={2: "never jumped to line 4, exit", 6: "never jumped to line 7"},
        changed=frozenset({3, 4}),
    )
    marked = mark_lines(lines, states)
    # Line 2 ran but is partial; line 4 is not a statement.
    assert [m.mark for m in marked] == [RUN, PARTIAL, MISS, "", RUN, MISS, EXCLUDED]
    assert marked[1].note == "never jumped to line 4, exit"
    assert [m.number for m in marked if m.changed] == [3, 4]
    assert [m.number for m in marked] == list(range(1, 8))
    assert marked[0].text == "line 1"


def test_coverage_line_states_name_the_untaken_branches() -> None:
    # pkg/core.py in the sample: the `if` on line 4 never jumps to line 5.
    states = samples.coverage_result().line_states()[samples.CORE_PATH]
    assert states.partial == {4: "never jumped to line 5"}
    assert states.missing == {5, 10}


def test_views_pair_each_file_with_its_source_and_give_every_line_a_link(
    tmp_path: Path,
) -> None:
    samples.write_project(tmp_path)
    views = source_views(samples.audit_result(), SourceReader(tmp_path))
    assert [v.path for v in views] == sorted(samples.MODULE_COUNTS)
    assert len({v.anchor for v in views}) == len(views)
    core = views.get(samples.CORE_PATH)
    assert core is not None
    assert core.missing_count == 2
    assert [line.text for line in core.lines] == samples.CORE_SOURCE.splitlines()
    assert views.link(samples.CORE_PATH, 4) == f"#{core.anchor}-L4"
    # a line past the end of the file, or a file without a view, falls back
    assert views.link(samples.CORE_PATH, 99) == f"#{core.anchor}"
    assert views.link("not/shown.py", 3) == ""
    missing_file = views.get("pkg/b.py")
    assert missing_file is not None and missing_file.lines == []
    assert missing_file.unavailable.startswith("source not available")


def test_the_source_is_highlighted_and_escaped(tmp_path: Path) -> None:
    samples.write_project(tmp_path)
    core = source_views(samples.audit_result(), SourceReader(tmp_path)).get(samples.CORE_PATH)
    assert core is not None
    first, third = str(core.lines[0].html), str(core.lines[2].html)
    assert '<span class="k">def</span>' in first  # a keyword
    assert '<span class="nf">classify</span>' in first  # a function name
    assert "&#34;negative&#34;" in third  # the string, escaped


def test_a_finding_is_shown_under_its_line_with_its_replacement_as_a_diff(
    tmp_path: Path,
) -> None:
    samples.write_project(tmp_path)
    finding = Finding(
        analysis="zz", rule="changed-comparison", severity="warning", path=samples.CORE_PATH,
        line=2, message="the comparison was changed and no test noticed", fingerprint="f",
        code="if n < 0:", replacement="if n <= 0:",
    )
    result = samples.audit_result(analyses={"zz": samples.FindingsOnly([finding])})
    core = source_views(result, SourceReader(tmp_path)).get(samples.CORE_PATH)
    assert core is not None
    shown = core.lines[1].findings
    assert [f.message for f in shown] == ["the comparison was changed and no test noticed"]
    assert "".join(p.text for p in shown[0].diff if p.kind != "add") == "if n < 0:"
    assert "".join(p.text for p in shown[0].diff if p.kind != "del") == "if n <= 0:"
    assert [p for p in shown[0].diff if p.kind != "same"] == [DiffPart("add", "=")]
    assert all(not line.findings for line in core.lines if line.number != 2)


def test_inline_diff_of_a_replaced_word() -> None:
    parts = inline_diff("return a + b", "return a - b")
    assert [(p.kind, p.text) for p in parts] == [
        ("same", "return a "), ("del", "+"), ("add", "-"), ("same", " b"),
    ]


def test_over_the_highlighting_budget_the_files_to_read_come_first(tmp_path: Path) -> None:
    samples.write_project(tmp_path)
    (tmp_path / "pkg" / "a10.py").write_text("x = 1\n" * 10, encoding="utf-8")
    # pkg/core.py (10 lines, missed lines) and pkg/a10.py (10 lines, missed lines too):
    # a budget of 15 lines highlights the first of them in path order only
    views = source_views(samples.audit_result(), SourceReader(tmp_path), budget=15)
    a10, core = views.get("pkg/a10.py"), views.get(samples.CORE_PATH)
    assert a10 is not None and core is not None
    assert '<span class="n">x</span>' in str(a10.lines[0].html)
    assert str(core.lines[0].html) == "def classify(n):"  # plain, escaped text
