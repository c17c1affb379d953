"""Hypothesis settings for the whole suite, registered once (the suite's root conftest).

It lives in ``tests/`` (a package), not the repository root: a root
``conftest.py`` would clash by module name with the examples' own
``conftest.py`` when the provisioner tests run the theater suite.

The suite runs on busy 2-core CI machines, under coverage (the self-audit),
next to subprocess-heavy tests: wall-clock limits on single examples fail
there for reasons that say nothing about the code. So no test has a
per-example deadline and the too-slow health check is off; properties keep
their own example budgets. In CI (``CI`` set) examples are derandomized, so a
red build reproduces from the same commit; locally they stay random to find
new counterexamples.

The suite runs under pytest-xdist (``-n auto`` in pyproject.toml: one worker
more than the cores, see ``pytest_xdist_auto_num_workers``) with the
scheduler of :mod:`tests.support.xdist_groups`: tests go one by one to the
free worker, except that a module with a module- or class-scoped fixture (a
mutmut run, a wheel build, a browser) stays on one worker, so that fixture is
built once. Session-scoped fixtures (the PostgreSQL cluster) are per worker.

With ``AUDIT_SUITE_CPU_LOG=FILE`` set, every test's CPU time (its worker's own
plus that of every subprocess it waited for) is appended to FILE, one
``nodeid<TAB>cpu<TAB>wall<TAB>worker<TAB>started`` line per test (``started``
in seconds since the epoch): pytest's ``--durations`` shows wall time, which
on a shared machine says more about the neighbours' load than about the test;
the worker and start time show how evenly the workers were loaded and which
tests ran last (bench/bench_suite.py --by-file reads the file).
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from auditor.testrun.plugin_loading import AUTOLOAD_OFF

settings.register_profile(
    "suite",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

# tmp_path on tmpfs where there is one: the suite's fixture projects commit SQLite
# histories and write files atomically, and on this disk every fsync waits about 20 ms
# (0.06 ms on tmpfs); tests/provisioner/test_planted_bugs.py took 29.9 s there and
# 25.3 s on /dev/shm, the same CPU. PYTEST_DEBUG_TEMPROOT is where pytest makes its
# numbered pytest-of-<user>/pytest-N folders (per session, the usual retention); read
# when the first tmp_path is made, so setting it here, at import, is in time. The
# subprocesses (the audits under test, their suites) inherit it. A value already set,
# or no /dev/shm with room to spare (4 GiB), leaves the default temporary folder.
_SHM = "/dev/shm"
if "PYTEST_DEBUG_TEMPROOT" not in os.environ and os.path.isdir(_SHM) and os.access(_SHM, os.W_OK):
    _free = os.statvfs(_SHM)
    if _free.f_bavail * _free.f_frsize >= 4 << 30:
        os.environ["PYTEST_DEBUG_TEMPROOT"] = _SHM

# Tests interrupt audits with SIGINT and expect the audit's own handling (exit 130,
# verdicts kept). A shell that starts the suite in the background without job control
# (`(pytest &)`, `nohup`) starts it with SIGINT ignored, as POSIX says, and every
# process inherits that: the audits under test then never see the signal, finish, and
# exit 0 (the "intermittent" SIGINT failures, seen only in runs started that way).
# The suite takes SIGINT back for itself; its children get the default on exec.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


# Workers for `-n auto`: one more than the cores. A quarter of the suite's worker time
# is waiting, not computing (hang limits, sleeps a test needs, fsyncs, a server's
# start): with one worker per core that time leaves a core idle. Full tier on a quiet
# 2-core machine, the same tree, one run after the other (bench/bench_suite.py
# --workers N): 2 workers 240 s and 236 s wall (362 s and 358 s CPU), 3 workers 207 s
# (370 s), 4 workers 199 s (375 s). The third fills most of the waits; a fourth adds
# little and raises the load the timing-sensitive tests run under.
EXTRA_WORKERS = 1


@pytest.hookimpl(optionalhook=True)  # an xdist hook: without xdist nothing calls it
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """The cores this process may run on, plus EXTRA_WORKERS; xdist's own variable wins."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    return len(os.sched_getaffinity(0)) + EXTRA_WORKERS


