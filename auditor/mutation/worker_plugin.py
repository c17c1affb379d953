"""pytest plugin loaded into mutmut's test runs (copied into the staged folder).

It must import nothing from the auditor: it runs in the project's interpreter.
In a process that tests one mutant (mutmut sets ``MUTANT_UNDER_TEST`` to the
mutant's name before calling pytest in the forked worker) it caps the address
space at ``AUDIT_MUTMUT_MEMORY_MB``, so a runaway mutant fails with
``MemoryError`` - a verdict - instead of pushing the machine into swap. The
stats, clean and forced-fail runs are left unlimited.

In those whole-suite runs it writes the node id of each test it starts into
the file named by ``AUDIT_MUTMUT_RUNNING_TEST``, so that a run stopped at
``[tool.audit] test_timeout`` can name the test that hung
(:mod:`auditor.mutation.suite_watch`).

In a mutant's process it appends the test that failed (the kill: mutmut runs
pytest with ``-x``) to the file named by ``AUDIT_MUTMUT_KILLER_FILE`` - the
function's killer file, which orders the tests of the function's next mutants
(:mod:`auditor.mutation.mutmut_entry`). With ``AUDIT_MUTMUT_TRACE`` set it
also appends ``mutant<TAB>node id`` of every test a mutant's process starts,
a record of the order the tests ran in (read by the tests of that order).
"""

from __future__ import annotations

import os
import resource
from typing import Any


def limit_memory() -> None:
    """Cap this process's address space when it tests a mutant (also called by the session-fork
    runner's grandchildren, which skip pytest_configure)."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    megabytes = os.environ.get("AUDIT_MUTMUT_MEMORY_MB", "")
    if "__mutmut_" not in mutant or not megabytes.isdigit() or int(megabytes) <= 0:
        return
    limit = int(megabytes) * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def pytest_cmdline_main(config: Any) -> None:
    """Run the tests in this process even when the project's addopts ask for xdist (``-n``).

    mutmut learns which tests reach which function from trampolines that
    record in *this* process; tests run in xdist workers record nothing, and
    every mutant would come out "no tests" (score 0, no survivors). The
    audit's report run passes ``-n 0`` for the same reason. xdist's own
    ``pytest_cmdline_main`` (tryfirst) has turned ``-n`` into ``tx`` by now;
    with ``dist = "no"`` and no ``tx`` its ``pytest_configure`` starts no
    workers. Returns None: pytest's own implementation then runs the session.
    """
    if getattr(config.option, "numprocesses", None):
        config.option.numprocesses = 0
        config.option.dist = "no"
        config.option.tx = []


def pytest_configure(config: Any) -> None:
    limit_memory()


def _append(path: str, line: str) -> None:
    """One line appended in one write (O_APPEND: concurrent mutants' lines do not mix)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError:
        return  # ordering and tracing are courtesies; never fail a test for them
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def pytest_runtest_logreport(report: Any) -> None:
    if not report.failed or "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
        return
    target = os.environ.get("AUDIT_MUTMUT_KILLER_FILE", "")
    if target:
        _append(target, report.nodeid)


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" in mutant:
        trace = os.environ.get("AUDIT_MUTMUT_TRACE", "")
        if trace:
            _append(trace, f"{mutant}\t{nodeid}")
        return
    target = os.environ.get("AUDIT_MUTMUT_RUNNING_TEST", "")
    if not target:
        return
    try:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(nodeid)
    except OSError:
        pass  # naming the hanging test is a courtesy; never fail a test for it
