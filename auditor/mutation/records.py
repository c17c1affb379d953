"""The mutation result's parts: one record per mutant, counts of them, and per module.

:class:`MutantRecord` is one mutant's verdict, where it is and which tests
cover and kill it; :class:`Counts` rolls records up into the scores (exact
fractions until display, see :mod:`auditor.numbers`); :class:`ModuleInfo`
and :class:`NotMutated` say what of a module was mutated and what was not,
and why. :mod:`auditor.mutation.result` composes them into the analysis's
result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from auditor.model import JSONDict
from auditor.mutation import status as st
from auditor.mutation.identity import category
from auditor.numbers import ratio_percent


@dataclass
class MutantRecord:
    """One mutant: its verdict, where it is, and which tests cover/kill it."""

    id: str  # mutmut's key, e.g. "pkg.mod.xǁBoxǁgrow__mutmut_1"
    path: str  # source file, relative to the project root (posix)
    module: str  # dotted module name
    function: str  # qualified name in the module, e.g. "Box.grow"
    status: str
    exit_code: int | None = None
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    original: str = ""
    mutated: str = ""
    diff: str = ""
    covered_by: list[str] = field(default_factory=list)
    killed_by: list[str] | None = None  # None: the kill matrix did not run
    duration_seconds: float | None = None
    # why it survived (auditor.mutation.explain.Explanation.to_dict), when it was explained
    explanation: JSONDict | None = None
    # a survivor listed in [tool.audit.mutation] equivalent: left out of the score, counted
    equivalent: bool = False

    @property
    def detected(self) -> bool:
        return self.status in st.DETECTED

    @property
    def valid(self) -> bool:
        return self.status not in st.INVALID and not self.equivalent

    def to_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "path": self.path,
            "module": self.module,
            "function": self.function,
            "status": self.status,
            "exit_code": self.exit_code,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "original": self.original,
            "mutated": self.mutated,
            "diff": self.diff,
            "category": category(self.original, self.mutated),
            "covered_by": list(self.covered_by),
            "killed_by": None if self.killed_by is None else list(self.killed_by),
            "duration_seconds": self.duration_seconds,
            "explanation": self.explanation,
            "equivalent": self.equivalent,
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> MutantRecord:
        killed_by = data.get("killed_by")
        return cls(
            id=data["id"],
            path=data["path"],
            module=data.get("module", ""),
            function=data.get("function", ""),
            status=data["status"],
            exit_code=data.get("exit_code"),
            line=int(data.get("line", 0)),
            column=int(data.get("column", 0)),
            end_line=int(data.get("end_line", 0)),
            end_column=int(data.get("end_column", 0)),
            original=data.get("original", ""),
            mutated=data.get("mutated", ""),
            diff=data.get("diff", ""),
            covered_by=list(data.get("covered_by", [])),
            killed_by=None if killed_by is None else list(killed_by),
            duration_seconds=data.get("duration_seconds"),
            explanation=data.get("explanation"),
            equivalent=bool(data.get("equivalent", False)),
        )


@dataclass
class Counts:
    """Mutants by status, and the two scores derived from them."""

    by_status: Counter[str] = field(default_factory=Counter)
    covered_valid: int = 0
    covered_detected: int = 0
    equivalent: int = 0  # survivors declared equivalent: out of `valid`, shown apart

    def add(self, mutant: MutantRecord) -> None:
        self.by_status[mutant.status] += 1
        self.equivalent += int(mutant.equivalent)
        if mutant.valid and mutant.covered_by:
            self.covered_valid += 1
            self.covered_detected += int(mutant.detected)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def valid(self) -> int:
        return self.total - sum(self.by_status[s] for s in st.INVALID) - self.equivalent

    @property
    def detected(self) -> int:
        return sum(self.by_status[s] for s in st.DETECTED)

    @property
    def score(self) -> float | None:
        """None when there is no valid mutant: nothing measured is not 100%."""
        return float(ratio_percent(self.detected, self.valid)) if self.valid else None

    @property
    def covered_score(self) -> float | None:
        if not self.covered_valid:
            return None
        return float(ratio_percent(self.covered_detected, self.covered_valid))

    def status_dict(self) -> dict[str, int]:
        return {s: self.by_status[s] for s in st.ALL_STATUSES}

    def to_dict(self) -> JSONDict:
        return {
            "score": self.score,
            "covered_score": self.covered_score,
            "total": self.total,
            "valid": self.valid,
            "detected": self.detected,
            "counts": self.status_dict(),
            "equivalent": self.equivalent,
        }


def count(mutants: list[MutantRecord]) -> Counts:
    counts = Counts()
    for mutant in mutants:
        counts.add(mutant)
    return counts


@dataclass
class ModuleInfo:
    """Statement counts of one source file, for the share of mutable code."""

    path: str
    statements: int = 0
    mutable_statements: int = 0

    @property
    def mutable_share(self) -> float:
        return float(ratio_percent(self.mutable_statements, self.statements))

    def to_dict(self) -> JSONDict:
        return {
            "statements": self.statements,
            "mutable_statements": self.mutable_statements,
            "mutable_share": self.mutable_share,
        }


@dataclass
class NotMutated:
    """Code mutmut left alone, and why (module-level code, class body, decorator...)."""

    path: str
    line: int
    end_line: int
    kind: str  # module_code | class_body | function
    name: str
    reason: str

    def to_dict(self) -> JSONDict:
        return {
            "path": self.path,
            "line": self.line,
            "end_line": self.end_line,
            "kind": self.kind,
            "name": self.name,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> NotMutated:
        return cls(**{k: data[k] for k in ("path", "line", "end_line", "kind", "name", "reason")})
