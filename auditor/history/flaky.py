"""``audit flaky``: find tests whose outcome depends on order or chance, and why.

1. Run the suite N times, each in an order shuffled with a recorded seed.
2. A test that passed in one run and failed in another is flaky.
3. For each, find the cause by replaying explicit orders
   (:meth:`SuiteRunner.run` with ``order=``):

   - the test passes alone but failed after others ran: bisect the tests that
     ran before it in the failing run for the *polluter* (the half that still
     makes it fail is kept; a test needing tests from both halves is reported
     with the smallest set found) — kind ``polluted``;
   - the test fails alone but passed in another order: bisect the tests before
     it in a passing run for the test it *depends on* — kind ``depends-on``;
   - neither replay reproduces the failure: kind ``nondeterministic``.

Every finding carries the seed of the failing run, the full failing order up
to the test, and the minimal order that reproduces it (written as a JSON file
for ``--audit-order-from``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from auditor.history.suite import SuiteRun, SuiteRunner
from auditor.model import JSONDict

MAX_INVESTIGATED = 20
POLLUTED = "polluted"
DEPENDS_ON = "depends-on"
NONDETERMINISTIC = "nondeterministic"


@dataclass
class FlakyFinding:
    """One flaky test, its cause when found, and how to reproduce it."""

    nodeid: str
    kind: str
    partners: list[str]
    seed: int | None
    failing_order: list[str]
    minimal_order: list[str]
    passed: int
    failed: int
    investigated: bool = True

    @property
    def description(self) -> str:
        if self.kind == POLLUTED and self.partners:
            return f"fails after {', '.join(self.partners)} ran"
        if self.kind == DEPENDS_ON and self.partners:
            return f"passes only after {', '.join(self.partners)} ran"
        if not self.investigated:
            return "not investigated (too many flaky tests)"
        return "fails in some runs whatever the order"

    def to_json(self) -> JSONDict:
        return {
            "nodeid": self.nodeid,
            "kind": self.kind,
            "partners": self.partners,
            "description": self.description,
            "seed": self.seed,
            "failing_order": self.failing_order,
            "minimal_order": self.minimal_order,
            "passed": self.passed,
            "failed": self.failed,
            "investigated": self.investigated,
        }


@dataclass
class FlakyReport:
    master_seed: int
    runs: list[SuiteRun]
    findings: list[FlakyFinding] = field(default_factory=list)
    runs_made: int = 0

    def to_json(self) -> JSONDict:
        return {
            "master_seed": self.master_seed,
            "runs": [
                {
                    "seed": r.seed,
                    "order": r.order,
                    "failed": sorted(n for n in r.outcomes if r.failed(n)),
                }
                for r in self.runs
            ],
            "flaky": [f.to_json() for f in self.findings],
            "suite_runs_made": self.runs_made,
        }


def run_seeds(master_seed: int, runs: int) -> list[int]:
    """The per-run seeds, derived from one master seed (so a whole session replays)."""
    rng = random.Random(master_seed)
    return [rng.randrange(2**31) for _ in range(runs)]


def find_flaky(
    runner: SuiteRunner,
    runs: int,
    master_seed: int,
    progress: Callable[[str], None] = lambda _: None,
) -> FlakyReport:
    """Run the suite ``runs`` times shuffled, then explain each flaky test."""
    suite_runs = []
    for index, seed in enumerate(run_seeds(master_seed, runs), start=1):
        progress(f"run {index}/{runs} (seed {seed})")
        suite_runs.append(runner.run(seed=seed))
    report = FlakyReport(master_seed=master_seed, runs=suite_runs)
    for number, nodeid in enumerate(flaky_nodeids(suite_runs)):
        passed = sum(r.passed(nodeid) for r in suite_runs)
        failed = sum(r.failed(nodeid) for r in suite_runs)
        if number >= MAX_INVESTIGATED:
            failing = next(r for r in suite_runs if r.failed(nodeid))
            report.findings.append(
                FlakyFinding(
                    nodeid,
                    NONDETERMINISTIC,
                    [],
                    failing.seed,
                    [*_before(failing, nodeid), nodeid],
                    [],
                    passed,
                    failed,
                    investigated=False,
                )
            )
            continue
        progress(f"bisecting {nodeid}")
        report.findings.append(investigate(runner, nodeid, suite_runs, passed, failed))
    report.runs_made = runner.runs_made
    return report


def flaky_nodeids(suite_runs: list[SuiteRun]) -> list[str]:
    """Tests that passed in at least one run and failed in another."""
    nodeids = sorted({n for r in suite_runs for n in r.outcomes})
    return [
        n
        for n in nodeids
        if any(r.passed(n) for r in suite_runs) and any(r.failed(n) for r in suite_runs)
    ]


def _before(run: SuiteRun, nodeid: str) -> list[str]:
    return run.order[: run.order.index(nodeid)] if nodeid in run.order else []


def investigate(
    runner: SuiteRunner, victim: str, suite_runs: list[SuiteRun], passed: int, failed: int
) -> FlakyFinding:
    failing = next(r for r in suite_runs if r.failed(victim))
    passing = next(r for r in suite_runs if r.passed(victim))
    failing_order = [*_before(failing, victim), victim]

    def finding(kind: str, partners: list[str]) -> FlakyFinding:
        minimal = [*partners, victim] if partners else []
        return FlakyFinding(
            victim, kind, partners, failing.seed, failing_order, minimal, passed, failed
        )

    alone = runner.run(order=[victim])
    if alone.passed(victim):
        culprits = bisect(runner, victim, _before(failing, victim), want_failure=True)
        if culprits:
            return finding(POLLUTED, culprits)
    elif alone.failed(victim):
        setters = bisect(runner, victim, _before(passing, victim), want_failure=False)
        if setters:
            return finding(DEPENDS_ON, setters)
    return finding(NONDETERMINISTIC, [])


def bisect(
    runner: SuiteRunner, victim: str, candidates: list[str], *, want_failure: bool
) -> list[str] | None:
    """The smallest run of ``candidates`` found that, run before ``victim``, reproduces.

    "Reproduces" is the victim failing (``want_failure``: looking for a
    polluter) or passing (looking for the test it depends on). ``None`` when
    even all candidates together do not reproduce it.
    """

    def reproduces(tests: list[str]) -> bool:
        run = runner.run(order=[*tests, victim])
        return run.failed(victim) if want_failure else run.passed(victim)

    if not candidates or not reproduces(candidates):
        return None
    while len(candidates) > 1:
        middle = len(candidates) // 2
        first, second = candidates[:middle], candidates[middle:]
        if reproduces(first):
            candidates = first
        elif reproduces(second):
            candidates = second
        else:
            break  # it takes tests from both halves together
    return candidates
