"""The interface every analysis implements (the registry is :mod:`auditor.registry`).

An analysis is a class with a ``name``, the CLI subcommand that runs it
alone, the JSON Schema of its own ``[tool.audit.<name>]`` table and of the
keys it adds to ``[tool.audit.gate]``, a ``run`` that fills its result object
(which declares its metrics and findings, :class:`auditor.model.AnalysisResult`),
and ``gate_rules`` that turns the gate configuration into :class:`GateRule`
data. The core (:mod:`auditor.runner`) composes them; nothing else needs to
know which analyses exist.

Optional class attributes the core reads where an analysis has them (with
:func:`auditor.registry.declared`, from the source when it says):
``template_dir``, ``report_schema``, ``report_formats``, the hooks
``test_run_environment(ctx)`` and ``warm_up_steps(ctx)``, and
``beside_suite``: ``"run"`` when ``run`` needs nothing from the test run and
only reads the project (writing under ``.audit/`` at most), so that it runs
beside the suite, in another process on a core the suite leaves idle;
``"prepare"`` when its ``prepare(ctx)`` does part of the work there (filling
a cache in ``.audit/`` that ``run`` reads after the suite). See
:mod:`auditor.beside`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

    import click

    from auditor.context import AuditContext
    from auditor.metrics import MetricSpec
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
    needs_coverage: ClassVar[bool]
    """The single test run must run under coverage when this analysis is selected."""
    stage_lock: ClassVar[str]
    """Name of a ``.audit/<stage>`` folder the analysis keeps between audits and
    that the runner holds under a lock for the whole audit (``""``: none)."""
    config_schema: ClassVar[JSONDict]
    gate_schema: ClassVar[dict[str, JSONDict]]
    result_type: ClassVar[type[Any]]
    metrics: ClassVar[Mapping[str, MetricSpec]]
    """Every metric (headline and per module) its result can report, declared once."""

    def run(self, ctx: AuditContext) -> AnalysisResult: ...

    def gate_rules(self, gate: dict[str, Any], result: JSONDict) -> list[GateRule]: ...

    def cli_options(self) -> list[click.Option]:
        """Options of the analysis's own subcommand (stored in ``ctx.options``)."""
        ...
