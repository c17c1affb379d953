"""The weekly review: what changed over a period, computed from the history.

:func:`build_review` reads the runs of a period (optionally one branch) and
returns a :class:`Review`: a time series of every metric (whatever the
analyses recorded, plus the derived theater gap and flaky-test count), the
change of every metric since the start of the period, the modules that
regressed most, new surviving mutants and findings, slow tests, tests that
kill no mutant and flaky tests. Charts and the written verdict are made from
this object (:mod:`auditor.history.charts`, :mod:`auditor.history.verdict`).

"Start of the period" is the first run in the period; "now" is the last.
Whether a change is better or worse comes from the metric's declaration
(stored with each run's ``report.json``: ``metric_specs``), never from its
name. Detail lists are read generically from the stored documents: the
findings contract (``findings``, matched by fingerprint, so a finding that
moved is not new), the surviving mutants among them (matched by their stable
identity) and the ``tests_killing_nothing`` list of whichever analysis has one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from auditor.contribution.period import PeriodFigure, period_figure
from auditor.errors import UsageError
from auditor.history.changes import (
    DetailItem,
    findings_of_tests,
    new_items,
    rule_titles,
)
from auditor.history.metrics import FLAKY_TESTS, MetricKey, Specs, merged_specs, with_derived
from auditor.history.queries import (
    FlakyTest,
    RunSummary,
    flaky_findings,
    flaky_from_history,
    list_runs,
    module_metrics,
    outcomes_of_run,
    report_document,
)
from auditor.history.store import HistoryStore
from auditor.metrics import MetricSpec, is_improvement, shown
from auditor.model import JSONDict

TOP_N = 10
_RELATIVE = re.compile(r"^(\d+)([hdw])$")


def parse_since(text: str, now: datetime | None = None) -> str:
    """``7d``/``12h``/``2w`` (ago) or an ISO date/time, as a UTC timestamp string."""
    now = now or datetime.now(UTC)
    match = _RELATIVE.match(text.strip())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        delta = {"h": timedelta(hours=amount), "d": timedelta(days=amount)}.get(
            unit, timedelta(weeks=amount)
        )
        moment = now - delta
    else:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise UsageError(
                f"--since {text}: expected a duration like 7d, 12h, 2w or a date like 2026-11-01"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass
class MetricChange:
    analysis: str
    metric: str
    start: float | None
    end: float | None
    spec: MetricSpec | None = None  # None: not declared, so neither better nor worse

    @property
    def delta(self) -> Decimal | None:
        if self.start is None or self.end is None:
            return None
        return shown(self.end) - shown(self.start)

    @property
    def improved(self) -> bool | None:
        delta = self.delta
        return None if delta is None else is_improvement(self.spec, delta)

    @property
    def direction(self) -> str:
        if self.spec is None:
            return "direction not declared"
        return "higher is better" if self.spec.higher_is_better else "lower is better"


@dataclass
class ModuleChange(MetricChange):
    module: str = ""


@dataclass
class SlowTest:
    nodeid: str
    duration: float
    start_duration: float | None

    @property
    def delta(self) -> float | None:
        return None if self.start_duration is None else self.duration - self.start_duration


SLOWER_MIN_SECONDS = 0.1
SLOWER_MIN_RATIO = 1.25


def slower_tests(start: dict[str, tuple[str, float]], end: dict[str, tuple[str, float]]
                 ) -> list[SlowTest]:  # fmt: skip
    """Tests run at both ends whose duration grew by 0.1 s and by a quarter or more.

    Both bounds, so that the jitter of a millisecond test (doubling from 2 to
    4 ms) and of a long test (1 % of a minute) are not called a slowdown.
    """
    grown = [
        SlowTest(nodeid, duration, start[nodeid][1])
        for nodeid, (_, duration) in end.items()
        if nodeid in start
        and duration - start[nodeid][1] >= SLOWER_MIN_SECONDS
        and duration >= start[nodeid][1] * SLOWER_MIN_RATIO
    ]
    return sorted(grown, key=lambda t: (-(t.delta or 0.0), t.nodeid))[:TOP_N]


@dataclass
class Series:
    """One metric over the runs of the period (``None`` where a run did not measure it)."""

    analysis: str
    metric: str
    points: list[tuple[RunSummary, float | None]]
    spec: MetricSpec | None = None
    title: str = ""  # a findings series: its rule's one-line title

    @property
    def key(self) -> str:
        """``analysis.metric``: the id (data attributes, file names), never a legend."""
        return f"{self.analysis}.{self.metric}"

    @property
    def label(self) -> str:
        """What a person reads: the declared label, a rule's title (and id), else the name.

        A chart's title names the analysis, so an undeclared metric or a rule
        without a title is its bare name (``sleep-in-test``), not ``smells.sleep-in-test``.
        """
        if self.spec is not None:
            return self.spec.label
        if self.title:
            return f"{self.title} ({self.metric})"
        return self.metric

    @property
    def measured(self) -> bool:
        return any(v is not None for _, v in self.points)


@dataclass
class Review:
    since: str
    branch: str | None
    runs: list[RunSummary]
    project: str | None = None  # None: every run of the history (a one-project file)
    series: dict[MetricKey, Series] = field(default_factory=dict)
    specs: Specs = field(default_factory=dict)
    finding_series: dict[MetricKey, Series] = field(default_factory=dict)
    changes: list[MetricChange] = field(default_factory=list)
    module_regressions: list[ModuleChange] = field(default_factory=list)
    new_survivors: list[DetailItem] = field(default_factory=list)
    fixed_survivors: list[DetailItem] = field(default_factory=list)
    """Survivors of the first run whose stable identity the last run has no survivor of."""
    new_findings: list[DetailItem] = field(default_factory=list)
    fixed_findings: list[DetailItem] = field(default_factory=list)
    slowest_tests: list[SlowTest] = field(default_factory=list)
    slower_tests: list[SlowTest] = field(default_factory=list)
    """Tests of both ends of the period that got slower (most added seconds first)."""
    tests_killing_nothing: list[str] | None = None
    flaky: list[FlakyTest] = field(default_factory=list)
    new_tests: list[str] = field(default_factory=list)
    new_tests_with_findings: dict[str, list[str]] = field(default_factory=dict)
    levels: dict[MetricKey, str] = field(default_factory=dict)
    """The last run's level of a metric whose analysis grades it (Stryker thresholds)."""
    new_tests_catching_new: PeriodFigure | None = None
    """Of the tests added in the period, those killing a mutant no older test kills."""

    @property
    def start(self) -> RunSummary | None:
        return self.runs[0] if self.runs else None

    @property
    def end(self) -> RunSummary | None:
        return self.runs[-1] if self.runs else None

    def change(self, analysis: str, metric: str) -> MetricChange | None:
        for change in self.changes:
            if (change.analysis, change.metric) == (analysis, metric):
                return change
        return None


