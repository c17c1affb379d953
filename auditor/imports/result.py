"""Import-validation results.

``import_seconds`` holds the time each module took to import in its
isolated child (its own code plus whatever of the packages it pulls in; the
library modules preloaded by the warm parent are not counted). ``mode`` says
how modules were isolated (``fork`` from a warm parent, or ``fresh``: one
interpreter per module), ``python`` which interpreter imported them, and
``notes`` anything that qualifies the result (a preloaded module dropped
because it crashed the parent, a failure seen only after a fork...).

Each failure carries its ``cause`` (:data:`CAUSES`, decided by
:mod:`auditor.imports.causes`); only the causes in :data:`GATED_CAUSES` count
in ``failure_count`` and the default ``import_failures`` gate rule. ``writes``
are the files modules wrote (or tried to write) at import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from auditor.findings import Finding, fingerprint
from auditor.metrics import COUNT, HIGHER, LOWER, SECONDS, Metric, MetricSpec
from auditor.model import JSONDict

FIRST_PARTY = "first-party"
REQUIRED_MISSING = "required-missing"
OPTIONAL_MISSING = "optional-missing"
UNDECLARED = "undeclared"
PLATFORM = "platform"
CAUSES = (FIRST_PARTY, REQUIRED_MISSING, OPTIONAL_MISSING, UNDECLARED, PLATFORM)
GATED_CAUSES = frozenset({FIRST_PARTY, REQUIRED_MISSING})
CAUSE_LABELS = {
    FIRST_PARTY: "first-party error",
    REQUIRED_MISSING: "required dependency missing (environment error)",
    OPTIONAL_MISSING: "optional dependency missing",
    UNDECLARED: "undeclared third-party import",
    PLATFORM: "not available on this platform",
}


@dataclass
class ImportFailure:
    """A module that could not be imported on its own.

    ``error_type`` is the exception class name (``ImportError``,
    ``SyntaxError``...), or one of ``SystemExit`` (``sys.exit()`` at import),
    ``Timeout`` (the import hung past the per-module timeout) and ``Crash``
    (the interpreter died, e.g. a segfault; ``message`` names the signal).
    ``cause`` is one of :data:`CAUSES`; ``missing`` the module that was not
    found (or lacked the imported name), ``distribution`` the distribution
    it belongs to when known, ``reason`` one line on why this cause.
    """

    module: str
    error_type: str
    message: str
    path: str = ""
    line: int | None = None
    cause: str = FIRST_PARTY
    missing: str = ""
    distribution: str = ""
    reason: str = ""

    @property
    def gated(self) -> bool:
        return self.cause in GATED_CAUSES

    def to_dict(self) -> JSONDict:
        return {
            "module": self.module,
            "error_type": self.error_type,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "cause": self.cause,
            "missing": self.missing,
            "distribution": self.distribution,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> ImportFailure:
        return cls(
            module=data["module"],
            error_type=data["error_type"],
            message=data["message"],
            path=data.get("path", ""),
            line=data.get("line"),
            cause=data.get("cause", FIRST_PARTY),
            missing=data.get("missing", ""),
            distribution=data.get("distribution", ""),
            reason=data.get("reason", ""),
        )


@dataclass
class ImportWrite:
    """A file a module wrote, or tried to write, while it was imported.

    ``where`` is ``project`` (the project tree: the write was blocked, so the
    tree stays as it was), ``cwd`` (the scratch working directory the import
    ran in: a relative path) or ``home`` (the scratch ``HOME``); ``path`` is
    relative to that place. ``action`` is the audit event (``open``,
    ``os.mkdir``, ``os.rename``...), or ``created``/``changed``/``removed``
    when the write was found afterwards (C code, a subprocess). ``file`` and
    ``line`` are the project code that asked for it, when known;
    ``stopped_import`` says the import ended at the blocked write, so the
    rest of the module was not checked. ``module`` is empty when a change in
    the tree was found but no module could be named.
    """

    module: str
    where: str
    path: str
    action: str
    blocked: bool = False
    file: str = ""
    line: int | None = None
    stopped_import: bool = False

    @property
    def shown_path(self) -> str:
        """``src/pkg/cache.json``, ``./app.log`` or ``~/.cache/pkg``."""
        prefix = {"cwd": "./", "home": "~/"}.get(self.where, "")
        return prefix + self.path

    def to_dict(self) -> JSONDict:
        return {
            "module": self.module,
            "where": self.where,
            "path": self.path,
            "shown_path": self.shown_path,
            "action": self.action,
            "blocked": self.blocked,
            "file": self.file,
            "line": self.line,
            "stopped_import": self.stopped_import,
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> ImportWrite:
        return cls(
            module=data["module"],
            where=data["where"],
            path=data["path"],
            action=data["action"],
            blocked=bool(data.get("blocked", False)),
            file=data.get("file", ""),
            line=data.get("line"),
            stopped_import=bool(data.get("stopped_import", False)),
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
    writes: list[ImportWrite] = field(default_factory=list)
    dependency_sources: list[str] = field(default_factory=list)  # where declarations were read

    @property
    def gated_failures(self) -> list[ImportFailure]:
        """First-party errors and missing required dependencies: what ``import_failures`` gates."""
        return [f for f in self.failures if f.gated]

    def cause_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(CAUSES, 0)
        for failure in self.failures:
            counts[failure.cause] = counts.get(failure.cause, 0) + 1
        return counts

    def to_dict(self) -> JSONDict:
        return {
            "modules_checked": self.modules_checked,
            "failure_count": len(self.gated_failures),
            "cause_counts": self.cause_counts(),
            "cycle_count": len(self.cycles),
            "write_count": len(self.writes),
            "failures": [f.to_dict() for f in self.failures],
            "writes": [w.to_dict() for w in self.writes],
            "dependency_sources": list(self.dependency_sources),
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
            writes=[ImportWrite.from_dict(w) for w in data.get("writes", [])],
            dependency_sources=[str(s) for s in data.get("dependency_sources", [])],
        )

    def headline_metrics(self) -> dict[str, Metric]:
        """The gated failures and cycles always; the ungated causes and writes when present.

        Leaving zeros of the ungated kinds out keeps the totals line of every
        report to what matters on most projects.
        """
        counts = self.cause_counts()
        values = {
            "modules_checked": float(self.modules_checked),
            "import_failures": float(len(self.gated_failures)),
        }
        optional = {
            "import_optional_missing_failures": counts[OPTIONAL_MISSING],
            "import_undeclared_failures": counts[UNDECLARED],
            "import_platform_failures": counts[PLATFORM],
            "import_write_findings": len(self.writes),
        }
        values.update({name: float(n) for name, n in optional.items() if n})
        values["import_cycles"] = float(len(self.cycles))
        return {name: METRICS[name].of(value) for name, value in values.items()}

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        spec = METRICS["import_seconds"]
        return {m: {"import_seconds": spec.of(s)} for m, s in self.import_seconds.items()}

    def report_findings(self) -> list[Finding]:
        """Import failures, writes at import and cycles, in the findings contract."""
        found = [_failure_finding(f) for f in self.failures]
        found += [_write_finding(w) for w in self.writes]
        found += [_cycle_finding(c) for c in self.cycles]
        return found

    def finding_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for failure in self.failures:
            key = f"import-{failure.cause}"
            counts[key] = counts.get(key, 0) + 1
        if self.writes:
            counts["import-writes"] = len(self.writes)
        return counts


METRICS: dict[str, MetricSpec] = {
    "modules_checked": MetricSpec(COUNT, HIGHER, "modules checked"),
    "import_failures": MetricSpec(
        COUNT, LOWER, "modules that fail to import", alarm="{value} modules fail to import."
    ),
    "import_optional_missing_failures": MetricSpec(
        COUNT, LOWER, "imports of missing optional modules"
    ),
    "import_undeclared_failures": MetricSpec(COUNT, LOWER, "imports of undeclared dependencies"),
    "import_platform_failures": MetricSpec(COUNT, LOWER, "imports of other platforms' modules"),
    "import_write_findings": MetricSpec(COUNT, LOWER, "files written at import"),
    "import_cycles": MetricSpec(COUNT, LOWER, "import cycles"),
    "import_seconds": MetricSpec(SECONDS, LOWER, "import time"),
}
"""Every metric the imports analysis reports, declared once."""

_CAUSE_SEVERITY = {UNDECLARED: "warning", OPTIONAL_MISSING: "note", PLATFORM: "note"}
_FAILURE_TITLE = "module of the package cannot be imported on its own"
_FAILURE_HELP = (
    "The imports analysis imported each module in a fresh interpreter and it failed. "
    "A module that cannot be imported alone breaks whoever imports it first."
)
_WRITE_TITLE = "module writes a file when it is imported"
_WRITE_HELP = (
    "Importing the module wrote (or tried to write) a file: into the project, the working "
    "directory or the home directory. Imports should not have side effects on disk."
)
_CYCLE_TITLE = "modules import each other in a cycle"
_CYCLE_HELP = (
    "A cycle makes the result of an import depend on which module is imported first; "
    "move what both need into a module that imports neither."
)


def _failure_finding(failure: ImportFailure) -> Finding:
    return Finding(
        analysis="imports",
        rule="import-failure",
        severity=_CAUSE_SEVERITY.get(failure.cause, "error"),
        path=failure.path,
        line=int(failure.line or 0),
        message=f"{failure.module}: {failure.error_type}: {failure.message} ({failure.cause})",
        fingerprint=fingerprint("import-failure", failure.module, failure.error_type),
        title=_FAILURE_TITLE,
        help=_FAILURE_HELP,
    )


def _write_finding(write: ImportWrite) -> Finding:
    return Finding(
        analysis="imports",
        rule="import-writes",
        severity="warning",
        path=write.file,
        line=int(write.line or 0),
        message=f"{write.module or 'an import'} writes {write.shown_path} at import",
        fingerprint=fingerprint("import-writes", write.module, write.where, write.path),
        title=_WRITE_TITLE,
        help=_WRITE_HELP,
    )


def _cycle_finding(cycle: list[str]) -> Finding:
    return Finding(
        analysis="imports",
        rule="import-cycle",
        severity="warning",
        path="",
        line=0,
        message="import cycle: " + " -> ".join([*cycle, cycle[0]] if cycle else cycle),
        fingerprint=fingerprint("import-cycle", *sorted(cycle)),
        title=_CYCLE_TITLE,
        help=_CYCLE_HELP,
    )
