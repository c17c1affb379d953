"""Coverage results: plain dataclasses that roll up with ``+``.

Numbers come from coverage.py's own JSON report of the data our single test
run wrote, and the percentages are recomputed exactly from its counts, so
they agree with ``coverage report`` / ``coverage json`` by construction (and
a test checks that they do).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from auditor.findings import Finding, fingerprint
from auditor.globs import glob_matches
from auditor.lines import FileLines
from auditor.metrics import HIGHER, PERCENT, Metric, MetricSpec
from auditor.model import JSONDict
from auditor.numbers import ratio_percent


@dataclass
class ModuleCoverage:
    """Line and branch coverage of one file (or, summed, of many)."""

    path: str
    statements: int = 0
    covered_lines: int = 0
    missing_lines: list[int] = field(default_factory=list)
    executed_lines: list[int] = field(default_factory=list)
    excluded_lines: list[int] = field(default_factory=list)
    branches: int = 0
    covered_branches: int = 0
    partial_branches: int = 0
    missing_branches: list[list[int]] = field(default_factory=list)
    unparsable: str = ""
    """Why Python (or coverage.py) cannot parse this file; empty for a valid file."""

    def __add__(self, other: ModuleCoverage) -> ModuleCoverage:
        """Sum counts; line lists only make sense per file and are dropped."""
        return ModuleCoverage(
            path="TOTAL",
            statements=self.statements + other.statements,
            covered_lines=self.covered_lines + other.covered_lines,
            branches=self.branches + other.branches,
            covered_branches=self.covered_branches + other.covered_branches,
            partial_branches=self.partial_branches + other.partial_branches,
        )

    @property
    def line_percent(self) -> float:
        return float(ratio_percent(self.covered_lines, self.statements))

    @property
    def branch_percent(self) -> float:
        return float(ratio_percent(self.covered_branches, self.branches))

    @property
    def percent(self) -> float:
        """coverage.py's combined figure: (lines + branches hit) / (lines + branches)."""
        return float(
            ratio_percent(
                self.covered_lines + self.covered_branches, self.statements + self.branches
            )
        )

    def to_dict(self) -> JSONDict:
        data: dict[str, Any] = {
            "line_percent": self.line_percent,
            "branch_percent": self.branch_percent,
            "percent": self.percent,
            "statements": self.statements,
            "covered_lines": self.covered_lines,
            "missing_lines": list(self.missing_lines),
            "executed_lines": list(self.executed_lines),
            "excluded_lines": list(self.excluded_lines),
            "branches": self.branches,
            "covered_branches": self.covered_branches,
            "partial_branches": self.partial_branches,
            "missing_branches": [list(b) for b in self.missing_branches],
        }
        if self.unparsable:
            data["unparsable"] = self.unparsable
        return data

    @classmethod
    def from_dict(cls, path: str, data: JSONDict) -> ModuleCoverage:
        return cls(
            path=path,
            statements=int(data["statements"]),
            covered_lines=int(data["covered_lines"]),
            missing_lines=list(data.get("missing_lines", [])),
            executed_lines=list(data.get("executed_lines", [])),
            excluded_lines=list(data.get("excluded_lines", [])),
            branches=int(data.get("branches", 0)),
            covered_branches=int(data.get("covered_branches", 0)),
            partial_branches=int(data.get("partial_branches", 0)),
            missing_branches=[list(b) for b in data.get("missing_branches", [])],
            unparsable=str(data.get("unparsable", "")),
        )