def build_review(
    store: HistoryStore, since: str, branch: str | None = None, project: str | None = None
) -> Review:
    """Everything the review shows for the runs since ``since`` (on ``branch``, of ``project``)."""
    runs = list_runs(store, since=since, branch=branch, project=project)
    review = Review(since=since, branch=branch, runs=runs, project=project)
    if not runs:
        return review
    _add_flaky_counts(store, runs)
    per_run = {run.id: with_derived(run.metrics) for run in runs}
    keys = sorted({key for metrics in per_run.values() for key in metrics})
    start, end = runs[0], runs[-1]
    start_doc, end_doc = report_document(store, start.id), report_document(store, end.id)
    review.specs = _declarations(store, runs, [start_doc, end_doc], keys)
    for key in keys:
        review.series[key] = Series(
            key[0], key[1], [(r, per_run[r.id].get(key)) for r in runs], review.specs.get(key)
        )
    review.finding_series = _finding_series(store, runs)
    review.levels = {
        (name, metric): str(level)
        for name, section in (end_doc.get("analyses") or {}).items() if isinstance(section, dict)
        for metric, level in (section.get("metric_levels") or {}).items()
    }
    titles = rule_titles([end_doc, start_doc])
    for (analysis, rule), series in review.finding_series.items():
        series.title = titles.get((analysis, rule), "")
    review.changes = [
        MetricChange(
            key[0],
            key[1],
            _first(review.series[key]),
            per_run[end.id].get(key),
            review.specs.get(key),
        )
        for key in keys
    ]
    review.module_regressions = _module_regressions(store, start, end, review.specs)
    review.new_survivors = new_items(start_doc, end_doc, survivors=True) if start is not end else []
    review.new_findings = new_items(start_doc, end_doc, survivors=False) if start is not end else []
    if start is not end:  # the same comparison the other way round: gone by the end
        review.fixed_survivors = new_items(end_doc, start_doc, survivors=True)
        review.fixed_findings = new_items(end_doc, start_doc, survivors=False)
    start_tests, end_tests = outcomes_of_run(store, start.id), outcomes_of_run(store, end.id)
    review.slowest_tests = [
        SlowTest(nodeid, duration, start_tests.get(nodeid, (None, None))[1])
        for nodeid, (_, duration) in sorted(end_tests.items(), key=lambda kv: -kv[1][1])[:TOP_N]
    ]
    review.slower_tests = slower_tests(start_tests, end_tests)
    # Whichever analysis reports tests that kill nothing (the mutation analysis's kill matrix).
    sections = (end_doc.get("analyses") or {}).values()
    lists = [v.get("tests_killing_nothing") for v in sections if isinstance(v, dict)]
    killing_nothing = next((found for found in lists if found is not None), None)
    review.tests_killing_nothing = list(killing_nothing) if killing_nothing is not None else None
    review.flaky = _flaky(store, runs, since, branch, project)
    if start is not end:
        review.new_tests = sorted(set(end_tests) - set(start_tests))
        review.new_tests_with_findings = findings_of_tests(end_doc, set(review.new_tests))
        review.new_tests_catching_new = period_figure(start_doc, end_doc, review.new_tests)
    return review


