"""Type-check results: mypy's errors, each marked new or in the baseline.

``errors`` are mypy's ``error:`` lines, each with the module it is in and
whether the baseline covers it (``new``). ``baseline_fixed`` counts the
baseline occurrences no longer reported: legacy errors someone fixed.
``baseline`` is the baseline file's path relative to the root (``""``
when the project has none: then every error is new).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import ClassVar

from auditor.findings import Finding
from auditor.metrics import COUNT, HIGHER, LOWER, SECONDS, Metric, MetricSpec
from auditor.model import JSONDict

METRICS: dict[str, MetricSpec] = {
    "type_errors": MetricSpec(COUNT, LOWER, "type errors"),
    "type_errors_new": MetricSpec(COUNT, LOWER, "type errors not in the baseline",
                                  alarm="{value} type errors are not in the baseline."),
    "type_errors_fixed": MetricSpec(COUNT, HIGHER, "baseline type errors fixed"),
    "typecheck_files": MetricSpec(COUNT, HIGHER, "files type-checked"),
    "typecheck_seconds": MetricSpec(SECONDS, LOWER, "type-check time"),
}
"""Every metric the typecheck analysis reports, declared once."""

_TITLE = "mypy reports a type error"
_HELP = (
    "mypy, run with the project's own configuration, reports this error. Fix the code or "
    "its annotations; an error the project accepts for now belongs in the baseline "
    "(`audit typecheck --write-baseline`), which the gate key type_errors_new ignores."
)


@dataclass(frozen=True)
class TypeCheckError:
    """One mypy error: where, its code and message, its identity, and whether it is new."""

    path: str
    module: str
    line: int
    column: int
    code: str
    message: str
    fingerprint: str
    new: bool = True

    def to_dict(self) -> JSONDict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: JSONDict) -> TypeCheckError:
        return cls(str(data["path"]), str(data["module"]), int(data["line"]),
                   int(data.get("column", 1)), str(data["code"]), str(data["message"]),
                   str(data["fingerprint"]), bool(data.get("new", True)))  # fmt: skip


@dataclass
class TypecheckResult:
    """mypy's verdict on the packages, against the baseline."""

    name: ClassVar[str] = "typecheck"

    errors: list[TypeCheckError] = field(default_factory=list)
    files_checked: int = 0
    baseline: str = ""
    baseline_fixed: int = 0
    baseline_written: bool = False
    strict: bool = False
    mypy: str = ""  # "project" (its own interpreter's mypy) or "auditor" (ours)
    mypy_version: str = ""
    command: list[str] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def new_errors(self) -> list[TypeCheckError]:
        return [e for e in self.errors if e.new]

    def modules(self) -> dict[str, JSONDict]:
        """Per file: its module, its errors and how many of them are new."""
        out: dict[str, JSONDict] = {}
        for error in self.errors:
            entry = out.setdefault(error.path, {"module": error.module, "errors": 0, "new": 0})
            entry["errors"] += 1
            entry["new"] += int(error.new)
        return dict(sorted(out.items()))

    def to_dict(self) -> JSONDict:
        return {
            "error_count": len(self.errors),
            "new_error_count": len(self.new_errors),
            "baseline_error_count": len(self.errors) - len(self.new_errors),
            "baseline_fixed": self.baseline_fixed,
            "baseline": self.baseline,
            "baseline_written": self.baseline_written,
            "files_checked": self.files_checked,
            "by_code": dict(sorted(Counter(e.code for e in self.errors).items())),
            "modules": self.modules(),
            "errors": [e.to_dict() for e in self.errors],
            "strict": self.strict,
            "mypy": self.mypy,
            "mypy_version": self.mypy_version,
            "command": list(self.command),
            "seconds": self.seconds,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> TypecheckResult:
        return cls(
            errors=[TypeCheckError.from_dict(e) for e in data.get("errors", [])],
            files_checked=int(data.get("files_checked", 0)),
            baseline=str(data.get("baseline", "")),
            baseline_fixed=int(data.get("baseline_fixed", 0)),
            baseline_written=bool(data.get("baseline_written", False)),
            strict=bool(data.get("strict", False)),
            mypy=str(data.get("mypy", "")),
            mypy_version=str(data.get("mypy_version", "")),
            command=[str(c) for c in data.get("command", [])],
            seconds=float(data.get("seconds", 0.0)),
            notes=[str(n) for n in data.get("notes", [])],
        )

    def headline_metrics(self) -> dict[str, Metric]:
        values = {
            "type_errors": len(self.errors),
            "type_errors_new": len(self.new_errors),
            "typecheck_files": self.files_checked,
            "typecheck_seconds": self.seconds,
        }
        if self.baseline:
            values["type_errors_fixed"] = self.baseline_fixed
        return {name: METRICS[name].of(value) for name, value in values.items()}

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        spec = METRICS["type_errors"]
        return {path: {"type_errors": spec.of(m["errors"])} for path, m in self.modules().items()}

    def finding_counts(self) -> dict[str, int]:
        return {"type-error": len(self.new_errors)} if self.new_errors else {}

    def report_findings(self) -> list[Finding]:
        """One finding per error on its line; baseline errors are suppressed ones."""
        return [
            Finding(
                analysis="typecheck",
                rule="type-error",
                severity="error",
                path=e.path,
                line=e.line,
                column=e.column,
                message=f"{e.message} [{e.code}]",
                fingerprint=e.fingerprint,
                title=_TITLE,
                help=_HELP,
                suppressed=not e.new,
                suppression_reason="" if e.new else f"in the baseline {self.baseline}",
            )
            for e in self.errors
        ]
