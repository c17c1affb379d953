"""The phase profile: ``report.json`` ``timings`` and ``audit report --timings``.

Real audits of a fixture project in a subprocess. The expectations are
derived from what the audit must have done, not copied from its output:
a coverage audit probes the interpreter, runs the suite, reads the coverage
data, runs the coverage analysis, judges the gate, renders every report
format and records the history; phases do not overlap, so their wall times
add up to at most the command's own wall time, which the test measures from
outside. The CPU of the test run is spent in the child interpreter: the
test makes the suite burn a known amount of CPU and checks it is counted.

Each test reads an audit shared with other modules (tests/core/shared_audits.py):
the report audit of the calc project with the busy test, and the coverage
audit with ``--timings``.
"""

from __future__ import annotations

import pytest

from auditor.reports.json_report import validate_report
from tests.core.shared_audits import BUSY_CPU_SECONDS, SharedAudit
from tests.support.projects import read_report

pytestmark = pytest.mark.xdist_group("core-calc-audits")


def _phases(report: dict[str, object]) -> dict[str, dict[str, float]]:
    timings = report["timings"]
    assert isinstance(timings, dict)
    return {p["name"]: p for p in timings["phases"]}


@pytest.mark.slow
def test_report_json_records_every_phase_of_a_coverage_audit(
    calc_report_audit: SharedAudit,
) -> None:
    project, done = calc_report_audit.root, calc_report_audit.run
    outside_wall = calc_report_audit.outside_wall
    assert done.exit_code == 0, done.stderr

    report = read_report(project)
    validate_report(report)  # the timings section is declared in the schema
    phases = _phases(report)
    expected = {"configuration", "interpreter_probe", "test_run", "coverage_read",
                "analysis:coverage", "gate", "report:report.json", "report:index.html",
                "report:report.md", "history"}
    assert expected <= set(phases), sorted(phases)
    timings = report["timings"]
    for phase in phases.values():
        assert phase["wall_seconds"] >= 0 and phase["cpu_seconds"] >= 0
    total_wall = timings["total_wall_seconds"]
    assert sum(p["wall_seconds"] for p in phases.values()) <= total_wall
    # the command's wall time includes the interpreter start-up before the profile began
    assert total_wall <= outside_wall
    # the suite's 0.5 s of CPU is in the child process; counted in the test run's phase
    assert phases["test_run"]["cpu_seconds"] >= BUSY_CPU_SECONDS
    assert phases["test_run"]["wall_seconds"] >= BUSY_CPU_SECONDS
    assert timings["total_cpu_seconds"] >= phases["test_run"]["cpu_seconds"]
    # the run's test duration (measured by the runner) is inside the test_run phase
    assert phases["test_run"]["wall_seconds"] >= report["tests"]["duration_seconds"] - 0.01


@pytest.mark.slow
def test_timings_flag_prints_the_same_phases(calc_coverage_audit: SharedAudit) -> None:
    project, done = calc_coverage_audit.root, calc_coverage_audit.run
    assert done.exit_code == 0, done.stderr
    printed = {line.split()[0] for line in done.stdout.splitlines()
               if line.split() and line.split()[0] in {"test_run", "total", "analysis:coverage"}}
    assert printed == {"test_run", "total", "analysis:coverage"}
    names = set(_phases(read_report(project)))
    # `audit coverage` records no history: no history phase, in the file or printed
    assert "history" not in names
    assert not any(line.startswith("history ") for line in done.stdout.splitlines())
