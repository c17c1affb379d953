"""The kill matrix and the explanations share one collection, except where they must not.

Both workers collect the covering tests once and fork every run from that
session (``auditor/mutation/stage_session.py``). A test module that calls a
mutated function at import shows why that cannot hold for every function:
``LIMIT = limit()`` runs during the collection, so a session collected
under the original code holds ``LIMIT == 3`` whichever mutant a run then
activates. The kill matrix runs a mutant's tests in a process that imports
them under the mutant: under ``limit``'s ``return 3`` -> ``return 4``,
``LIMIT == 4`` and ``test_limit`` fails on ``assert LIMIT == 3``; the
shared session would let it pass, and the matrix would name no killer.
Such a function's runs go the fresh way. (mutmut's own status of that
mutant is not asserted: its runs reuse the test module its stats run
imported under the original.) ``scale`` is called at import too, and
``test_scale`` checks nothing: its ``return 2`` -> ``return 3`` mutant
survives, and its explanation comes from fresh runs, which record the call
made at import (outside any test) as well.

Every expected value is derived by hand from the code below.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.projects import read_report, run_audit, write_files

pytestmark = pytest.mark.slow

SOURCE = """\
def limit():
    return 3


def scale():
    return 2
"""

TESTS = """\
from calc.ops import limit, scale

LIMIT = limit()
FACTOR = scale()


def test_limit():
    assert limit() > 0
    assert LIMIT == 3


def test_scale():
    scale()
"""

TEST_LIMIT = "tests/test_ops.py::test_limit"
TEST_SCALE = "tests/test_ops.py::test_scale"


def _mutant(section: dict, function: str, mutated: str) -> dict:  # type: ignore[type-arg]
    found = [m for m in section["mutants"]
             if m["function"] == function and m["mutated"].strip() == mutated]
    assert len(found) == 1, [(m["function"], m["mutated"]) for m in section["mutants"]]
    return dict(found[0])


def test_a_function_the_collection_calls_is_judged_on_a_fresh_collection(tmp_path: Path) -> None:
    project = write_files(tmp_path / "project", {
        "pyproject.toml": '[tool.audit]\npackages = ["calc"]\ntests = ["tests"]\n\n'
                          "[tool.audit.mutation]\nexplain = 5\n",
        "calc/__init__.py": "",
        "calc/ops.py": SOURCE,
        "tests/__init__.py": "",
        "tests/test_ops.py": TESTS,
    })
    done = run_audit("mutate", project, "--kill-matrix", timeout=600)
    assert done.exit_code == 0, done.stderr[-2000:]
    section = read_report(project)["analyses"]["mutation"]
    # LIMIT = 4 at import under the mutant: test_limit's `assert LIMIT == 3` fails
    four = _mutant(section, "limit", "return 4")
    assert four["killed_by"] == [TEST_LIMIT]
    # scale() returns 2 or 3, and nothing checks it (FACTOR is never read)
    three = _mutant(section, "scale", "return 3")
    assert three["status"] == "survived"
    assert three["killed_by"] == []
    why = next(m for m in section["survivors"] if m["id"] == three["id"])["explanation"]
    assert why["verdict"] == "observable"
    assert why["test"] == TEST_SCALE
    assert why["call"]["original"]["returned"] == "2"
    assert why["call"]["mutant"]["returned"] == "3"
    # the fresh run records the call made while the test module was imported (no test
    # running yet), then test_scale's own
    assert [c["test"] for c in why["calls"]["original"]] == ["", TEST_SCALE]
