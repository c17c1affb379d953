"""Import-validation results.

``import_seconds`` holds the time each module took to import in its
isolated child (its own code plus whatever of the packages it pulls in; the
library modules preloaded by the warm parent are not counted). ``mode`` says
how modules were isolated (``fork`` from a warm parent, or ``fresh``: one
interpreter per module), ``python`` which interpreter imported them, and
``notes`` anything that qualifies the result (a preloaded module dropped
because it crashed the parent, a failure seen only after a fork...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from auditor.model import JSONDict


@dataclass
class ImportFailure:
    """A module that could not be imported on its own.

    ``error_type`` is the exception class name (``ImportError``,
    ``SyntaxError``...), or one of ``SystemExit`` (``sys.exit()`` at import),
    ``Timeout`` (the import hung past the per-module timeout) and ``Crash``
    (the interpreter died, e.g. a segfault; ``message`` names the signal).
    """

    module: str
    error_type: str
    message: str
    path: str = ""
    line: int | None = None

    def to_dict(self) -> JSONDict:
        return {
            "module": self.module,
            "error_type": self.error_type,
            "message": self.message,
            "path": self.path,
            "line": self.line,
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> ImportFailure:
        return cls(
            module=data["module"],
            error_type=data["error_type"],
            message=data["message"],
            path=data.get("path", ""),
            line=data.get("line"),
        )


@dataclass
class ImportsResult:
    """Every module of the packages imported in isolation, plus static cycles."""

    name: ClassVar[str] = "imports"

    modules_checked: int = 0
    failures: list[ImportFailure] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)
    import_seconds: dict[str, float] = field(default_factory=dict)
    timeout_seconds: float = 10.0
    mode: str = ""
    python: str = ""
    preloaded: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> JSONDict:
        return {
            "modules_checked": self.modules_checked,
            "failure_count": len(self.failures),
            "cycle_count": len(self.cycles),
            "failures": [f.to_dict() for f in self.failures],
            "cycles": [list(c) for c in self.cycles],
            "import_seconds": dict(sorted(self.import_seconds.items())),
            "timeout_seconds": self.timeout_seconds,
            "mode": self.mode,
            "python": self.python,
            "preloaded": self.preloaded,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> ImportsResult:
        return cls(
            modules_checked=int(data["modules_checked"]),
            failures=[ImportFailure.from_dict(f) for f in data.get("failures", [])],
            cycles=[list(c) for c in data.get("cycles", [])],
            import_seconds=dict(data.get("import_seconds", {})),
            timeout_seconds=float(data.get("timeout_seconds", 10.0)),
            mode=str(data.get("mode", "")),
            python=str(data.get("python", "")),
            preloaded=int(data.get("preloaded", 0)),
            notes=[str(n) for n in data.get("notes", [])],
        )

    def headline_metrics(self) -> dict[str, float]:
        return {
            "modules_checked": float(self.modules_checked),
            "import_failures": float(len(self.failures)),
            "import_cycles": float(len(self.cycles)),
        }

    def module_metrics(self) -> dict[str, dict[str, float]]:
        return {m: {"import_seconds": s} for m, s in self.import_seconds.items()}

    def finding_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for failure in self.failures:
            key = f"import-{failure.error_type}"
            counts[key] = counts.get(key, 0) + 1
        return counts
