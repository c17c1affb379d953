"""The physical limit of a mutation run, and how far the run was from it.

Whatever the scheduling, each tested mutant costs at least the time of the
tests needed for its verdict:

- a killed mutant needs one killing test: the fastest test that kills it
  (from the kill matrix's ``killed_by``);
- a surviving mutant needs every test that covers it to pass: the sum of
  their durations;
- a timed-out mutant is only called hung after its covering tests' time has
  passed: the sum too (as a survivor).

The limit is the sum of those costs divided by the cores the run could use
(``max_children``): the wall time of a perfect scheduler with free process
starts. Test durations are mutmut's stats (the ``call`` phase of each test,
measured on the unmutated code).

Without the kill matrix the killers of a mutant are unknown, and the fastest
*covering* test stands in for the fastest killing one: a lower bound of the
limit (``basis: "fastest covering test"``), so ``actual / limit`` is then an
upper bound of the true ratio.

Mutants with no covering test, skipped or caught by the type checker cost
nothing: mutmut decides them without running a test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from auditor.model import JSONDict
from auditor.mutation import status as st
from auditor.mutation.records import MutantRecord

KILL_MATRIX_BASIS = "kill matrix"
COVERING_BASIS = "fastest covering test"


@dataclass(frozen=True)
class MutantCost:
    """What one mutant costs at the least, in seconds of test time."""

    id: str
    seconds: float
    kind: str  # "killed", "survived", "timeout", "free"


def mutant_cost(mutant: MutantRecord, durations: Mapping[str, float]) -> MutantCost:
    """The least test time ``mutant``'s verdict needs (see the module docstring)."""
    if mutant.status in st.INVALID or not mutant.covered_by or mutant.status == st.NO_TESTS:
        return MutantCost(mutant.id, 0.0, "free")
    covering = [durations.get(test, 0.0) for test in mutant.covered_by]
    if mutant.status == st.KILLED:
        killers = mutant.killed_by
        known = [durations.get(test, 0.0) for test in killers or []]
        # no killer in the matrix (a kill from a crash in collection, say): any test may do
        return MutantCost(mutant.id, min(known or covering), "killed")
    kind = mutant.status if mutant.status in (st.SURVIVED, st.TIMEOUT) else "survived"
    return MutantCost(mutant.id, sum(covering), kind)


@dataclass(frozen=True)
class RunLimit:
    """The limit of one run next to the run's own times."""

    limit_seconds: float
    cores: int
    basis: str
    test_seconds: float  # sum of the mutant costs (limit x cores)
    killed_seconds: float  # the killed mutants' share of test_seconds
    survived_seconds: float  # survivors and timeouts
    mutants: int  # mutants that cost test time
    actual_seconds: float | None = None  # wall time of mutmut's mutant phase (first mutant on)
    mutmut_seconds: float | None = None  # wall time of mutmut's runs, every phase
    mutant_run_seconds: float | None = None  # sum of each mutant's own run (mutmut's durations)

    @property
    def ratio(self) -> float | None:
        """actual / limit (None without an actual time or with a zero limit)."""
        if self.actual_seconds is None or self.limit_seconds <= 0:
            return None
        return self.actual_seconds / self.limit_seconds

    def to_dict(self) -> JSONDict:
        ratio = self.ratio
        return {
            "limit_seconds": round(self.limit_seconds, 6),
            "cores": self.cores,
            "basis": self.basis,
            "test_seconds": round(self.test_seconds, 6),
            "killed_seconds": round(self.killed_seconds, 6),
            "survived_seconds": round(self.survived_seconds, 6),
            "mutants": self.mutants,
            "actual_seconds": None if self.actual_seconds is None else round(
                self.actual_seconds, 3),
            "mutmut_seconds": None if self.mutmut_seconds is None else round(
                self.mutmut_seconds, 3),
            "mutant_run_seconds": None if self.mutant_run_seconds is None else round(
                self.mutant_run_seconds, 3),
            "actual_over_limit": None if ratio is None else round(ratio, 2),
            "definition": (
                "sum over tested mutants of (fastest killing test's duration; for a survivor "
                "or timeout, the sum of its covering tests' durations) / cores"
            ),
        }


def run_limit(
    mutants: Iterable[MutantRecord],
    durations: Mapping[str, float],
    cores: int,
    actual_seconds: float | None = None,
    mutmut_seconds: float | None = None,
) -> RunLimit:
    """The limit of a run over ``mutants`` on ``cores`` cores (at least one)."""
    records = list(mutants)
    costs = [mutant_cost(m, durations) for m in records]
    matrix = all(m.killed_by is not None for m in records if m.status == st.KILLED)
    killed = sum(c.seconds for c in costs if c.kind == "killed")
    survived = sum(c.seconds for c in costs if c.kind in ("survived", "timeout"))
    cores = max(1, cores)
    runs = [m.duration_seconds for m in records if m.duration_seconds is not None]
    return RunLimit(
        limit_seconds=(killed + survived) / cores,
        cores=cores,
        basis=KILL_MATRIX_BASIS if matrix else COVERING_BASIS,
        test_seconds=killed + survived,
        killed_seconds=killed,
        survived_seconds=survived,
        mutants=sum(c.kind != "free" for c in costs),
        actual_seconds=actual_seconds,
        mutmut_seconds=mutmut_seconds,
        mutant_run_seconds=sum(runs) if runs else None,
    )
