"""Compose one audit: configuration, the single test run, analyses, gate, reports.

This is the only module that knows the order of things. Analyses do not know
about each other or about reports; reports do not know how results were
measured.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from auditor.analysis import Analysis
from auditor.beside import RUN, BesideOutcome, BesideSuite, beside_work
from auditor.config import AuditConfig
from auditor.context import AuditContext
from auditor.errors import ConfigError
from auditor.gate import evaluate
from auditor.locking import hold, lock_path, tell_on_stderr
from auditor.model import AnalysisResult, AuditResult, RuleResult
from auditor.progress import Progress
from auditor.project import (
    PackageLocation,
    check_inside,
    find_python,
    git_branch,
    git_commit,
    locate_package,
    resolve_ref,
    state_dir,
)
from auditor.registry import declared, get_analysis
from auditor.rundir import run_folder
from auditor.timings import GATE, PhaseTimings, analysis_phase

# Extra gate rules computed outside the analyses (e.g. regression against
# history): called with (config, report document) -> evaluated rules.
ExtraRules = Callable[[AuditConfig, dict[str, Any]], list[RuleResult]]


@dataclass
class AuditRequest:
    """What to run: the selected analyses and their subcommand options."""

    analyses: list[str]
    options: dict[str, Any] = field(default_factory=dict)
    extra_rules: list[ExtraRules] = field(default_factory=list)
    wait: bool = False
    """``--wait``: wait for a lock another audit holds instead of failing at once."""
    on_wait: Callable[[str], None] = tell_on_stderr
    timings: PhaseTimings = field(default_factory=PhaseTimings)
    """Where the phases of the audit are recorded (the caller reads it back)."""
    warm_up: list[Callable[[], object]] = field(default_factory=list)
    """What the caller does after the audit (reports, history), as steps that warm it
    while the suite runs (:mod:`auditor.testrun.warmup`): imports and in-memory caches,
    never a write. Each selected analysis's ``warm_up_steps(ctx)``, where it has one,
    runs first."""


def locate_project_paths(config: AuditConfig) -> list[PackageLocation]:
    """The packages under audit; every test path checked to exist inside the project.

    Shared by every command that runs the suite, so ``audit flaky`` refuses
    ``--tests /etc`` and finds a src-layout package exactly as ``audit report``.
    """
    root = config.root
    packages = [locate_package(root, name, config.source) for name in config.packages]
    for test in config.tests:
        # --tests replaces [tool.audit] tests: the message names both places
        where = f"tests (--tests or [tool.audit] tests in {config.source})"
        if not check_inside(root, test, where).exists():
            raise ConfigError(f"{config.source}: [tool.audit] tests: {test!r} does not exist")
    return packages


def build_context(config: AuditConfig, progress: Progress, options: dict[str, Any],
                  timings: PhaseTimings | None = None) -> AuditContext:
    """Check the configuration against the project on disk and prepare ``.audit/``."""
    root = config.root
    packages = locate_project_paths(config)
    if config.base:
        resolve_ref(root, config.base)
    return AuditContext(
        config=config,
        root=root,
        state_dir=state_dir(root),
        python=find_python(root, config.python),
        packages=packages,
        progress=progress,
        options=options,
        timings=timings or PhaseTimings(),
    )


def run_audit(config: AuditConfig, request: AuditRequest, progress: Progress) -> AuditResult:
    """Run the selected analyses and evaluate the gate (reports are written by the caller).

    The test run gets a run folder of its own (``.audit/runs/<id>/``), so
    concurrent audits never read each other's tests; the mutation stage is
    held under its lock for the whole audit (see :mod:`auditor.locking`).
    """
    started = time.monotonic()
    ctx = build_context(config, progress, request.options, request.timings)
    names = request.analyses
    with contextlib.ExitStack() as held:
        stages = {str(declared(name, "stage_lock", "")) for name in names} - {""}
        for stage in sorted(stages):
            held.enter_context(hold(
                lock_path(ctx.state_dir, stage),
                f"the {stage} stage {ctx.state_dir / stage}",
                request.wait,
                request.on_wait,
            ))
        beside = BesideOutcome()
        if _any_declares(names, "needs_test_run"):
            ctx.run_dir = held.enter_context(run_folder(ctx.state_dir))
            beside = _run_suite(ctx, names, request)
        analyses: list[Analysis] = [get_analysis(name) for name in names]
        results: dict[str, AnalysisResult] = {}
        for analysis in analyses:
            progress.step(f"{analysis.title.lower()}...")
            entry = beside.entries.get(analysis.name)
            if entry is not None:
                progress.replay(entry.lines)
                if entry.phase is not None:
                    request.timings.add([entry.phase])
                if entry.mode == RUN:
                    if entry.error is not None:
                        raise entry.error
                    results[analysis.name] = entry.result
                    continue
            with request.timings.phase(analysis_phase(analysis.name)):
                results[analysis.name] = analysis.run(ctx)
    result = AuditResult(
        project=config.project,  # [project].name, else the folder's name
        root=str(config.root),
        commit=git_commit(config.root),
        branch=git_branch(config.root),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        duration_seconds=0.0,
        config_fingerprint=config.fingerprint(),
        analyses=results,
        test_run=ctx.test_run,
    )
    with request.timings.phase(GATE):
        _judge(result, analyses, config, request)
    result.duration_seconds = round(time.monotonic() - started, 3)
    return result


def _run_suite(ctx: AuditContext, names: list[str], request: AuditRequest) -> BesideOutcome:
    """The one test run, with the analyses that may run beside it (:mod:`auditor.beside`)."""
    from auditor.testrun.runner import run_test_suite

    work = beside_work(ctx, names)
    worker = BesideSuite(ctx, work).start() if work else None
    try:
        ctx.test_run = run_test_suite(
            ctx,
            with_coverage=_any_declares(names, "needs_coverage"),
            record_classes=_any_declares(names, "needs_class_records"),
            # what an analysis asks the plugin to record (its companion's variables)
            extra_env={k: v for n in names if _has_hook(n, "test_run_environment")
                       for k, v in _hook(n, "test_run_environment")(ctx).items()},
            export_coverage_json=_any_declares(names, "needs_coverage_json"),
            warm_up=_warm_up(ctx, names, request.warm_up),
        )
    except BaseException:
        if worker is not None:
            worker.stop()
        raise
    return worker.finish(request.timings) if worker is not None else BesideOutcome()


def _any_declares(names: list[str], attribute: str) -> bool:
    """Whether one of the analyses ``names`` sets the flag ``attribute``.

    Read as :func:`auditor.registry.declared` reads it (from the class source
    when it says, else from the class): what the test run needs is known
    without importing the analyses, whose modules the warm-up imports while
    the suite runs.
    """
    return any(bool(declared(name, attribute, False)) for name in names)


def _has_hook(name: str, method: str) -> bool:
    """Whether the analysis ``name`` has the method ``method`` (imported only if it may)."""
    return declared(name, method, None) is not None


def _hook(name: str, method: str) -> Callable[[AuditContext], Any]:
    """The optional method ``method`` of the analysis ``name`` (not in the protocol)."""
    found: Callable[[AuditContext], Any] = getattr(get_analysis(name), method)
    return found


def _warm_up(ctx: AuditContext, names: list[str],
             callers: list[Callable[[], object]]) -> list[Callable[[], object]]:
    """The warm-up while the suite runs, in the order the audit needs things after it:
    the analyses' modules, each analysis's own ``warm_up_steps(ctx)`` where it has
    them, then the caller's steps (reports, history)."""
    steps: list[Callable[[], object]] = [functools.partial(get_analysis, n) for n in names]
    for name in names:
        if _has_hook(name, "warm_up_steps"):
            steps += _hook(name, "warm_up_steps")(ctx)
    return steps + callers


def _judge(result: AuditResult, analyses: list[Analysis], config: AuditConfig,
           request: AuditRequest) -> None:
    """Evaluate the gate: every analysis's rules, then the extra ones (history)."""
    document = result.to_dict()
    rules = [
        rule
        for analysis in analyses
        for rule in analysis.gate_rules(config.gate, document["analyses"][analysis.name])
    ]
    result.gate = evaluate(rules, document["analyses"], enabled=config.gate_enabled)
    # Extra rules read the measurements, not the gate: the document built
    # above serves them as it is.
    for extra in request.extra_rules:
        result.gate.rules.extend(extra(config, document))
