"""The per-file source view of the HTML report: each line with its coverage mark.

Built in Python rather than in the template so that the marking rules are
plain code with tests: a missing line is ``miss``; a line some of whose
branches never ran is ``partial`` (with a note naming the untaken
destinations); an excluded line is ``excluded``; any other statement that
ran is ``run``. Lines that are not statements (blank, comments, the rest of
a multi-line statement) have no mark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.reports.sources import SourceReader

RUN = "run"
MISS = "miss"
PARTIAL = "partial"
EXCLUDED = "excluded"


@dataclass(frozen=True)
class SourceLine:
    number: int
    text: str
    mark: str = ""  # "", RUN, MISS, PARTIAL or EXCLUDED
    note: str = ""


@dataclass(frozen=True)
class FileView:
    """One file of the coverage table with its marked source."""

    path: str
    anchor: str
    coverage: dict[str, Any]
    lines: list[SourceLine] = field(default_factory=list)
    unavailable: str = ""

    @property
    def missing_count(self) -> int:
        return sum(1 for line in self.lines if line.mark == MISS)


def branch_destination(target: int) -> str:
    # coverage.py writes a jump out of a code object as the negated line
    # number of the code object's first line.
    return "exit" if target < 0 else f"line {target}"


def untaken_branches(missing_branches: list[list[int]]) -> dict[int, list[int]]:
    """``{source line: [destinations never taken]}`` from coverage's ``missing_branches``."""
    untaken: dict[int, list[int]] = {}
    for source, target in missing_branches:
        untaken.setdefault(source, []).append(target)
    return untaken


def mark_lines(lines: tuple[str, ...] | list[str], module: dict[str, Any]) -> list[SourceLine]:
    """Pair every source line with its mark from one module's coverage dict."""
    missing = set(module.get("missing_lines", []))
    excluded = set(module.get("excluded_lines", []))
    executed = set(module.get("executed_lines", []))
    untaken = untaken_branches(module.get("missing_branches", []))
    marked: list[SourceLine] = []
    for number, text in enumerate(lines, start=1):
        note = ""
        if number in untaken:
            destinations = ", ".join(branch_destination(t) for t in untaken[number])
            note = f"never jumped to {destinations}"
        if number in missing:
            mark = MISS
        elif number in untaken:
            mark = PARTIAL
        elif number in excluded:
            mark = EXCLUDED
        elif number in executed:
            mark = RUN
        else:
            mark = ""
        marked.append(SourceLine(number=number, text=text, mark=mark, note=note))
    return marked


def file_views(coverage: dict[str, Any], sources: SourceReader) -> list[FileView]:
    """One view per module of a coverage result dict, in path order."""
    views: list[FileView] = []
    for index, (path, module) in enumerate(sorted(coverage.get("modules", {}).items())):
        source = sources.read(path)
        views.append(
            FileView(
                path=path,
                # An index, not the path: paths may hold any character.
                anchor=f"file-{index}",
                coverage=module,
                lines=mark_lines(source.lines, module) if source.available else [],
                unavailable=source.unavailable,
            )
        )
    return views
