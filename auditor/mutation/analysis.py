"""The mutation analysis: ``audit mutate`` and the mutation part of ``audit report``."""

from __future__ import annotations

import os
from typing import Any, ClassVar

import click

from auditor.analysis import GateRule
from auditor.context import AuditContext
from auditor.contribution.section import GATE_KEY as NEW_TESTS_GATE_KEY
from auditor.errors import UsageError
from auditor.metrics import MetricSpec
from auditor.model import JSONDict
from auditor.mutation import incremental as inc
from auditor.mutation import status as st
from auditor.mutation.changed_tests import changed_tests, first_lines
from auditor.mutation.collect import build_records, not_mutated, source_files
from auditor.mutation.driver import (
    LIST_ONLY_NAME,
    RUNNERS,
    mutmut_version,
    runner_summary,
)
from auditor.mutation.explain import pick
from auditor.mutation.explain_run import run_explain
from auditor.mutation.gate import gate_rules
from auditor.mutation.identity import identities
from auditor.mutation.killmatrix import compact_killers, run_kill_matrix, save_killers
from auditor.mutation.limit import run_limit
from auditor.mutation.reader import read_metas, read_stats, repair_meta_files
from auditor.mutation.records import MutantRecord
from auditor.mutation.result import METRICS, MutationResult
from auditor.mutation.runs import MutmutRuns
from auditor.mutation.staging import Stage, StageSettings, prepare_stage
from auditor.project import git_diff, resolve_ref
from auditor.schema_parts import COUNT, PERCENT
from auditor.thresholds import ScoreThresholds

_NUMBER_POS = {"type": "number", "exclusiveMinimum": 0}
_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}
_WHOLE_PERCENT = {"type": "integer", "minimum": 0, "maximum": 100}


