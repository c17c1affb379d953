"""What a person does first: the verdict, the failed rules with their next step, the
findings that matter most. Shown at the top of ``index.html``, ``report.md`` and the
terminal summary, computed once here from the model.

Generic over the contracts, so it names no analysis:

* gate rules (:class:`auditor.model.RuleResult`) with their measured value and
  threshold; rules whose ids are ``<rule>:<file>`` (a module glob expanded to
  one rule per file) are summarised as one rule listing its files;
* findings (:class:`auditor.findings.Finding`), ranked: most severe first; then
  those of an analysis whose rule failed; then those on lines changed since the
  base (line states, :mod:`auditor.lines`); and within each of those bands the
  rules take turns, so ten findings of one rule do not hide every other kind;
* a failed percentage rule's next step is the analysis's first finding on a line
  changed since the base, else its weakest module by its declared module metrics
  (:mod:`auditor.metrics`); a failed count rule's is the analysis's first finding.

``link(path, line)`` turns a place into an href (the HTML source views); the
Markdown and the terminal pass none and show ``path:line``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import zip_longest

from auditor.findings import SEVERITY_RANK, Finding
from auditor.lines import HasLineStates
from auditor.metrics import PERCENT, THEATER_GAP_INPUTS, Metric
from auditor.model import AuditResult, JSONDict
from auditor.reports.diffs import DiffPart, inline_diff
from auditor.reports.templates import metric, points

Link = Callable[[str, int], str]
FIX_FIRST_SHOWN = 10


def no_link(path: str, line: int) -> str:
    del path, line
    return ""


def where(path: str, line: int = 0, end_line: int | None = None) -> str:
    """``src/a.py:3-5``, ``src/a.py:3``, ``src/a.py``."""
    if not path:
        return ""
    if line and end_line and end_line > line:
        return f"{path}:{line}-{end_line}"
    return f"{path}:{line}" if line else path


@dataclass(frozen=True)
class Step:
    """The one thing to do about a failed rule, and where."""

    text: str
    where: str = ""
    href: str = ""


@dataclass(frozen=True)
class Item:
    """One finding of the fix-first list, formatted."""

    severity: str
    rule: str
    title: str
    message: str
    where: str
    href: str
    analysis: str
    test: str = ""
    diff: tuple[DiffPart, ...] = ()
    """The code as the finding would replace it (a surviving mutant), as an inline diff."""
    more: int = 0
    """Further findings of the same rule on the same line (shown there, not listed here)."""


@dataclass(frozen=True)
class Gap:
    """A module whose tests run its code but check little of it (the theater gap)."""

    path: str
    text: str
    href: str


@dataclass
class FixFirst:
    """The verdict, the failed rules (each with its step) and the ranked findings."""

    verdict: str  # passed, failed, disabled
    failed: list[tuple[JSONDict, Step]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    total: int = 0
    gaps: list[Gap] = field(default_factory=list)

    @property
    def not_shown(self) -> int:
        return max(0, self.total - sum(1 + item.more for item in self.items))


def changed_lines(result: AuditResult) -> dict[str, frozenset[int]]:
    """Lines changed since the base, per file, from any analysis's line states."""
    changed: dict[str, frozenset[int]] = {}
    for _, analysis in sorted(result.analyses.items()):
        if isinstance(analysis, HasLineStates):
            for path, states in analysis.line_states().items():
                if states.changed:
                    changed[path] = changed.get(path, frozenset()) | states.changed
    return changed


def _on_changed_line(finding: Finding, changed: dict[str, frozenset[int]]) -> bool:
    lines = changed.get(finding.path, frozenset())
    last = finding.end_line or finding.line
    return any(n in lines for n in range(finding.line, last + 1)) if finding.line else False


def rank(result: AuditResult) -> list[Finding]:
    """The active findings of every analysis in fix-first order (see the module doc)."""
    failing = {r.analysis for r in result.gate.failed_rules}
    changed = changed_lines(result)
    bands: dict[tuple[int, bool, bool], dict[str, list[Finding]]] = {}
    for finding in result.report_findings():  # already by severity, place and rule
        if finding.suppressed:
            continue
        band = (
            SEVERITY_RANK[finding.severity],
            finding.analysis not in failing,
            not _on_changed_line(finding, changed),
        )
        bands.setdefault(band, {}).setdefault(finding.rule, []).append(finding)
    ordered: list[Finding] = []
    for band in sorted(bands):
        rules = bands[band]
        # the rules take turns, in rule order; each keeps its own (place) order
        for turn in zip_longest(*(rules[name] for name in sorted(rules))):
            ordered.extend(f for f in turn if f is not None)
    return ordered


def by_place(ranked: list[Finding]) -> list[tuple[Finding, int]]:
    """The findings with one entry per rule and line (the first), with how many more
    of that rule are on that line: five survivors of one line are one thing to fix."""
    firsts: dict[tuple[str, str, int], int] = {}
    grouped: list[tuple[Finding, int]] = []
    for finding in ranked:
        key = (finding.rule, finding.path, finding.line)
        if finding.line and key in firsts:
            first, more = grouped[firsts[key]]
            grouped[firsts[key]] = (first, more + 1)
            continue
        firsts[key] = len(grouped)
        grouped.append((finding, 0))
    return grouped


