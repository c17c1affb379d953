"""The per-file source views of the HTML report, generic over the model.

Which files get a view, and what is on each line, comes from two contracts:

* the line states any analysis result offers (:class:`auditor.lines.FileLines`,
  e.g. coverage): a missing line is ``miss``; a line some of whose branches
  never ran is ``partial`` (with a note naming what it never did); an
  excluded line is ``excluded``; any other executed line is ``run``; a line
  changed since the base is also ``changed``;
* the findings of every analysis (:class:`auditor.findings.Finding`): each
  finding with a line is shown under its line, and one that replaces code
  (a surviving mutant) shows the replacement as an inline diff.

Every line has an id (:meth:`SourceViews.link`), so any link to a place in
the code lands on its line. Built in Python rather than in the template so
that the marking rules are plain code with tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from auditor.findings import Finding
from auditor.lines import FileLines, HasLineStates
from auditor.model import AuditResult
from auditor.reports.diffs import DiffPart, inline_diff
from auditor.reports.highlight import HighlightCache, highlight_lines
from auditor.reports.sources import SourceReader
from auditor.reports.templates import metric

HIGHLIGHT_BUDGET = 10_000
"""Lines highlighted per report. Pygments lexes a few thousand lines a second (the
auditor's own 27,000 lines: 7.5 s on a loaded 2-core machine, against 0.5 s for the
whole source view unhighlighted), so a large project's report highlights the files
that need reading first (those with findings, missed or changed lines) and shows
the rest as plain text."""

RUN = "run"
MISS = "miss"
PARTIAL = "partial"
EXCLUDED = "excluded"


@dataclass(frozen=True)
class LineFinding:
    """A finding as shown under its line."""

    rule: str
    severity: str
    title: str
    message: str
    test: str = ""
    diff: tuple[DiffPart, ...] = ()


@dataclass(frozen=True)
class SourceLine:
    number: int
    text: str
    html: Markup = field(default_factory=Markup)
    mark: str = ""  # "", RUN, MISS, PARTIAL or EXCLUDED
    note: str = ""
    changed: bool = False
    findings: tuple[LineFinding, ...] = ()

    @property
    def classes(self) -> str:
        names = [self.mark] if self.mark else []
        if self.changed:
            names.append("changed")
        if self.findings:
            names.append("has-finding")
        return " ".join(names)


@dataclass(frozen=True)
class FileView:
    """One file with its marked, highlighted source."""

    path: str
    anchor: str
    summary: str = ""
    lines: list[SourceLine] = field(default_factory=list)
    unavailable: str = ""
    file_findings: tuple[LineFinding, ...] = ()
    """Findings of the whole file (no line), shown above the listing."""

    @property
    def missing_count(self) -> int:
        return sum(1 for line in self.lines if line.mark == MISS)

    @property
    def finding_count(self) -> int:
        return len(self.file_findings) + sum(len(line.findings) for line in self.lines)

    def line_id(self, number: int) -> str:
        return f"{self.anchor}-L{number}"


@dataclass
class SourceViews:
    """Every file view, and the link to any place in them."""

    views: list[FileView] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_path = {view.path: view for view in self.views}

    def __iter__(self) -> Iterator[FileView]:
        return iter(self.views)

    def __len__(self) -> int:
        return len(self.views)

    def get(self, path: str) -> FileView | None:
        return self._by_path.get(path)

    def link(self, path: str, line: int = 0) -> str:
        """``#file-3-L13`` (a line), ``#file-3`` (a file), or ``""`` when not shown."""
        view = self._by_path.get(path)
        if view is None:
            return ""
        if line and view.lines and 1 <= line <= len(view.lines):
            return "#" + view.line_id(line)
        return "#" + view.anchor


def line_finding(finding: Finding) -> LineFinding:
    diff = inline_diff(finding.code, finding.replacement) if finding.replacement else ()
    return LineFinding(
        rule=finding.rule,
        severity=finding.severity,
        title=finding.title or finding.rule,
        message=finding.message,
        test=finding.test,
        diff=diff,
    )


