"""The phase profile of one audit: wall and CPU time of every phase.

Where does an audit's time go: the interpreter probe, the test run, reading
the coverage data, each analysis, each report format, the history? The
profile answers it from the run itself, so that a performance change is
measured on the phase it targets (``report.json`` ``timings``, printed by
``audit report --timings``; the bench reads it).

CPU time is this process's (:func:`time.process_time`) plus that of the
child processes it waited for during the phase
(:func:`resource.getrusage` ``RUSAGE_CHILDREN``): the test run's CPU is
spent in the suite's interpreter, not in ours. A child still running when a
phase ends (none should) is counted in the phase that reaps it.

Analyses that run beside the suite (:mod:`auditor.beside`) run in another
process while the suite runs: their phases are marked ``beside = "test_run"``
and carry that process's own wall and CPU time; the CPU of that process is
taken out of the phase that reaped it, so no CPU second is counted twice.

This module imports nothing heavy: the CLI creates the profile before it
knows which analyses run.
"""

from __future__ import annotations

import contextlib
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# The order phases are printed in when they ran; a phase not listed here
# (an analysis's or a format's) keeps the order it ran in.
CONFIGURATION = "configuration"  # reading [tool.audit]: every analysis's schema part
PROBE = "interpreter_probe"
TEST_RUN = "test_run"
COVERAGE_READ = "coverage_read"
GATE = "gate"
HISTORY = "history"


def analysis_phase(name: str) -> str:
    """The phase name of the analysis ``name`` (``analysis:coverage``)."""
    return f"analysis:{name}"


def prepare_phase(name: str) -> str:
    """The phase of the part of the analysis ``name`` done beside the suite
    (``analysis:mocks:prepare``, :mod:`auditor.beside`)."""
    return f"{analysis_phase(name)}:prepare"


def report_phase(filename: str) -> str:
    """The phase name of the report format that writes ``filename`` (``report:index.html``)."""
    return f"report:{filename}"


def _cpu_now() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@dataclass
class Phase:
    """One measured phase: its name, wall seconds and CPU seconds."""

    name: str
    wall_seconds: float
    cpu_seconds: float
    beside: str = ""
    """The phase this one overlapped, in another process ("" for the serial phases)."""

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "name": self.name,
            "wall_seconds": round(self.wall_seconds, 4),
            "cpu_seconds": round(self.cpu_seconds, 4),
        }
        if self.beside:
            found["beside"] = self.beside
        return found


@dataclass
class Measuring:
    """What the block of :meth:`PhaseTimings.phase` may tell about the phase under way."""

    counted_elsewhere: float = 0.0
    """CPU seconds of a child process the block reaped whose own phases carry that CPU
    already (the process beside the suite): left out of this phase."""


@dataclass
class PhaseTimings:
    """The phases of one audit, in the order they ran, and the audit's total.

    ``total`` runs from the creation of the profile (the command starting)
    to :meth:`finish`; the serial phases never overlap, so their sum is at
    most the total (the rest is configuration, locking and printing).
    """

    phases: list[Phase] = field(default_factory=list)
    _wall_start: float = field(default_factory=time.perf_counter)
    _cpu_start: float = field(default_factory=_cpu_now)
    total: Phase | None = None

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[Measuring]:
        """Measure the block as the phase ``name`` (recorded even when it raises)."""
        wall, cpu, measuring = time.perf_counter(), _cpu_now(), Measuring()
        try:
            yield measuring
        finally:
            spent = max(0.0, _cpu_now() - cpu - measuring.counted_elsewhere)
            self.phases.append(Phase(name, time.perf_counter() - wall, spent))

    def add(self, phases: list[Phase]) -> None:
        """Record phases measured elsewhere (another process's)."""
        self.phases.extend(phases)

    def finish(self) -> Phase:
        """Close the profile: the total wall and CPU time since it was created."""
        self.total = Phase("total", time.perf_counter() - self._wall_start,
                           _cpu_now() - self._cpu_start)
        return self.total

    def to_dict(self) -> dict[str, Any]:
        """The ``timings`` section of ``report.json``."""
        total = self.total or self.finish()
        return {
            "phases": [phase.to_dict() for phase in self.phases],
            "total_wall_seconds": round(total.wall_seconds, 4),
            "total_cpu_seconds": round(total.cpu_seconds, 4),
        }

    def add_to(self, document: dict[str, Any]) -> dict[str, Any]:
        """``document`` (a ``report.json`` read back) with this finished profile as ``timings``.

        The profile is complete only after every report is written and the
        history recorded, so the caller adds it to ``report.json`` last
        rather than rendering it with the rest.
        """
        return {**document, "timings": self.to_dict()}

    def lines(self) -> list[str]:
        """The profile as a table for the terminal (``--timings``)."""
        total = self.total or self.finish()
        width = max([len(p.name) for p in self.phases] + [len("total")])
        out = [f"{'phase':<{width}}  {'wall s':>8}  {'cpu s':>8}"]
        for p in [*self.phases, total]:
            line = f"{p.name:<{width}}  {p.wall_seconds:>8.3f}  {p.cpu_seconds:>8.3f}"
            out.append(f"{line}  (beside {p.beside})" if p.beside else line)
        return out
