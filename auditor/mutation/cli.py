"""``audit merge``: one report from the shard results of ``audit mutate --shard K/N``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, cast

import click

from auditor.cli_targets import gate_overrides, mutation_gate_options
from auditor.errors import EXIT_GATE_FAILED, EXIT_OK, ConfigError, UsageError
from auditor.gate import evaluate
from auditor.model import AuditResult
from auditor.mutation.merge import load_reports, merge_results
from auditor.mutation.result import MutationResult
from auditor.numbers import format_percent
from auditor.registry import get_analysis, load_config, schema_parts


def merged_report(files: list[Path], root: Path,
                  gate: dict[str, Any] | None = None) -> AuditResult:
    """The merged :class:`AuditResult`, gated with the project's configuration if any.

    ``gate``: the command line's gate keys (``--fail-under-mutation``, ``--gate``), over the
    file's; with them, a configuration error is an error, not "no gate".
    """
    reports = load_reports(files)
    merged = merge_results([cast(MutationResult, r.analyses["mutation"]) for r in reports])
    first = reports[0]
    result = AuditResult(
        project=first.project,
        root=str(root),
        commit=first.commit,
        branch=first.branch,
        created=max(r.created for r in reports),
        duration_seconds=sum(r.duration_seconds for r in reports),
        config_fingerprint=first.config_fingerprint,
        analyses={"mutation": merged},
        notes=[f"merged from {len(reports)} shard reports"],
    )
    try:
        config = load_config(root, overrides={"gate": gate} if gate else None)
    except ConfigError:
        if gate:
            raise
        result.gate.enabled = False
        return result
    analysis = get_analysis("mutation")
    document = result.to_dict()["analyses"]
    rules = analysis.gate_rules(config.gate, document["mutation"])
    result.gate = evaluate(rules, document, enabled=config.gate_enabled)
    return result


@click.command("merge")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("audit-report"),
    show_default=True,
    help="Folder for the merged reports.",
)
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Project root (its [tool.audit.gate] is applied).",
)
@mutation_gate_options
def merge(files: tuple[Path, ...], output: Path, root: Path, fail_under_mutation: float | None,
          gate_items: tuple[str, ...]) -> None:
    """Merge the report.json files of `audit mutate --shard K/N` runs into one report."""
    from auditor.reports import write_reports
    from auditor.reports.annotations import append_step_summary

    try:
        # every analysis's gate keys only when --gate names one (importing them all costs)
        known = set(schema_parts().gate) if gate_items else set()
        gate = gate_overrides(gate_items, None, fail_under_mutation, known)
        result = merged_report(list(files), root.resolve(), gate)
        written = write_reports(result, output.resolve(), root.resolve())  # refuses foreign folders
    except UsageError as exc:
        click.echo(f"audit: error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    mutation = cast(MutationResult, result.analyses["mutation"])
    totals = mutation.totals
    click.echo(
        f"merged {mutation.shards_merged} shards: {totals.total} mutants, "
        f"score {format_percent(totals.score)}, {len(written)} files in {output}"
    )
    append_step_summary(output.resolve())  # the merged report.md, as every audit does
    for rule in result.gate.failed_rules:
        click.echo(f"gate failed: {rule.id}: {rule.measured} {rule.comparison} {rule.threshold}")
    sys.exit(EXIT_OK if result.gate.passed else EXIT_GATE_FAILED)