def mark_lines(
    lines: tuple[str, ...] | list[str],
    states: FileLines,
    findings: dict[int, list[LineFinding]] | None = None,
    path: str = "",
    highlight: bool = True,
    highlighter: Callable[[str, tuple[str, ...] | list[str]], list[Markup]] = highlight_lines,
) -> list[SourceLine]:
    """Pair every source line with its mark, its highlighting and its findings.

    ``highlighter``: :func:`highlight_lines`, or a cache's (:class:`HighlightCache`).
    """
    findings = findings or {}
    highlighted = highlighter(path, lines) if highlight else [escape(x) for x in lines]
    marked: list[SourceLine] = []
    for number, text in enumerate(lines, start=1):
        if number in states.missing:
            mark = MISS
        elif number in states.partial:
            mark = PARTIAL
        elif number in states.excluded:
            mark = EXCLUDED
        elif number in states.executed:
            mark = RUN
        else:
            mark = ""
        marked.append(
            SourceLine(
                number=number,
                text=text,
                html=highlighted[number - 1],
                mark=mark,
                note=states.partial.get(number, ""),
                changed=number in states.changed,
                findings=tuple(findings.get(number, ())),
            )
        )
    return marked


def _line_states(result: AuditResult) -> dict[str, FileLines]:
    """Every analysis's line states merged per file (analyses in name order)."""
    merged: dict[str, FileLines] = {}
    for _, analysis in sorted(result.analyses.items()):
        if isinstance(analysis, HasLineStates):
            for path, states in analysis.line_states().items():
                merged.setdefault(path, states)
    return merged


def _summaries(result: AuditResult) -> dict[str, str]:
    """Each file's own metrics as labelled values (``line coverage 75.00% · ...``),
    computed once (an analysis's module metrics may walk all its records)."""
    parts: dict[str, list[str]] = {}
    for _, analysis in sorted(result.analyses.items()):
        for path, values in analysis.module_metrics().items():
            parts.setdefault(path, []).extend(f"{v.label} {metric(v)}" for v in values.values())
    return {path: " · ".join(values) for path, values in parts.items()}


def _by_file(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    files: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.path and not finding.suppressed:
            files.setdefault(finding.path, []).append(finding)
    return files


def _needs_reading(states: FileLines | None, findings: list[Finding]) -> bool:
    return bool(findings) or (states is not None and bool(states.missing or states.partial
                                                           or states.changed))


def source_views(
    result: AuditResult, sources: SourceReader, budget: int = HIGHLIGHT_BUDGET
) -> SourceViews:
    """One view per file that has line states or findings, in path order."""
    states = _line_states(result)
    findings = _by_file(result.report_findings())
    summaries = _summaries(result)
    paths = sorted(set(states) | set(findings))
    read = {path: sources.read(path) for path in paths}
    # the highlighting budget goes to the files a person reads first
    highlighted: set[str] = set()
    for path in sorted(paths, key=lambda p: not _needs_reading(states.get(p), findings.get(p, []))):
        if len(read[path].lines) <= budget:
            budget -= len(read[path].lines)
            highlighted.add(path)
    views: list[FileView] = []
    cache = HighlightCache(sources.root)
    for index, path in enumerate(paths):
        source = read[path]
        on_lines: dict[int, list[LineFinding]] = {}
        whole_file: list[LineFinding] = []
        for finding in findings.get(path, []):
            shown = line_finding(finding)
            if source.available and 1 <= finding.line <= len(source.lines):
                on_lines.setdefault(finding.line, []).append(shown)
            else:
                whole_file.append(shown)
        views.append(
            FileView(
                path=path,
                # An index, not the path: paths may hold any character.
                anchor=f"file-{index}",
                summary=summaries.get(path, ""),
                lines=(
                    mark_lines(source.lines, states.get(path, FileLines()), on_lines, path,
                               highlight=path in highlighted, highlighter=cache.lines)
                    if source.available
                    else []
                ),
                unavailable=source.unavailable,
                file_findings=tuple(whole_file),
            )
        )
    cache.save()
    return SourceViews(views)