class MutationAnalysis:
    name: ClassVar[str] = "mutation"
    command: ClassVar[str] = "mutate"
    title: ClassVar[str] = "Mutation testing"
    help: ClassVar[str] = (
        "Mutation testing with mutmut: would the tests notice if the code were wrong?"
    )
    needs_test_run: ClassVar[bool] = False
    needs_coverage: ClassVar[bool] = False
    metrics: ClassVar[dict[str, MetricSpec]] = METRICS
    # mutation-testing-elements JSON, for Stryker's viewers
    report_formats: ClassVar[tuple[str, ...]] = ("auditor.mutation.elements_report",)
    stage_lock: ClassVar[str] = "mutation"  # the staged copy and mutmut's cache in .audit/mutation
    config_schema: ClassVar[JSONDict] = {
        "timeout_multiplier": _NUMBER_POS,
        "timeout_constant": {"type": "number", "minimum": 0},
        "memory_limit_mb": COUNT,
        "also_copy": _STRINGS,
        "do_not_mutate": _STRINGS,
        "kill_matrix": {"type": "boolean"},
        "max_children": {"type": "integer", "minimum": 1},
        # who tests each mutant: one pytest session forked per mutant, or mutmut's own
        # fresh session per mutant (auditor/mutation/fork_session.py)
        "runner": {"enum": list(RUNNERS)},
        "explain": COUNT,
        "equivalent": _STRINGS,
        # Stryker's colour thresholds (auditor/thresholds.py); low <= high is checked by config
        "thresholds": {"type": "object", "additionalProperties": False,
                       "properties": {"high": _WHOLE_PERCENT, "low": _WHOLE_PERCENT}},
    }
    gate_schema: ClassVar[dict[str, JSONDict]] = {
        "mutation_score": PERCENT,
        "mutation_covered_score": PERCENT,
        "mutation_modules": {"type": "object", "additionalProperties": PERCENT},
        "mutation_changed_score": PERCENT,
        "max_survivors": COUNT,
        "max_pseudo_tested": COUNT,
        NEW_TESTS_GATE_KEY: COUNT,  # needs --since/--tests-since; runs the kill matrix
    }
    result_type: ClassVar[type[Any]] = MutationResult

    def cli_options(self) -> list[click.Option]:
        return [
            click.Option(
                ["--kill-matrix/--no-kill-matrix"],
                default=None,
                help="Run every covering test of every mutant: which tests kill what.",
            ),
            click.Option(
                ["--since"],
                metavar="REF",
                default=None,
                help="Mutate only functions changed since this git ref.",
            ),
            click.Option(
                ["--tests-since"],
                metavar="REF",
                default=None,
                help="Judge the tests added or changed since this git ref: do they kill a "
                "mutant no older test kills? (All mutants; runs the kill matrix.)",
            ),
            click.Option(
                ["--shard"],
                metavar="K/N",
                default=None,
                help="Run only shard K of N of the mutants (merge with `audit merge`).",
            ),
            click.Option(
                ["--memory-limit"],
                type=click.IntRange(min=0),
                default=None,
                metavar="MB",
                help="Address-space limit per mutant (0: none).",
            ),
            click.Option(
                ["--max-children"],
                type=click.IntRange(min=1),
                default=None,
                help="Mutants tested in parallel (default: CPU count).",
            ),
        ]

    # -- run ---------------------------------------------------------------

    def settings(self, ctx: AuditContext) -> tuple[StageSettings, bool]:
        section = ctx.config.section("mutation")
        options = ctx.options
        settings = StageSettings(
            timeout_multiplier=float(section.get("timeout_multiplier", 2.0)),
            timeout_constant=float(section.get("timeout_constant", 1.0)),
            memory_limit_mb=int(
                _pick(options.get("memory_limit"), section.get("memory_limit_mb"), 2048)
            ),
            also_copy=list(section.get("also_copy", [])),
            do_not_mutate=list(section.get("do_not_mutate", [])),
            max_children=_pick(options.get("max_children"), section.get("max_children"), None),
            runner=str(section.get("runner", RUNNERS[0])),
        )
        # The verdict on new tests needs the kill matrix: asking for it runs the matrix.
        asked = bool(options.get("tests_since")) or NEW_TESTS_GATE_KEY in ctx.config.gate
        kill_matrix = bool(
            _pick(options.get("kill_matrix"), section.get("kill_matrix"), None) or asked
        )
        return settings, kill_matrix

    def run(self, ctx: AuditContext) -> MutationResult:
        settings, kill_matrix = self.settings(ctx)
        shard_text = ctx.options.get("shard")
        since = ctx.options.get("since")
        try:
            shard = inc.parse_shard(shard_text) if shard_text else None
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        since_sha = resolve_ref(ctx.root, since) if since else None
        # `audit report --base REF` (the PR's base) judges the tests changed since it too
        tests_since = ctx.options.get("tests_since") or since or ctx.config.base
        # resolved now, not after minutes of mutation testing
        tests_since_sha = _resolve("--tests-since", ctx, tests_since) if kill_matrix else None
        stage = prepare_stage(ctx.root, ctx.state_dir, ctx.packages, ctx.config.tests, settings)
        notes = [f"repaired unreadable mutmut file {p}" for p in repair_meta_files(stage)]

        test_hashes = inc.test_file_hashes(stage)
        changed_tests = inc.changed_test_files(stage, test_hashes) or set()
        reset = inc.invalidate_for_test_changes(
            stage, changed_tests, read_metas(stage), read_stats(stage)
        )
        if reset:
            notes.append(f"{len(reset)} mutants re-tested because their tests changed")

        runner = MutmutRuns(stage, ctx, settings)
        setup = inc.setup_fingerprint(stage, ctx.python, test_hashes)
        runner.forced_fail_passed_for = inc.forced_fail_version(stage, setup)
        names: list[str] | None = None
        only: set[str] | None = None
        changed_functions: list[str] | None = None
        if since_sha is not None or shard is not None:
            runner.run([LIST_ONLY_NAME], generate_only=True)
            keys = inc.all_keys(stage)
            if since_sha is not None:
                touched = inc.changed_lines(git_diff(ctx.root, since_sha))
                changed_functions = inc.changed_functions(ctx.root, source_files(stage), touched)
                wanted = {f.split("::", 1)[1] for f in changed_functions}
                keys = [
                    k for k in keys if _qualname(k) in wanted and _path_match(k, changed_functions)
                ]
            if shard is not None:
                keys = inc.shard_keys(keys, shard)
            names, only = keys, set(keys)

        before = inc.current_codes(stage, read_metas(stage))
        if names is None or names:
            runner.run(names)
        metas, stats = read_metas(stage), read_stats(stage)
        # the mutants this run tested (for its limit): unchecked before, or named
        tested = {k for k in inc.current_codes(stage, metas) if before.get(k) is None}
        tested |= set(names or [])
        if changed_tests and names is None and not runner.no_coverage:
            stale = inc.stale_survivors(changed_tests, before, metas, stats)
            if stale:
                notes.append(f"{len(stale)} survivors re-tested: a changed test now reaches them")
                runner.run(stale)
                tested |= set(stale)
                metas, stats = read_metas(stage), read_stats(stage)

        compact_killers(stage)
        records = build_records(stage, metas, stats, only, no_tests_fallback=runner.no_coverage)
        infos, skipped = not_mutated(stage, metas)
        if kill_matrix:
            run_kill_matrix(
                stage,
                ctx.python,
                records,
                stats.duration_by_test,
                ctx.progress,
                settings.timeout_multiplier,
                settings.timeout_constant,
                settings.memory_limit_mb,
                settings.max_children or os.cpu_count() or 1,
            )
            save_killers(stage, records)  # the next run tries these tests first
        new_tests: list[str] | None = None
        test_lines: dict[str, int] = {}
        if kill_matrix:
            new_tests, test_lines = _judged_tests(ctx, records, tests_since_sha)
        explain = _explain(stage, ctx, settings, records, stats.duration_by_test, changed_functions)
        notes += [
            f"[tool.audit.mutation] equivalent: {entry} is no mutant of this run"
            for entry in explain["unknown_equivalent"]
        ]
        runner_ran, runner_notes = runner_summary(runner.runner_records)
        result = MutationResult(
            mutants=records,
            module_info=infos,
            not_mutated=skipped,
            kill_matrix=kill_matrix,
            since=since,
            changed_functions=changed_functions,
            shard=f"{shard[0]}/{shard[1]}" if shard else None,
            mutmut_version=runner.version or mutmut_version(ctx.python),
            settings={
                "timeout_multiplier": settings.timeout_multiplier,
                "timeout_constant": settings.timeout_constant,
                "memory_limit_mb": settings.memory_limit_mb,
                "runner": settings.runner,
                "runner_ran": runner_ran if tested else "none",
            },
            notes=notes + runner.notes + runner_notes,
            explain={**explain, "mutation_seconds": round(runner.seconds, 3)},
            test_lines=test_lines,
            tests_since=tests_since if new_tests is not None else None,
            new_tests=new_tests,
            thresholds=ScoreThresholds.from_dict(ctx.config.section("mutation").get("thresholds")),
            limit=run_limit(
                [r for r in records if r.id in tested],
                stats.duration_by_test,
                settings.max_children or os.cpu_count() or 1,
                actual_seconds=runner.mutant_phase_seconds if tested else None,
                mutmut_seconds=runner.seconds,
            ).to_dict(),
        )
        if result.complete and shard is None and since is None:
            inc.save_state(stage, test_hashes, setup, runner.forced_fail_passed_for)
        return result

    def gate_rules(self, gate: dict[str, Any], result: JSONDict) -> list[GateRule]:
        return gate_rules(self.name, gate, result)


