"""The mutation analysis's runs of mutmut, with their failures turned into one-line errors.

One :class:`MutmutRuns` per audit: it keeps what the runs have in common (the
mutmut version whose forced-fail check passed, so a second run skips it; the
seconds spent, for the explanations' share of the cost; each run's runner).
"""

from __future__ import annotations

from auditor.context import AuditContext
from auditor.errors import IncompleteAuditError, InterruptedAuditError
from auditor.mutation.driver import MutmutOutcome, run_mutmut
from auditor.mutation.reader import read_metas
from auditor.mutation.staging import Stage, StageSettings

# What mutmut prints when no test covers any mutant (then every mutant is 'no tests').
_NO_COVERAGE = "could not find any test case for any mutant"


class MutmutRuns:
    """Runs mutmut and turns its failures into one-line audit errors."""

    def __init__(self, stage: Stage, ctx: AuditContext, settings: StageSettings) -> None:
        self.stage, self.ctx, self.settings = stage, ctx, settings
        self.no_coverage = False
        self.notes: list[str] = []
        self.version = ""  # mutmut's version, reported by its runs
        self.seconds = 0.0  # mutmut's runs, for the explanation's share of the cost
        self.mutant_phase_seconds = 0.0  # mutmut's runs from its first mutant on
        # the mutmut version whose forced-fail check passed with this stage setup
        self.forced_fail_passed_for: str | None = None
        self.runner_records: list[tuple[str, str]] = []  # every run's runner file lines

    def run(self, names: list[str] | None, generate_only: bool = False) -> MutmutOutcome:
        outcome = run_mutmut(
            self.stage,
            self.ctx.python,
            self.ctx.progress,
            names,
            self.settings.max_children,
            self.settings.memory_limit_mb,
            skip_forced_fail_for=self.forced_fail_passed_for,
            suite_timeout=self.ctx.config.test_timeout,
            runner=self.settings.runner,
        )
        self.runner_records += outcome.runner_records
        self.version = outcome.version or self.version
        self.seconds += outcome.duration_seconds
        self.mutant_phase_seconds += outcome.mutant_phase_seconds
        if outcome.interrupted:
            metas = read_metas(self.stage)
            done = sum(c is not None for m in metas.values() for c in m.exit_code_by_key.values())
            raise InterruptedAuditError(
                f"mutation testing stopped; {done} verdicts kept in "
                f"{self.stage.folder}, run again to resume"
            )
        if outcome.exit_code == 0:
            # mutmut exits 0 only after its forced-fail check (run or skipped) passed
            self.forced_fail_passed_for = outcome.version or None
            return outcome
        if generate_only and outcome.nothing_matched:
            return outcome
        if _NO_COVERAGE in outcome.output_tail:
            self.no_coverage = True
            self.notes.append("no test reaches any mutated function: every mutant is 'no tests'")
            return outcome
        last = [
            ln.strip() for ln in outcome.output_tail.replace("\r", "\n").splitlines() if ln.strip()
        ]
        raise IncompleteAuditError(
            f"mutmut run failed (exit {outcome.exit_code}) in {self.stage.folder}: "
            + " | ".join(last[-3:])
        )