GAPS_SHOWN = 3


def theater_gaps(result: AuditResult, link: Link = no_link, limit: int = GAPS_SHOWN) -> list[Gap]:
    """The modules with the widest theater gap (line coverage minus mutation score), widest
    first, at most ``limit``: high coverage, low score. Read from the model's ``derived``
    gaps and the declared module metrics, whichever analyses measure them."""
    wanted = set(THEATER_GAP_INPUTS)
    measured: dict[str, dict[str, Metric]] = {}
    for _, analysis in sorted(result.analyses.items()):
        for path, values in analysis.module_metrics().items():
            for name, value in values.items():
                if name in wanted:
                    measured.setdefault(path, {}).setdefault(name, value)
    widest = sorted(
        ((values["theater_gap"], path) for path, values in result.derived()["modules"].items()
         if values["theater_gap"] > 0),
        key=lambda item: (-item[0], item[1]),
    )
    gaps = []
    for gap, path in widest[:limit]:
        parts = [f"{m.label} {metric(m)}" for _, m in sorted(measured.get(path, {}).items())]
        text = f"{', '.join(parts)}: a gap of {points(gap)}" if parts else f"a gap of {points(gap)}"
        gaps.append(Gap(path, text, link(path, 0)))
    return gaps


def _weakest_module(result: AuditResult, analysis: str) -> tuple[str, str] | None:
    """``(path, "line coverage 40.00%")``: the module lowest in the analysis's first
    declared per-module percentage (coverage: lines; mutation: the score)."""
    source = result.analyses.get(analysis)
    if source is None:
        return None
    lowest: tuple[float, str, str] | None = None
    chosen = ""
    for path, values in sorted(source.module_metrics().items()):
        for name, value in values.items():
            if value.unit != PERCENT or not value.spec.higher_is_better:
                continue
            chosen = chosen or name
            if name != chosen or value.value >= 100:
                continue
            candidate = (value.value, path, f"{value.label} {metric(value)}")
            if lowest is None or candidate < lowest:
                lowest = candidate
    return None if lowest is None else (lowest[1], lowest[2])


def _fix(finding: Finding, link: Link) -> Step:
    place = where(finding.path, finding.line, finding.end_line)
    title = finding.title or finding.rule
    # with a place, the title says enough (the list below has the message); without
    # one, the message says which thing it is
    text = f"fix this first: {title}" if place else f"fix this first: {finding.message} ({title})"
    return Step(text, place, link(finding.path, finding.line))


def next_step(rule: JSONDict, result: AuditResult, ranked: list[Finding], link: Link,
              changed: dict[str, frozenset[int]] | None = None) -> Step:
    """The one thing to do about a failed rule (or a failed member of a glob rule).

    A file's own rule: that file. A percentage to raise: the analysis's first finding
    on a line changed since the base (the change under review), else its weakest
    module. A count to lower: the analysis's first finding.
    """
    subject = rule.get("subject", "")
    if subject:
        return Step(f"add tests that run more of this file (now {rule['measured_text']})",
                    subject, link(subject, 0))
    own = [f for f in ranked if f.analysis == rule["analysis"]]
    if rule.get("percent", True) and rule["comparison"] == ">=":
        in_change = [f for f in own if _on_changed_line(f, changed or {})]
        if in_change:
            return _fix(in_change[0], link)
        weakest = _weakest_module(result, rule["analysis"])
        if weakest is not None:
            path, value = weakest
            return Step(f"add tests for the weakest module, at {value}", path, link(path, 0))
    if own:
        return _fix(own[0], link)
    return Step(f"see the {rule['analysis']} section", "", f"#analysis-{rule['analysis']}")


def build(result: AuditResult, rules: list[JSONDict], link: Link = no_link,
          limit: int = FIX_FIRST_SHOWN) -> FixFirst:
    """The fix-first view; ``rules`` are the gate rows (failed first, globs grouped)."""
    gate = result.gate
    verdict = "disabled" if not gate.enabled else ("passed" if gate.passed else "failed")
    ranked = rank(result)
    changed = changed_lines(result)
    failed: list[tuple[JSONDict, Step]] = []
    for row in rules:
        if row["status"] != "failed":
            continue
        members = [m for m in row.get("members", []) if m["status"] == "failed"]
        for target in members or [row]:
            failed.append((target, next_step(target, result, ranked, link, changed)))
    items = [
        Item(
            severity=f.severity,
            rule=f.rule,
            title=f.title or f.rule,
            message=f.message,
            where=where(f.path, f.line, f.end_line),
            href=link(f.path, f.line),
            analysis=f.analysis,
            test=f.test,
            diff=inline_diff(f.code, f.replacement) if f.replacement else (),
            more=more,
        )
        for f, more in by_place(ranked)[:limit]
    ]
    return FixFirst(verdict=verdict, failed=failed, items=items, total=len(ranked),
                    gaps=theater_gaps(result, link))