@pytest.hookimpl(optionalhook=True)  # an xdist hook: without xdist nothing calls it
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Spread tests one by one, keeping modules with shared fixtures on one worker."""
    from tests.support.xdist_groups import ModuleFixtureScheduling

    return ModuleFixtureScheduling(config, log)


# The pytest runs our tests start (the fixture projects' suites, under the audits
# under test) load only the plugins they name. They borrow this venv, which holds our
# own dev tools: left to autoload, every one of those runs imports Hypothesis,
# pytest-cov and xdist, which no fixture project uses. That is 0.25 s of CPU per
# pytest start (a one-test project: 0.47 s with autoload, 0.22 s without), and 0.4 s
# of the 1.8 s of a fixture project's `audit report`; the suite starts several hundred.
# The auditor honours the setting as a user's own (auditor/testrun/plugin_loading.py);
# a test of the installed-plugin path (xdist's -n 0, pytest-cov's --no-cov, a plugin a
# fixture project needs) is marked ``installed_plugins``. Set where tests run, never in
# an xdist controller: its workers would inherit it and start without xdist.
_autoload_turned_off = False  # True once this process has set it (a user's own value stays)

# Where this process appends its tests' CPU times (None: not asked to), and
# the xdist worker it is ("main" without xdist; from the worker's own config,
# not PYTEST_XDIST_WORKER, which a pytest run started by a test inherits).
_cpu_log: str | None = None
_worker = "main"


def pytest_configure(config: pytest.Config) -> None:
    """Take AUDIT_SUITE_CPU_LOG from the environment where tests run in this process.

    It is removed there, so the pytest runs our tests start (the provisioner's
    suite on a planted-bug copy, the self-audit) do not log their own tests
    into the same file. An xdist controller keeps it for its workers.
    """
    global _cpu_log, _worker, _autoload_turned_off
    if hasattr(config, "workerinput"):
        _worker = str(config.workerinput["workerid"])
    runs_tests_here = hasattr(config, "workerinput") or config.getoption("dist", "no") == "no"
    if runs_tests_here and os.environ.get("AUDIT_SUITE_CPU_LOG"):
        _cpu_log = os.environ.pop("AUDIT_SUITE_CPU_LOG")
    if runs_tests_here and AUTOLOAD_OFF not in os.environ:
        os.environ[AUTOLOAD_OFF] = "1"
        _autoload_turned_off = True


@pytest.fixture(autouse=True)
def _installed_plugins_where_asked(request: pytest.FixtureRequest) -> None:
    """Autoload the installed pytest plugins again for a test marked ``installed_plugins``."""
    if _autoload_turned_off and request.node.get_closest_marker("installed_plugins") is not None:
        request.getfixturevalue("monkeypatch").delenv(AUTOLOAD_OFF)


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Audits forked by tests/support/audit_server.py are its children, not ours. Looked up,
    # not imported: this file is copied into projects that have no tests.support.
    server = sys.modules.get("tests.support.audit_server")
    served = server.served_cpu_seconds if server is not None else 0.0
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + served


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Append the test's CPU and wall time (set-up to teardown) to AUDIT_SUITE_CPU_LOG."""
    if _cpu_log is None:
        return (yield)
    cpu, wall, started = _cpu_seconds(), time.monotonic(), time.time()
    try:
        return (yield)
    finally:
        line = (f"{item.nodeid}\t{_cpu_seconds() - cpu:.3f}\t{time.monotonic() - wall:.3f}"
                f"\t{_worker}\t{started:.3f}\n")
        # One short write in append mode: lines of both workers never interleave.
        with open(_cpu_log, "a", encoding="utf-8") as out:
            out.write(line)
