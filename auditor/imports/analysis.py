"""The import-validation analysis: every module imports on its own, and no cycles.

A test suite only imports what its tests import; a module nobody tests can
be broken (a missing dependency, a syntax error, a ``sys.exit()`` at import)
without any test failing. This analysis finds every module of the packages
statically (:mod:`auditor.imports.discovery`), imports each one in
isolation in the project's own interpreter (:mod:`auditor.imports.checker`
driving ``_worker.py``), and reports the import cycles of the static import
graph (:mod:`auditor.imports.cycles`). It does not need the test run.

Each failure is classified by cause (:mod:`auditor.imports.causes`, from the
declarations read by :mod:`auditor.imports.dependencies`): only first-party
errors and missing required dependencies fail the default gate. Every
import runs in scratch behind a write guard; what modules wrote at import is
reported (:mod:`auditor.imports.writes`) and the project tree is left as it
was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import click
from rich.markup import escape

from auditor.analysis import GateRule
from auditor.context import AuditContext
from auditor.imports.causes import Classifier, Environment
from auditor.imports.checker import CheckRequest, CheckRun, ModuleOutcome, check_imports
from auditor.imports.cycles import build_graph, find_cycles
from auditor.imports.dependencies import Declared, read_declared
from auditor.imports.discovery import discover_modules
from auditor.imports.result import (
    METRICS,
    OPTIONAL_MISSING,
    PLATFORM,
    REQUIRED_MISSING,
    UNDECLARED,
    ImportFailure,
    ImportsResult,
    ImportWrite,
)
from auditor.imports.writes import changes, relative_to_root, snapshot, writes_of
from auditor.metrics import MetricSpec
from auditor.model import JSONDict

DEFAULT_TIMEOUT = 10.0
WARNINGS_SHOWN = 10  # one line each on stderr; the reports list them all
_COUNT: JSONDict = {"type": "integer", "minimum": 0}


def _failure(outcome: ModuleOutcome, root: Path, classifier: Classifier) -> ImportFailure:
    cause = classifier.classify(outcome)
    return ImportFailure(
        module=outcome.module,
        error_type=outcome.error_type,
        message=outcome.message,
        path=relative_to_root(outcome.path, root),
        line=outcome.line,
        cause=cause.cause,
        missing=outcome.missing,
        distribution=cause.distribution,
        reason=cause.reason,
    )


def _first_party_tops(ctx: AuditContext) -> set[str]:
    """Top-level import names of the project: its packages, and whatever else its import
    roots hold (a sibling package in ``src/`` is the project's code, configured or not)."""
    tops = {p.name.split(".")[0] for p in ctx.packages}
    for root in {p.import_root for p in ctx.packages}:
        for entry in root.iterdir():
            name = entry.name[:-3] if entry.name.endswith(".py") else entry.name
            if name.isidentifier() and (entry.is_dir() or entry.name.endswith(".py")):
                tops.add(name)
    return tops


def _classifier(ctx: AuditContext, run: CheckRun, declared: Declared) -> Classifier:
    declared.add_installed(dict(run.environment.get("project_requires", {})))
    return Classifier(
        first_party=_first_party_tops(ctx),
        declared=declared,
        environment=Environment.from_message(run.environment),
        optional=[str(p) for p in ctx.config.section("imports").get("optional", [])],
    )


def _writes(outcomes: list[ModuleOutcome], root: Path, unseen: list[ImportWrite]
            ) -> list[ImportWrite]:  # fmt: skip
    """Writes the worker saw, then tree changes it could not attribute (not in its log)."""
    seen = [w for o in outcomes for w in writes_of(o, root)]
    logged = {w.path for w in seen if w.where == "project"}
    return seen + [w for w in unseen if w.path not in logged]


def _notes(run: CheckRun) -> list[str]:
    notes = [
        f"{name} was not preloaded: importing it killed or hung the warm parent"
        for name in run.skipped_preloads
    ]
    if run.unloaded:
        notes.append(
            f"preloaded libraries imported {len(run.unloaded)} modules of the packages "
            f"({', '.join(run.unloaded[:3])}{'...' if len(run.unloaded) > 3 else ''}); "
            "they were dropped again so that each module is still imported on its own"
        )
    for outcome in sorted(run.outcomes.values(), key=lambda o: o.module):
        if outcome.after_fork and outcome.ok:
            notes.append(
                f"{outcome.module}: {outcome.after_fork} after fork but imports in a fresh "
                f"interpreter; a preloaded module is not fork-safe"
                f"{f' ({run.threads} threads after preload)' if run.threads > 1 else ''}"
            )
    if run.environment.get("error"):
        notes.append(f"the interpreter's installed metadata could not be read "
                     f"({run.environment['error']}); causes are judged from declarations only")
    return notes


def _write_notes(writes: list[ImportWrite], declared: Declared) -> list[str]:
    notes = [f"dependency declarations: {s}" for s in declared.skipped]
    if any(not w.module for w in writes):
        notes.append(
            "the package folders or the project root changed during the import check without "
            "a module asking Python for it (C code or a subprocess): those changes are listed "
            "under writes without a module and were not undone"
        )
    return notes


def _warning_lines(failures: list[ImportFailure]) -> list[str]:
    """One stderr line per missing required dependency (an environment error) and
    per undeclared import (a warning): the module and the name it imports."""
    lines = []
    for failure in failures:
        if failure.cause == REQUIRED_MISSING:
            lines.append(f"imports: environment error: {failure.module} imports "
                         f"{failure.missing}: {failure.reason}")  # fmt: skip
        elif failure.cause == UNDECLARED:
            lines.append(f"imports: warning: {failure.module} imports {failure.missing}: "
                         f"{failure.reason} (undeclared third-party import; not gated)")
    if len(lines) > WARNINGS_SHOWN:
        lines[WARNINGS_SHOWN:] = [f"imports: ... and {len(lines) - WARNINGS_SHOWN} more "
                                  "(see the report)"]  # fmt: skip
    return lines


class ImportsAnalysis:
    """Imports each module of the packages in isolation and finds import cycles."""

    name: ClassVar[str] = "imports"
    command: ClassVar[str] = "imports"
    title: ClassVar[str] = "Imports"
    help: ClassVar[str] = (
        "Import every module of the packages in isolation (errors, sys.exit, hangs, crashes) "
        "and find import cycles."
    )
    needs_test_run: ClassVar[bool] = False
    needs_coverage: ClassVar[bool] = False
    # Not beside the suite (auditor.beside), on purpose: importing every module while the
    # tests run lets import side effects meet the tests, and the check of the project
    # tree around the imports would take the suite's own writes for the imports'.
    stage_lock: ClassVar[str] = ""
    result_type: ClassVar[type[ImportsResult]] = ImportsResult
    metrics: ClassVar[dict[str, MetricSpec]] = METRICS
    config_schema: ClassVar[JSONDict] = {
        "timeout": {"type": "number", "exclusiveMinimum": 0},
        "workers": {"type": "integer", "minimum": 1},
        "preload": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "mode": {"enum": ["fork", "fresh"]},
        "optional": {"type": "array", "items": {"type": "string", "minLength": 1}},
        # count function-level and TYPE_CHECKING imports in the cycle check too
        "cycles_all_imports": {"type": "boolean"},
    }
    gate_schema: ClassVar[dict[str, JSONDict]] = {
        "import_failures": _COUNT,
        "import_optional_missing": _COUNT,
        "import_undeclared": _COUNT,
        "import_platform_missing": _COUNT,
        "import_writes": _COUNT,
        "cycles": _COUNT,
    }

    def run(self, ctx: AuditContext) -> ImportsResult:
        settings = ctx.config.section("imports")
        timeout = float(settings.get("timeout", DEFAULT_TIMEOUT))
        modules = discover_modules(ctx.packages, ctx.test_paths)
        declared = read_declared(ctx.root)
        all_imports = bool(ctx.config.section("imports").get("cycles_all_imports", False))
        graph = build_graph(modules, [p.name for p in ctx.packages], all_imports)
        import_roots = list(dict.fromkeys(p.import_root.resolve() for p in ctx.packages))
        request = CheckRequest(
            python=ctx.python,
            root=ctx.root,
            import_roots=import_roots,
            modules=[m.name for m in modules],
            package_tops=sorted({p.name.split(".")[0] for p in ctx.packages}),
            preload_candidates=sorted(graph.external),
            preload=list(settings.get("preload", [])),
            timeout=timeout,
            workers=int(settings.get("workers") or ctx.cores),
            mode=str(settings.get("mode", "fork")),
            project_names=declared.names,
        )
        ctx.progress.step(f"imports: importing {len(modules)} modules one by one")
        with ctx.progress.task("importing modules", total=len(modules)) as task:
            done = 0

            def advance(_outcome: ModuleOutcome) -> None:
                nonlocal done
                done += 1
                task.update(completed=done)

            before = snapshot(ctx.root, ctx.packages)
            run = check_imports(request, advance) if modules else CheckRun()
            unseen = changes(before, snapshot(ctx.root, ctx.packages))
        outcomes = [run.outcomes[m.name] for m in modules if m.name in run.outcomes]
        classifier = _classifier(ctx, run, declared)
        writes = _writes(outcomes, ctx.root, unseen)
        # A module stopped by a blocked write is reported as that write, not as broken.
        failures = [
            _failure(o, ctx.root, classifier) for o in outcomes if not o.ok and not o.blocked_write
        ]
        for line in _warning_lines(failures):
            ctx.progress.step(escape(line))
        return ImportsResult(
            modules_checked=len(outcomes),
            failures=failures,
            writes=writes,
            dependency_sources=list(declared.sources),
            cycles=find_cycles(graph.edges),
            import_seconds={o.module: round(o.seconds, 6) for o in outcomes},
            timeout_seconds=timeout,
            mode=run.mode,
            python=run.python,
            preloaded=run.preloaded,
            notes=_notes(run) + _write_notes(writes, declared),
        )

    def gate_rules(self, gate: dict[str, Any], result: JSONDict) -> list[GateRule]:
        # Import failures are gated even when not configured: a module that
        # cannot be imported is broken code, whatever the thresholds say.
        rules = [
            GateRule(
                "import_failures",
                self.name,
                "modules that fail to import on their own (first-party errors, missing "
                "required dependencies)",
                ("failure_count",),
                "<=",
                gate.get("import_failures", 0),
                percent=False,
            ),
        ]
        # The other causes, and writes at import, are gated only when asked for.
        optional_rules = [
            ("import_optional_missing", "imports of an optional dependency that is missing",
             ("cause_counts", OPTIONAL_MISSING)),
            ("import_undeclared", "imports of undeclared third-party modules that are missing",
             ("cause_counts", UNDECLARED)),
            ("import_platform_missing", "imports of modules this platform does not have",
             ("cause_counts", PLATFORM)),
            ("import_writes", "files written (or tried) at import", ("write_count",)),
        ]  # fmt: skip
        for key, description, path in optional_rules:
            if key in gate:
                rules.append(GateRule(key, self.name, description, path, "<=", gate[key],
                                      percent=False))  # fmt: skip
        if "cycles" in gate:
            rules.append(
                GateRule(
                    "cycles",
                    self.name,
                    "import cycles between modules",
                    ("cycle_count",),
                    "<=",
                    gate["cycles"],
                    percent=False,
                )
            )
        return rules

    def cli_options(self) -> list[click.Option]:
        return []
