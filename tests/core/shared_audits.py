"""Audits of the calc project that several test modules of tests/core read, each run once.

Five modules used to audit the same small calc project the same way, one
audit per test: a coverage audit (coverage.py agreement, the untouched tree,
the recorded outcomes, the plain progress lines, the ``--timings`` table)
and a ``report`` audit (the phase profile in report.json, the run's own
coverage JSON export, no JUnit report when nobody asks). Each of the two is
now one real audit per session (fixtures in tests/core/conftest.py), and
every test still makes its own assertions on it. The modules that read them
name the xdist group ``"core-calc-audits"`` in their ``pytestmark`` (a string
literal: the scheduler reads it from the file's text), so one worker runs
them all and each audit is made once.

The tests only read the audited project: none writes into it (the
coverage.py-by-hand comparison runs on :attr:`SharedAudit.direct`, a copy
written before the audit and never audited).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.projects import AuditRun, make_calc_project, run_audit, tree_digest

BUSY_CPU_SECONDS = 0.5
"""CPU time the report audit's busy test burns in *its* process (the suite's child)."""

# A test that spins the CPU for BUSY_CPU_SECONDS of its process time: the test
# run's phase must count at least that much CPU, though it is the child's.
BUSY_TEST = f"""
    import time


    def test_busy():
        start = time.process_time()
        while time.process_time() - start < {BUSY_CPU_SECONDS}:
            pass
"""

# Valid Python that warns when compiled (an invalid escape): the coverage
# export's compile check must judge it as a fresh interpreter does.
ESCAPE_MODULE = '''
    def pattern():
        return "\\d+"
'''


@dataclass(frozen=True)
class SharedAudit:
    """One audit of a fresh calc project, and what was known before it ran."""

    root: Path
    """The audited project."""
    run: AuditRun
    before: dict[str, str]
    """:func:`tree_digest` of ``root`` just before the audit."""
    direct: Path
    """An identical copy of the project, written before the audit and never audited."""
    outside_wall: float
    """The audit command's wall time, measured around the subprocess."""


def _audit(base: Path, *args: str, cwd_is_project: bool, **files: str) -> SharedAudit:
    root = make_calc_project(base / "audited", **files)
    direct = make_calc_project(base / "direct", **files)
    before = tree_digest(root)
    started = time.perf_counter()
    run = run_audit(args[0], root, *args[1:], cwd=root if cwd_is_project else None)
    return SharedAudit(root, run, before, direct, time.perf_counter() - started)


def calc_coverage_audit(base: Path) -> SharedAudit:
    """``audit coverage ROOT --no-gate --timings`` of the plain calc project, from the
    repository root (the way a user names a project elsewhere)."""
    return _audit(base, "coverage", "--no-gate", "--timings", cwd_is_project=False)


def calc_report_audit(base: Path) -> SharedAudit:
    """``audit report ROOT --no-gate`` from the project's own folder, of the calc project
    with :data:`BUSY_TEST` and the module :data:`ESCAPE_MODULE` added."""
    return _audit(base, "report", "--no-gate", cwd_is_project=True,
                  **{"tests/test_busy.py": BUSY_TEST, "src/calc/escape.py": ESCAPE_MODULE})