@dataclass
class DiffCoverage:
    """Coverage of the statements added or changed since ``base``.

    ``percent`` is ``None`` when no statement changed (nothing to measure is
    not 100%). ``skipped_reason`` is set when the small-diff guard keeps the
    changed-lines gate rule from applying.
    """

    base: str
    base_commit: str
    changed_lines: int
    covered_changed_lines: int
    files: dict[str, JSONDict] = field(default_factory=dict)
    min_statements: int = 5
    skipped_reason: str = ""

    @property
    def percent(self) -> float | None:
        if self.changed_lines == 0:
            return None
        return float(ratio_percent(self.covered_changed_lines, self.changed_lines))

    @property
    def gated_percent(self) -> float | None:
        """The value the changed-lines rule compares: ``None`` when the guard skips it."""
        return None if self.skipped_reason else self.percent

    def to_dict(self) -> JSONDict:
        return {
            "base": self.base,
            "base_commit": self.base_commit,
            "changed_lines": self.changed_lines,
            "covered_changed_lines": self.covered_changed_lines,
            "percent": self.percent,
            "gated_percent": self.gated_percent,
            "min_statements": self.min_statements,
            "skipped_reason": self.skipped_reason,
            "files": self.files,
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> DiffCoverage:
        return cls(
            base=data["base"],
            base_commit=data.get("base_commit", ""),
            changed_lines=int(data["changed_lines"]),
            covered_changed_lines=int(data["covered_changed_lines"]),
            files=dict(data.get("files", {})),
            min_statements=int(data.get("min_statements", 5)),
            skipped_reason=data.get("skipped_reason", ""),
        )


@dataclass
class CoverageResult:
    """Coverage of the code under audit, per module and in total."""

    name: ClassVar[str] = "coverage"

    modules: dict[str, ModuleCoverage] = field(default_factory=dict)
    diff: DiffCoverage | None = None
    coverage_version: str = ""
    unparsable_files: list[str] = field(default_factory=list)
    """Files that are not valid Python; each is also in ``modules`` (counted as 0%)."""
    module_thresholds: dict[str, float] = field(default_factory=dict)
    """``[tool.audit.gate] modules``: glob pattern -> the line coverage a module needs."""

    @property
    def total(self) -> ModuleCoverage:
        total = ModuleCoverage(path="TOTAL")
        for module in self.modules.values():
            total = total + module
        return total

    @property
    def line_percent(self) -> float:
        return self.total.line_percent

    @property
    def branch_percent(self) -> float:
        return self.total.branch_percent

    def to_dict(self) -> JSONDict:
        total = self.total
        data: dict[str, Any] = {
            "line_percent": total.line_percent,
            "branch_percent": total.branch_percent,
            "percent": total.percent,
            "statements": total.statements,
            "covered_lines": total.covered_lines,
            "branches": total.branches,
            "covered_branches": total.covered_branches,
            "coverage_version": self.coverage_version,
            "modules": {path: m.to_dict() for path, m in sorted(self.modules.items())},
            "diff": self.diff.to_dict() if self.diff else None,
            "unparsable_files": list(self.unparsable_files),
            "unparsable_count": len(self.unparsable_files),
            "module_thresholds": dict(self.module_thresholds),
        }
        return data

    @classmethod
    def from_dict(cls, data: JSONDict) -> CoverageResult:
        diff = data.get("diff")
        return cls(
            modules={p: ModuleCoverage.from_dict(p, m) for p, m in data["modules"].items()},
            diff=DiffCoverage.from_dict(diff) if diff else None,
            coverage_version=data.get("coverage_version", ""),
            unparsable_files=list(data.get("unparsable_files", [])),
            module_thresholds={k: float(v) for k, v in data.get("module_thresholds", {}).items()},
        )

    def headline_metrics(self) -> dict[str, Metric]:
        metrics = {
            "line_percent": METRICS["line_percent"].of(self.line_percent),
            "branch_percent": METRICS["branch_percent"].of(self.branch_percent),
        }
        if self.diff and self.diff.percent is not None:
            metrics["changed_lines_percent"] = METRICS["changed_lines_percent"].of(
                self.diff.percent
            )
        return metrics

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        line, branch = METRICS["line_percent"], METRICS["branch_percent"]
        return {
            path: {"line_percent": line.of(m.line_percent),
                   "branch_percent": branch.of(m.branch_percent)}
            for path, m in self.modules.items()
        }

    def report_findings(self) -> list[Finding]:
        """Uncovered changed lines, modules under their threshold, unparsable files."""
        found = [_unparsable(path, self.modules.get(path)) for path in self.unparsable_files]
        for pattern, threshold in sorted(self.module_thresholds.items()):
            for path, module in sorted(self.modules.items()):
                if glob_matches(pattern, path) and module.line_percent < threshold:
                    found.append(_under_threshold(path, module, pattern, threshold))
        if self.diff is not None:
            for path, entry in sorted(self.diff.files.items()):
                found += _uncovered_changed(path, [int(n) for n in entry.get("uncovered", [])])
        return found

    def finding_counts(self) -> dict[str, int]:
        return {}

    def line_states(self) -> dict[str, FileLines]:
        """Each module's lines: ran, missed, excluded, partial branches, changed since the base."""
        changed: dict[str, frozenset[int]] = {}
        if self.diff is not None:
            changed = {path: frozenset(int(n) for n in entry.get("changed", []))
                       for path, entry in self.diff.files.items()}
        states: dict[str, FileLines] = {}
        for path, module in self.modules.items():
            untaken: dict[int, list[int]] = {}
            for source, target in module.missing_branches:
                untaken.setdefault(source, []).append(target)
            states[path] = FileLines(
                executed=frozenset(module.executed_lines),
                missing=frozenset(module.missing_lines),
                excluded=frozenset(module.excluded_lines),
                # coverage.py writes a jump out of a code object as a negative line
                partial={line: "never jumped to " + ", ".join(
                    "exit" if t < 0 else f"line {t}" for t in targets)
                    for line, targets in untaken.items()},
                changed=changed.get(path, frozenset()),
            )
        for path, lines in changed.items():
            states.setdefault(path, FileLines(changed=lines))
        return states


METRICS: dict[str, MetricSpec] = {
    "line_percent": MetricSpec(PERCENT, HIGHER, "line coverage", headline=1),
    "branch_percent": MetricSpec(PERCENT, HIGHER, "branch coverage", headline=2),
    "changed_lines_percent": MetricSpec(PERCENT, HIGHER, "changed-lines coverage"),
}
"""Every metric the coverage analysis reports, declared once."""


def _unparsable(path: str, module: ModuleCoverage | None) -> Finding:
    error = module.unparsable if module is not None else ""
    return Finding(
        analysis="coverage",
        rule="unparsable-file",
        severity="error",
        path=path,
        line=0,
        message=f"not valid Python: {error}" if error else "not valid Python",
        fingerprint=fingerprint("unparsable-file", path),
        title="source file that is not valid Python",
        help="coverage.py could not parse this file, so none of it is measured (it counts "
        "as 0% covered). Fix the syntax or the encoding, or leave it out of the packages.",
    )


def _under_threshold(path: str, module: ModuleCoverage, pattern: str, threshold: float) -> Finding:
    return Finding(
        analysis="coverage",
        rule="module-under-threshold",
        severity="error",
        path=path,
        line=0,
        message=f"line coverage {module.line_percent:.2f}% is under the {threshold:g}% "
        f"required for {pattern}",
        fingerprint=fingerprint("module-under-threshold", path, pattern),
        title="module covered less than its threshold",
        help="[tool.audit.gate] modules sets the line coverage these modules need; add tests "
        "that run the missing lines (listed in the coverage section of the report).",
    )


def _uncovered_changed(path: str, lines: list[int]) -> list[Finding]:
    """One finding per run of consecutive uncovered changed lines."""
    runs: list[list[int]] = []
    for line in sorted(lines):
        if runs and line == runs[-1][-1] + 1:
            runs[-1].append(line)
        else:
            runs.append([line])
    return [
        Finding(
            analysis="coverage",
            rule="uncovered-changed-lines",
            severity="warning",
            path=path,
            line=run[0],
            end_line=run[-1],
            message=f"{len(run)} changed line(s) that no test runs",
            # The source is not in the result: the n-th uncovered run of the file
            # (stable while the change is worked on, not across unrelated edits above).
            fingerprint=fingerprint("uncovered-changed-lines", path, ordinal),
            title="changed lines that no test runs",
            help="These lines changed since the base and no test executed them.",
        )
        for ordinal, run in enumerate(runs)
    ]
