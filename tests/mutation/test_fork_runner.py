"""The session-fork runner (auditor/mutation/fork_session.py) against plain mutmut.

One small project holds each case the runner must get right, and three real
runs of it are compared: ``audit mutate`` with the session-fork runner, the
same with ``runner = "mutmut"`` (mutmut's own fresh session per mutant), and
plain ``mutmut run`` on an independent copy (the oracle, with the audit's
timeout settings). The cases:

- a session-scoped fixture whose state the tests change: it must be set up
  in every mutant's own process, never shared (a log of its set-ups, with
  the process and the mutant, is compared with plain mutmut's);
- tests that end their process: ``os._exit(7)`` (mutmut: suspicious) and
  SIGSEGV (mutmut: segfault, our ``crash``);
- a mutant that never ends (``i += 1`` -> ``i -= 1``, a loop that sleeps):
  killed at mutmut's wall-clock limit,
  ``(estimate + timeout_constant) * timeout_multiplier``;
- parameters computed at collection time by a ``pytest_generate_tests``
  hook that calls the code under test (mutants of it can fail collection):
  the shared collection ran the original code, so these mutants run in a
  fresh session of their own, as in plain mutmut.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.mutation.projects import NO_HYPOTHESIS, audit, detected, mutmut_oracle, report

pytestmark = pytest.mark.slow

STORE = '''\
def put(store, key):
    store[key] = store.get(key, 0) + 1
    return store[key]
'''
STORE_TESTS = '''\
import os

import pytest

from edge.store import put


@pytest.fixture(scope="session")
def store():
    log = os.environ.get("EDGE_SETUP_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\\t{os.environ.get('MUTANT_UNDER_TEST', '')}\\n")
    return {}


def test_put(store):
    before = store.get("a", 0)
    assert put(store, "a") == before + 1
'''
CRASH = '''\
def bump(x):
    return x + 1


def double(x):
    return x * 2
'''
CRASH_TESTS = '''\
import os
import signal

from edge.crash import bump, double


def test_bump_or_exit():
    if bump(1) != 2:
        os._exit(7)


def test_double_or_segfault():
    if double(2) != 4:
        os.kill(os.getpid(), signal.SIGSEGV)
'''
# The loop waits 10 ms a turn, so its mutants that never end (``i -= 1``, ``i = 1``)
# wait at the wall limit rather than spin: the limit is what kills them (a CPU limit
# never would), and three runs of two of them cost seconds of waiting, not of CPU.
# PAUSE is module code, which mutmut leaves alone.
HANG = '''\
import time

PAUSE = 0.01


def count(n):
    i = 0
    while i < n:
        time.sleep(PAUSE)
        i += 1
    return i
'''
HANG_TESTS = '''\
from edge.hang import count


def test_count():
    assert count(3) == 3
'''
GEN = '''\
def sizes():
    return list(range(1, 3))


def twice(x):
    return x + x
'''
GEN_CONFTEST = '''\
from edge.gen import sizes


def pytest_generate_tests(metafunc):
    if "size" in metafunc.fixturenames:
        metafunc.parametrize("size", sizes())
'''
GEN_TESTS = '''\
from edge.gen import twice


def test_twice(size):
    assert twice(size) == 2 * size
'''
PYPROJECT = '''\
[project]
name = "edge"
version = "0"

[tool.audit]
packages = ["edge"]
tests = ["tests"]

[tool.audit.mutation]
explain = 0
timeout_multiplier = 2.0
timeout_constant = 1.0
{runner}
'''
# the oracle's [tool.mutmut] gets the audit's timeouts (mutmut's defaults are 15 and 1)
ORACLE_SETTINGS = "timeout_multiplier = 2.0\ntimeout_constant = 1.0\n"


def make_edge(root: Path, runner: str = "") -> Path:
    files = {
        "edge/__init__.py": "",
        "edge/store.py": STORE,
        "edge/crash.py": CRASH,
        "edge/hang.py": HANG,
        "edge/gen.py": GEN,
        "tests/conftest.py": GEN_CONFTEST,
        "tests/test_store.py": STORE_TESTS,
        "tests/test_crash.py": CRASH_TESTS,
        "tests/test_hang.py": HANG_TESTS,
        "tests/test_a_gen.py": GEN_TESTS,  # collected first: the stats run gives it sizes()
        "pyproject.toml": PYPROJECT.format(runner=f'runner = "{runner}"' if runner else ""),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _setups(log: Path) -> list[tuple[str, str]]:
    """(pid, mutant under test) of each set-up of the session fixture."""
    lines = log.read_text().splitlines() if log.exists() else []
    return [(pid, mutant) for pid, _, mutant in (line.partition("\t") for line in lines)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("fork-runner")
    found: dict[str, Any] = {}
    for runner in ("session-fork", "mutmut"):
        project = make_edge(base / runner / "edge", runner)
        log = base / runner / "setups.log"
        done = audit("mutate", str(project), env={**NO_HYPOTHESIS, "EDGE_SETUP_LOG": str(log)})
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        section = report(project / "audit-report")["analyses"]["mutation"]
        found[runner] = {"section": section, "setups": _setups(log)}
    oracle_dir = base / "oracle-run"
    oracle_dir.mkdir()
    template = make_edge(base / "template")
    log = base / "oracle-setups.log"
    found["oracle"] = {
        "verdicts": mutmut_oracle(template, oracle_dir, "edge", ORACLE_SETTINGS,
                                  {**NO_HYPOTHESIS, "EDGE_SETUP_LOG": str(log)}),
        "setups": _setups(log),
    }
    shutil.rmtree(base / "template")
    return found


def _verdicts(section: dict[str, Any]) -> dict[str, str]:
    return {m["id"]: m["status"] for m in section["mutants"]}


@pytest.mark.parametrize("runner", ["session-fork", "mutmut"])
def test_verdicts_equal_plain_mutmut(runs: dict[str, Any], runner: str) -> None:
    ours = _verdicts(runs[runner]["section"])
    assert detected(ours) == detected(runs["oracle"]["verdicts"])
    assert runs[runner]["section"]["settings"]["runner_ran"] == runner


def test_session_fixture_set_up_in_each_mutant_process(runs: dict[str, Any]) -> None:
    ours, theirs = runs["session-fork"]["setups"], runs["oracle"]["setups"]
    # the same set-ups, run for run (stats, clean, forced fail, one per mutant of put) ...
    assert Counter(m for _, m in ours) == Counter(m for _, m in theirs)
    mutant_setups = [(pid, m) for pid, m in ours if "__mutmut_" in m]
    assert {m for _, m in mutant_setups} == {
        key for key in _verdicts(runs["session-fork"]["section"]) if ".x_put__" in key
    }
    # ... each in a process of its own: no mutant's fixture state reaches another mutant
    assert len({pid for pid, _ in mutant_setups}) == len(mutant_setups)


def test_tests_that_end_their_process(runs: dict[str, Any]) -> None:
    ours = _verdicts(runs["session-fork"]["section"])
    oracle = runs["oracle"]["verdicts"]
    bump = {k: v for k, v in ours.items() if ".x_bump__" in k}
    double = {k: v for k, v in ours.items() if ".x_double__" in k}
    # os._exit(7): an exit status mutmut has no name for (suspicious); SIGSEGV: segfault
    assert "suspicious" in bump.values() and "crash" in double.values()
    assert bump == {k: oracle[k] for k in bump} and double == {k: oracle[k] for k in double}


def test_hanging_mutant_killed_at_mutmut_wall_limit(runs: dict[str, Any]) -> None:
    mutants = runs["session-fork"]["section"]["mutants"]
    hanging = [m for m in mutants if ".x_count__" in m["id"] and m["status"] == "timeout"]
    assert hanging, [(m["id"], m["status"]) for m in mutants if ".x_count__" in m["id"]]
    # (estimate + timeout_constant) * timeout_multiplier = (~0 + 1.0) * 2.0 s of wall time;
    # mutmut's RLIMIT_CPU (twice that, in CPU seconds) never comes: the loop sleeps
    for mutant in hanging:
        assert 2.0 <= mutant["duration_seconds"] < 8.0, mutant


def test_collection_time_calls_run_in_a_fresh_session(runs: dict[str, Any]) -> None:
    section = runs["session-fork"]["section"]
    tested = [m for m in section["mutants"]
              if ".x_sizes__" in m["id"] and m["status"] != "no_tests"]
    assert tested
    [note] = [n for n in section["notes"] if "fresh pytest session" in n]
    assert note.startswith(f"session-fork runner: {len(tested)} mutants ran in a fresh")
    assert "the shared collection called this function" in note
    # what plain mutmut made of them (some break the collection). A fresh session per
    # mutant takes about mutmut's 2 s limit on a loaded machine: killed or timeout, as
    # in test_verdicts_equal_plain_mutmut (seen: three timeouts in the oracle at load 7)
    oracle = runs["oracle"]["verdicts"]
    assert detected({m["id"]: m["status"] for m in tested}) == detected(
        {m["id"]: oracle[m["id"]] for m in tested})
