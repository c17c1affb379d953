"""The typecheck analysis: mypy's errors in the gate, new ones apart from the baseline.

mypy (:mod:`auditor.typecheck.mypy_run`) checks the configured packages with
the project's own configuration; ``[tool.audit.typecheck] strict = true``
adds ``--strict``. Its incremental cache is kept in
``.audit/typecheck/cache``, so a second audit re-checks only what changed,
and nothing is written into the user's tree. Each error is matched against
the committed baseline (:mod:`auditor.typecheck.baseline`); the gate key
``type_errors_new`` (0 unless configured) fails on errors the baseline does
not hold, ``type_errors`` (when configured) on the total.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import click

from auditor.analysis import GateRule
from auditor.context import AuditContext
from auditor.metrics import MetricSpec
from auditor.model import JSONDict
from auditor.project import PackageLocation, check_inside
from auditor.schema_parts import COUNT
from auditor.typecheck.baseline import (
    DEFAULT_BASELINE,
    error_fingerprint,
    read_baseline,
    split_new,
    write_baseline,
)
from auditor.typecheck.mypy_run import MypyError, mypy_command, mypy_version, run_mypy
from auditor.typecheck.result import METRICS, TypeCheckError, TypecheckResult

DEFAULT_TIMEOUT = 600.0


def module_of(path: str, root: Path, packages: list[PackageLocation]) -> str:
    """The dotted module of a file mypy named (the path itself when outside the packages)."""
    absolute = (root / path).resolve()
    for package in packages:
        import_root = package.import_root.resolve()
        if absolute.is_relative_to(import_root):
            parts = list(absolute.relative_to(import_root).with_suffix("").parts)
            if parts and parts[-1] == "__init__":
                parts.pop()
            return ".".join(parts)
    return path


def _targets(ctx: AuditContext) -> list[str]:
    return [os.path.relpath(p.path, ctx.root) for p in ctx.packages]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # MYPY_CACHE_DIR would move the cache out of .audit/ (into the user's tree, say).
    env.pop("MYPY_CACHE_DIR", None)
    return env


class TypecheckAnalysis:
    """Runs mypy on the packages with the project's configuration."""

    name: ClassVar[str] = "typecheck"
    command: ClassVar[str] = "typecheck"
    title: ClassVar[str] = "Type check"
    help: ClassVar[str] = (
        "Type-check the packages with mypy (the project's own mypy and configuration) and "
        "gate on errors not in the committed baseline."
    )
    needs_test_run: ClassVar[bool] = False
    needs_coverage: ClassVar[bool] = False
    # needs nothing from the suite: runs beside it (auditor.beside)
    beside_suite: ClassVar[str] = "run"
    stage_lock: ClassVar[str] = ""
    result_type: ClassVar[type[TypecheckResult]] = TypecheckResult
    metrics: ClassVar[dict[str, MetricSpec]] = METRICS
    config_schema: ClassVar[JSONDict] = {
        "strict": {"type": "boolean"},
        "timeout": {"type": "number", "exclusiveMinimum": 0},
        "baseline": {"type": "string", "minLength": 1},
    }
    gate_schema: ClassVar[dict[str, JSONDict]] = {
        "type_errors_new": COUNT,
        "type_errors": COUNT,
    }

    def run(self, ctx: AuditContext) -> TypecheckResult:
        settings = ctx.config.section("typecheck")
        strict = bool(settings.get("strict", False))
        timeout = float(settings.get("timeout", DEFAULT_TIMEOUT))
        baseline_name = str(settings.get("baseline", DEFAULT_BASELINE))
        baseline_path = check_inside(ctx.root, baseline_name,
                                     f"[tool.audit.typecheck] baseline in {ctx.config.source}")
        cache_dir = ctx.state_dir / "typecheck" / "cache"
        cache_dir.mkdir(parents=True, exist_ok=True)
        command, source = mypy_command(ctx.python, _targets(ctx), cache_dir, strict)
        ctx.progress.step(f"typecheck: mypy ({source}'s) on {', '.join(_targets(ctx))}")
        with ctx.progress.task("typecheck: mypy"):  # no count: a line every 10 s off a terminal
            run = run_mypy(command, ctx.root, timeout, _environment())
        found = [(e, module_of(e.path, ctx.root, ctx.packages)) for e in run.errors]
        prints = [error_fingerprint(module, e.code, e.message) for e, module in found]
        notes = []
        if run.blocking:
            notes.append("mypy stopped at blocking errors (syntax errors): modules after "
                         "them were not checked")  # fmt: skip
        written = False
        if ctx.options.get("write_baseline"):
            count = write_baseline(baseline_path, [(m, e.code, e.message) for e, m in found])
            notes.append(f"baseline written: {baseline_name} ({len(found)} errors, "
                         f"{count} entries)")  # fmt: skip
            written = True
        baseline = read_baseline(baseline_path, baseline_name)
        new, fixed = split_new(prints, baseline or [])
        return TypecheckResult(
            errors=[_error(e, module, p, is_new)
                    for (e, module), p, is_new in zip(found, prints, new, strict=True)],
            files_checked=run.files_checked,
            baseline=baseline_name if baseline is not None else "",
            baseline_fixed=fixed,
            baseline_written=written,
            strict=strict,
            mypy=source,
            mypy_version=mypy_version(command, ctx.root),
            command=[Path(command[0]).name, *command[1:]],
            seconds=run.seconds,
            notes=notes,
        )

    def gate_rules(self, gate: dict[str, Any], result: JSONDict) -> list[GateRule]:
        # New type errors fail the gate unless the project allows some: the
        # baseline is where accepted errors go, not the threshold.
        rules = [GateRule("type_errors_new", self.name, "type errors not in the baseline",
                          ("new_error_count",), "<=", gate.get("type_errors_new", 0),
                          percent=False)]  # fmt: skip
        if "type_errors" in gate:
            rules.append(GateRule("type_errors", self.name, "type errors (baseline included)",
                                  ("error_count",), "<=", gate["type_errors"], percent=False))
        return rules

    def cli_options(self) -> list[click.Option]:
        return [click.Option(
            ["--write-baseline"], is_flag=True, default=False,
            help="Store the current type errors in the baseline file (then none is new).")]


def _error(error: MypyError, module: str, print_: str, new: bool) -> TypeCheckError:
    return TypeCheckError(path=error.path, module=module, line=error.line,
                          column=error.column, code=error.code, message=error.message,
                          fingerprint=print_, new=new)  # fmt: skip