def _declarations(
    store: HistoryStore, runs: list[RunSummary], docs: list[JSONDict], keys: list[MetricKey]
) -> Specs:
    """The declarations of ``keys``: from the first and last runs' documents, then
    from the runs in between (newest first) for a metric measured only there."""
    specs = merged_specs(docs)
    for run in reversed(runs[1:-1]):
        if all(key in specs for key in keys):
            break
        found = merged_specs([report_document(store, run.id)])
        specs.update({key: spec for key, spec in found.items() if key not in specs})
    return specs


def _first(series: Series) -> float | None:
    """The first measured value of the period (a metric may appear mid-period)."""
    return next((v for _, v in series.points if v is not None), None)


def _add_flaky_counts(store: HistoryStore, runs: list[RunSummary]) -> None:
    """Set ``derived.flaky_tests`` per run: tests flaky on its commit as of that run."""
    seen: set[int] = set()
    for run in runs:
        seen.add(run.id)
        if run.commit is None or ("tests", "tests_total") not in run.metrics:
            continue  # no commit or no test outcomes: flakiness not measured
        earlier = [
            row[0]
            for row in store.execute(
                "SELECT id FROM runs WHERE commit_sha = ? AND (created < ? OR id = ?)",
                (run.commit, run.created, run.id),
            )
        ]
        run.metrics[FLAKY_TESTS] = float(len(flaky_from_history(store, run_ids=earlier)))


def _finding_series(store: HistoryStore, runs: list[RunSummary]) -> dict[MetricKey, Series]:
    counts: dict[int, dict[MetricKey, float]] = defaultdict(dict)
    marks = ",".join("?" * len(runs))
    for run_id, analysis, rule, count in store.execute(
        f"SELECT run_id, analysis, rule, count FROM findings WHERE run_id IN ({marks})",
        [r.id for r in runs],
    ):
        counts[run_id][(analysis, rule)] = float(count)
    keys = sorted({key for c in counts.values() for key in c})
    # A run of an analysis that reported no finding of a rule has 0 of it.
    ran = {r.id: {a for a, _ in r.metrics} for r in runs}
    return {
        key: Series(
            key[0],
            key[1],
            [(r, counts[r.id].get(key, 0.0 if key[0] in ran[r.id] else None)) for r in runs],
        )
        for key in keys
    }


def _module_regressions(
    store: HistoryStore, start: RunSummary, end: RunSummary, specs: Specs
) -> list[ModuleChange]:
    if start is end:
        return []
    before, after = module_metrics(store, start.id), module_metrics(store, end.id)
    changes = [
        ModuleChange(
            analysis, metric, before[key], value, specs.get((analysis, metric)), module=module
        )
        for key, value in after.items()
        if key in before
        for analysis, module, metric in [key]
    ]
    worse = [c for c in changes if c.improved is False]
    # Most regressed first: the size of the move in the bad direction.
    worse.sort(key=lambda c: (-abs(c.delta or Decimal(0)), c.analysis, c.module, c.metric))
    return worse[:TOP_N]


def _flaky(
    store: HistoryStore,
    runs: list[RunSummary],
    since: str,
    branch: str | None,
    project: str | None,
) -> list[FlakyTest]:
    from_history = flaky_from_history(store, run_ids=[r.id for r in runs])
    recorded = flaky_findings(store, since=since, branch=branch, project=project)
    return from_history + recorded
