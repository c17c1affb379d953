"""The instantiation analysis: public classes of the packages that no test instantiates.

"Modules without a direct test" (the mocks analysis) says which modules no
test file imports; this says, inside the modules, which public classes no
test ever built. The classes are found statically (top-level ``class``
statements of the packages' public modules, names without a leading
underscore); whether one was instantiated is recorded during the one test
run by ``audit_classes.py``, a companion of our pytest plugin (a one-shot
``__init__`` wrapper per class, see its docstring). Instances made by the
code under test count too: a class the tests only reach through a factory
is still built and checked.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, ClassVar

import click

from auditor.analysis import GateRule
from auditor.context import AuditContext
from auditor.errors import IncompleteAuditError
from auditor.imports.discovery import discover_modules
from auditor.instantiation.result import (
    AT_IMPORT,
    EXCLUDED,
    INSTANTIATED,
    METRICS,
    NEVER,
    NOT_IMPORTED,
    ClassStatus,
    InstantiationResult,
)
from auditor.metrics import MetricSpec
from auditor.model import JSONDict
from auditor.schema_parts import COUNT

CLASSES_FILE = "classes.json"


def public_classes(path: Path) -> list[tuple[str, int]]:
    """``(name, line)`` of the top-level public classes a source file defines."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError):
        return []  # the imports analysis and the coverage analysis report unparsable files
    return [(node.name, node.lineno) for node in tree.body
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_")]  # fmt: skip


def _is_public(module: str) -> bool:
    return not any(part.startswith("_") for part in module.split("."))


class InstantiationAnalysis:
    """Lists the public classes and which of them the test run instantiated."""

    name: ClassVar[str] = "instantiation"
    command: ClassVar[str] = "instantiation"
    title: ClassVar[str] = "Instantiation"
    help: ClassVar[str] = "Public classes of the packages that no test instantiates."
    needs_test_run: ClassVar[bool] = True
    needs_coverage: ClassVar[bool] = False
    needs_class_records: ClassVar[bool] = True
    stage_lock: ClassVar[str] = ""
    result_type: ClassVar[type[InstantiationResult]] = InstantiationResult
    metrics: ClassVar[dict[str, MetricSpec]] = METRICS
    config_schema: ClassVar[JSONDict] = {}
    gate_schema: ClassVar[dict[str, JSONDict]] = {"uninstantiated_classes": COUNT}

    def run(self, ctx: AuditContext) -> InstantiationResult:
        records = ctx.run_dir / CLASSES_FILE
        if not records.is_file():
            raise IncompleteAuditError(
                f"instantiation: the test run wrote no {CLASSES_FILE} (did pytest start?)")
        seen: dict[str, Any] = json.loads(records.read_text(encoding="utf-8"))
        imported, made = set(seen["modules"]), set(seen["instantiated"])
        excluded: dict[str, str] = dict(seen["excluded"])
        at_import = set(seen.get("at_import", []))
        classes: list[ClassStatus] = []
        for module in discover_modules(ctx.packages, ctx.test_paths):
            if not _is_public(module.name):
                continue
            relative = module.path.resolve().relative_to(ctx.root.resolve()).as_posix()
            for name, line in public_classes(module.path):
                key = f"{module.name}:{name}"
                if key in excluded:
                    status, reason = EXCLUDED, excluded[key]
                elif key in made:
                    status, reason = INSTANTIATED, ""
                elif key in at_import:
                    status, reason = AT_IMPORT, "instances built when its module is imported"
                elif module.name in imported:
                    status, reason = NEVER, ""
                else:
                    status, reason = NOT_IMPORTED, ""
                classes.append(ClassStatus(module.name, name, relative, line, status, reason))
        notes = []
        if any(c.status == NEVER for c in classes):
            notes.append("a class built only through __new__ (its __init__ not called for it), "
                         "or only in a pytest-xdist worker, counts as never instantiated")
        return InstantiationResult(classes=classes, notes=notes)

    def gate_rules(self, gate: dict[str, Any], result: JSONDict) -> list[GateRule]:
        if "uninstantiated_classes" not in gate:
            return []
        return [GateRule("uninstantiated_classes", self.name,
                         "public classes no test instantiates, at most",
                         ("uninstantiated_count",), "<=", gate["uninstantiated_classes"],
                         percent=False)]  # fmt: skip

    def cli_options(self) -> list[click.Option]:
        return []
