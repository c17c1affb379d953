"""The interface every analysis implements, and the registry that finds them.

An analysis is a class with a ``name`` (``coverage``, ``imports``, ``mocks``,
``mutation``), the CLI subcommand that runs it alone, the JSON Schema of its
own ``[tool.audit.<name>]`` table and of the keys it adds to
``[tool.audit.gate]``, a ``run`` that fills its result object, and
``gate_rules`` that turns the gate configuration into :class:`GateRule` data.
The core (:mod:`auditor.runner`) composes them; nothing else needs to know
which analyses exist.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    import click

    from auditor.context import AuditContext
    from auditor.model import AnalysisResult, JSONDict


@dataclass(frozen=True)
class GateRule:
    """A gate rule as data: compare one value of the report against a threshold.

    ``path`` leads from ``report["analyses"][analysis]`` to the measured
    value (dict keys, or list indexes). ``percent`` rules are rounded with
    :func:`auditor.numbers.display_percent` before comparing; count rules
    are compared as they are. A ``None`` at ``path`` makes the rule skipped,
    with ``skip_reason_path`` (if given) pointing at the explanation.
    """

    id: str
    analysis: str
    description: str
    path: tuple[str | int, ...]
    comparison: str  # ">=" (at least) or "<=" (at most)
    threshold: float
    percent: bool = True
    skip_reason_path: tuple[str | int, ...] | None = None
    skip_reason: str = ""


class Analysis(Protocol):
    """One analysis. Implementations live one per subpackage of :mod:`auditor`."""

    name: ClassVar[str]
    command: ClassVar[str]
    title: ClassVar[str]
    help: ClassVar[str]
    needs_test_run: ClassVar[bool]
    config_schema: ClassVar[JSONDict]
    gate_schema: ClassVar[dict[str, JSONDict]]
    result_type: ClassVar[type[Any]]

    def run(self, ctx: AuditContext) -> AnalysisResult: ...

    def gate_rules(self, gate: dict[str, Any], result: JSONDict) -> list[GateRule]: ...

    def cli_options(self) -> list[click.Option]:
        """Options of the analysis's own subcommand (stored in ``ctx.options``)."""
        ...


# name -> "module:Class". Listing them here (rather than scanning) keeps the
# order stable and makes a missing analysis an import error, not a silent gap.
_REGISTRY: dict[str, str] = {
    "coverage": "auditor.coverage.analysis:CoverageAnalysis",
    "imports": "auditor.imports.analysis:ImportsAnalysis",
    "mocks": "auditor.mocks.analysis:MocksAnalysis",
    "mutation": "auditor.mutation.analysis:MutationAnalysis",
}


def analysis_names() -> list[str]:
    """All analyses, in the order they run and appear in reports."""
    return list(_REGISTRY)


def get_analysis(name: str) -> Analysis:
    """An instance of the analysis called ``name`` (``KeyError`` if unknown)."""
    module_name, _, class_name = _REGISTRY[name].partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    instance: Analysis = cls()
    return instance


def all_analyses() -> list[Analysis]:
    return [get_analysis(name) for name in analysis_names()]


def result_type(name: str) -> Any:
    """The result class of analysis ``name``; it has a ``from_dict`` classmethod."""
    return get_analysis(name).result_type
