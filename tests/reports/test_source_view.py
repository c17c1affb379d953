"""Marking of the source view: missing, partial and excluded lines."""

from __future__ import annotations

from pathlib import Path

from auditor.reports.source_view import (
    EXCLUDED,
    MISS,
    PARTIAL,
    RUN,
    file_views,
    mark_lines,
)
from auditor.reports.sources import SourceReader
from tests.reports import samples


def test_marks_follow_the_module_coverage() -> None:
    lines = [f"line {n}" for n in range(1, 8)]
    module = {
        "executed_lines": [1, 2, 5],
        "missing_lines": [3, 6],
        "excluded_lines": [7],
        # line 2 never jumped to 4 nor out of the function; line 6 is missing
        # as a whole, which wins over its missing branch.
        "missing_branches": [[2, 4], [2, -1], [6, 7]],
    }
    marked = mark_lines(lines, module)
    # Line 2 ran but is partial; line 4 is not a statement.
    assert [m.mark for m in marked] == [RUN, PARTIAL, MISS, "", RUN, MISS, EXCLUDED]
    assert marked[1].note == "never jumped to line 4, exit"
    assert marked[5].note == "never jumped to line 7"
    assert [m.number for m in marked] == list(range(1, 8))
    assert marked[0].text == "line 1"


def test_file_views_pair_each_module_with_its_source(tmp_path: Path) -> None:
    samples.write_project(tmp_path)
    coverage = samples.coverage_result().to_dict()
    views = file_views(coverage, SourceReader(tmp_path))
    assert [v.path for v in views] == sorted(samples.MODULE_COUNTS)
    assert len({v.anchor for v in views}) == len(views)
    core = next(v for v in views if v.path == samples.CORE_PATH)
    assert core.missing_count == 2
    assert [line.text for line in core.lines] == samples.CORE_SOURCE.splitlines()
    missing_file = next(v for v in views if v.path == "pkg/b.py")
    assert missing_file.lines == []
    assert missing_file.unavailable.startswith("source not available")