def _resolve(option: str, ctx: AuditContext, ref: str | None) -> str | None:
    """The commit ``ref`` names; a usage error naming ``option`` (only the option given)."""
    if not ref:
        return None
    try:
        return resolve_ref(ctx.root, ref)
    except UsageError as exc:
        if ctx.options.get("tests_since") != ref:
            raise  # --since / --base: resolve_ref's own message
        reason = str(exc).split(": ", 1)[-1]
        raise UsageError(f"{option} {ref}: {reason}") from None


def _judged_tests(
    ctx: AuditContext, records: list[MutantRecord], ref_sha: str | None
) -> tuple[list[str] | None, dict[str, int]]:
    """The tests added or changed since ``ref_sha`` (None without one), and the first
    line of every test of the kill matrix and of those (for the findings)."""
    new_tests = None
    if ref_sha:
        found = changed_tests(ctx.root, ref_sha, ctx.config.tests)
        new_tests = [t.nodeid for t in found]
    names = sorted({t for m in records for t in m.covered_by} | set(new_tests or []))
    return new_tests, first_lines(ctx.root, names)


def _explain(
    stage: Stage,
    ctx: AuditContext,
    settings: StageSettings,
    records: list[MutantRecord],
    durations: dict[str, float],
    changed_functions: list[str] | None,
) -> JSONDict:
    """Mark declared equivalents, explain the first survivors; the step's summary."""
    section = ctx.config.section("mutation")
    declared = set(section.get("equivalent", []))
    identity = identities(records)
    for mutant in records:
        mutant.equivalent = mutant.status == st.SURVIVED and identity[mutant.id] in declared
    limit = int(section.get("explain", 20))
    survivors = [m for m in records if m.status == st.SURVIVED and not m.equivalent]
    todo = pick(survivors, changed_functions, limit)
    run = run_explain(
        stage,
        ctx.python,
        todo,
        durations,
        ctx.progress,
        settings.timeout_multiplier,
        settings.timeout_constant,
    )
    for mutant in todo:
        mutant.explanation = run.explanations[mutant.id].to_dict()
    return {
        "limit": limit,
        "asked": len(todo),
        "seconds": round(run.seconds, 3),
        "original_seconds": round(run.original_seconds, 3),
        "error": run.error,
        "unknown_equivalent": sorted(declared - set(identity.values())),
    }


def _pick(*values: Any) -> Any:
    for value in values:
        if value is not None:
            return value
    return None


def _qualname(key: str) -> str:
    from auditor.mutation.reader import mangled_of, qualname_of_mangled

    return qualname_of_mangled(mangled_of(key).rsplit(".", 1)[1])


def _path_match(key: str, changed_functions: list[str]) -> bool:
    module = key.rsplit(".", 1)[0]
    for entry in changed_functions:
        path = entry.split("::", 1)[0]
        dotted = path[: -len(".py")].replace("/", ".")
        dotted = dotted.removeprefix("src.").removesuffix(".__init__")
        if dotted == module:
            return True
    return False
