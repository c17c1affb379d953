"""Gate rules that compare the current audit with the history.

``[tool.audit.gate] no_regression = {line_percent = 0.5, mutation_score = 1.0}``
lets each named metric get worse by at most that many points against the
latest run on ``baseline_branch`` (default ``main``). ``max_flaky = N``
allows at most N tests that both passed and failed on the current commit
(in recorded runs, this run, or ``audit flaky`` findings).

With no history, or no run on the baseline branch, or a baseline that did
not measure the metric, the rule is *skipped* (never passed) and its reason
says why. Which way is worse comes from the metric's declaration in the
current report (``metric_specs``); a metric without one is skipped too.
Every evaluated rule names the baseline run (id, commit, date).
"""

from __future__ import annotations

from typing import Any

from auditor.history.backends import exists, opened
from auditor.history.gate_schema import HISTORY_GATE_SCHEMA
from auditor.history.metrics import Specs, find_metric, merged_specs, report_metrics
from auditor.history.postgres import HistoryUnreachable
from auditor.history.queries import RunSummary, flaky_findings, flaky_from_history, latest_run
from auditor.history.store import HistoryStore
from auditor.history.url import HistoryTarget
from auditor.metrics import gain, shown
from auditor.model import JSONDict, RuleResult

# HISTORY_GATE_SCHEMA lives in gate_schema (imported before the suite runs), named here too
__all__ = ["DEFAULT_BASELINE_BRANCH", "HISTORY_GATE_SCHEMA", "describe_run", "regression_rules"]

DEFAULT_BASELINE_BRANCH = "main"


def describe_run(run: RunSummary) -> str:
    return f"run #{run.id} ({run.branch or 'no branch'} @ {run.short_commit}, {run.created[:19]}Z)"


def regression_rules(
    history_path: HistoryTarget, gate_config: dict[str, Any], report: JSONDict
) -> list[RuleResult]:
    """The history's gate rules for the audit whose document is ``report``.

    Reads the history only (a missing file is not created). Called by the
    runner before the current run is recorded, so the baseline is never the
    run being gated.
    """
    tolerances: dict[str, float] = dict(gate_config.get("no_regression") or {})
    max_flaky = gate_config.get("max_flaky")
    if not tolerances and max_flaky is None:
        return []
    branch = str(gate_config.get("baseline_branch") or DEFAULT_BASELINE_BRANCH)
    current = report_metrics(report)
    specs = merged_specs([report])
    if not exists(history_path):
        missing = f"no history at {history_path}"
        return _without_history(
            (f"{missing} yet", missing), tolerances, max_flaky, branch, (current, specs), report
        )
    try:
        with opened(history_path, create=False) as store:
            # A server holds many projects: the baseline is this project's.
            project = str(report.get("project")) if store.shared else None
            baseline = latest_run(store, branch, project)
            rules = [
                _regression_rule(
                    name, float(tol), branch, (current, specs), baseline, history_path
                )
                for name, tol in tolerances.items()
            ]
            if max_flaky is not None:
                rules.append(_flaky_rule(store, "", int(max_flaky), report, project))
    except HistoryUnreachable as exc:
        # The server went away while the suite ran: the run itself goes to the
        # local fallback; the comparison cannot be made, so it is skipped (never passed).
        reasons = (f"{exc.message}; not compared", exc.message)
        return _without_history(
            reasons, tolerances, max_flaky, branch, (current, specs), report
        )
    return rules


def _without_history(
    reasons: tuple[str, str],
    tolerances: dict[str, float],
    max_flaky: Any,
    branch: str,
    current: Measured,
    report: JSONDict,
) -> list[RuleResult]:
    rules = [
        _skipped_regression(name, tol, branch, current, reasons[0])
        for name, tol in tolerances.items()
    ]
    if max_flaky is not None:
        rules.append(_flaky_rule(None, reasons[1], int(max_flaky), report))
    return rules


Measured = tuple[dict[tuple[str, str], float], Specs]
"""The current run's metrics and their declarations."""


def _description(name: str, tolerance: float, branch: str, current: Measured) -> str:
    found = find_metric(current[0], name)
    spec = current[1].get(found[0]) if found else None
    worse = "change" if spec is None else ("drop" if spec.higher_is_better else "rise")
    return f"{name} may {worse} at most {tolerance:g} points against the latest {branch} run"


def _skipped_regression(
    name: str, tolerance: float, branch: str, current: Measured, reason: str
) -> RuleResult:
    found = find_metric(current[0], name)
    return RuleResult(
        id=f"no_regression.{name}",
        description=_description(name, tolerance, branch, current),
        comparison=">=",
        threshold=-float(tolerance),
        measured=None,
        status="skipped",
        reason=reason,
        analysis=found[0][0] if found else "",
    )


def _regression_rule(
    name: str,
    tolerance: float,
    branch: str,
    current: Measured,
    baseline: RunSummary | None,
    history_path: HistoryTarget,
) -> RuleResult:
    if baseline is None:
        return _skipped_regression(
            name,
            tolerance,
            branch,
            current,
            f"no baseline: no run on branch {branch!r} in {history_path}",
        )
    found = find_metric(current[0], name)
    if found is None:
        return _skipped_regression(
            name,
            tolerance,
            branch,
            current,
            f"{name} was not measured in this run (baseline {describe_run(baseline)})",
        )
    key, now = found
    before = baseline.metrics.get(key)
    if before is None:
        return _skipped_regression(
            name,
            tolerance,
            branch,
            current,
            f"baseline {describe_run(baseline)} did not measure {key[0]}.{key[1]}",
        )
    # The change in the good direction, compared as displayed (2 decimals).
    change = gain(current[1].get(key), shown(now) - shown(before))
    if change is None:
        return _skipped_regression(
            name, tolerance, branch, current,
            f"{key[0]}.{key[1]} declares no direction (higher or lower is better)",
        )
    ok = change >= -shown(tolerance)
    verb = "improved" if change > 0 else ("unchanged" if change == 0 else "worsened")
    return RuleResult(
        id=f"no_regression.{name}",
        description=(
            f"{_description(name, tolerance, branch, current)}: baseline {describe_run(baseline)}"
        ),
        comparison=">=",
        threshold=-float(tolerance),
        measured=float(change),
        status="passed" if ok else "failed",
        reason=(
            f"{key[0]}.{key[1]} {verb}: {shown(before)} in baseline {describe_run(baseline)}"
            f" -> {shown(now)} now (change {change:+} points, tolerance {tolerance:g})"
        ),
        analysis=key[0],
    )


def _flaky_rule(
    store: HistoryStore | None,
    no_history: str,
    max_flaky: int,
    report: JSONDict,
    project: str | None = None,
) -> RuleResult:
    def rule(measured: int | None, status: str, reason: str) -> RuleResult:
        return RuleResult(
            id="max_flaky",
            description=f"at most {max_flaky} flaky tests on this commit",
            comparison="<=",
            threshold=float(max_flaky),
            measured=measured,
            status=status,
            reason=reason,
            analysis="tests",
        )

    commit = report.get("commit")
    if commit is None:
        return rule(None, "skipped", "not a git checkout")
    if store is None:
        return rule(
            None,
            "skipped",
            f"{no_history}: flakiness needs earlier runs of this commit",
        )
    current = [(t["nodeid"], t["outcome"]) for t in (report.get("tests") or {}).get("tests", [])]
    flaky = {
        f.nodeid
        for f in flaky_from_history(store, commit=commit, extra=current, project=project)
    }
    flaky |= {f.nodeid for f in flaky_findings(store, project=project) if f.commit == commit}
    names = ", ".join(sorted(flaky)[:5]) + (" ..." if len(flaky) > 5 else "")
    return rule(
        len(flaky),
        "passed" if len(flaky) <= max_flaky else "failed",
        f"{len(flaky)} flaky on {commit[:10]}" + (f": {names}" if flaky else ""),
    )
