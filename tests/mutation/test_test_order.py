"""Killers first, observed in real mutmut runs: each mutant's process traces the tests it
starts (``AUDIT_MUTMUT_TRACE``), and the verdicts stay plain mutmut's."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.mutation.projects import (
    NO_HYPOTHESIS,
    PYPROJECT,
    PYTHON,
    REPO,
    copy_project,
    detected,
    mutmut_oracle,
    report,
)

pytestmark = pytest.mark.slow

GRADE = """\
def grade(score):
    if score >= 90:
        return "A"
    if score >= 50:
        return "B"
    return "C"
"""
# test_grade_runs is the faster test (mutmut runs fast tests first) and kills nothing;
# test_grade_values sleeps, so it is the slower one, and it kills every mutant
TESTS = """\
import time

from shop.grades import grade


def test_grade_runs():
    grade(95)
    grade(60)
    grade(10)


def test_grade_values():
    time.sleep(0.05)
    assert [grade(s) for s in (90, 89, 50, 49)] == ["A", "B", "B", "C"]
"""
RUNS = "tests/test_grades.py::test_grade_runs"
VALUES = "tests/test_grades.py::test_grade_values"


def make_grades(root: Path) -> Path:
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "grades.py").write_text(GRADE)
    (root / "tests").mkdir()
    (root / "tests" / "test_grades.py").write_text(TESTS)
    (root / "pyproject.toml").write_text(  # the shop projects' settings, one child, no explanations
        PYPROJECT.format(gate="", extra="explain = 0\nmax_children = 1"))
    return root


def traced_mutate(project: Path, trace: Path, output: Path) -> dict[str, list[str]]:
    """``audit mutate`` with the order trace on: {mutant: tests started, in order}."""
    trace.unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=str(REPO), AUDIT_DEBUG="", AUDIT_MUTMUT_TRACE=str(trace),
               **NO_HYPOTHESIS)
    done = subprocess.run(
        [PYTHON, "-m", "auditor", "mutate", str(project), "--output", str(output)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    runs: dict[str, list[str]] = {}
    for line in trace.read_text(encoding="utf-8").splitlines():
        mutant, _, test = line.partition("\t")
        runs.setdefault(mutant, []).append(test)
    return runs


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The grades project after one complete traced run: {project, runs, output}."""
    base = tmp_path_factory.mktemp("grades")
    project = make_grades(base / "p")
    runs = traced_mutate(project, base / "trace.txt", base / "out")
    return {"project": project, "runs": runs, "output": base / "out"}


def test_killer_of_the_function_runs_first_and_verdicts_are_mutmuts(
    tmp_path: Path, first_run: dict[str, Any]
) -> None:
    project, runs = first_run["project"], first_run["runs"]
    order = list(runs)  # one worker: the mutants ran one after the other, in this order
    assert len(order) >= 4
    # no kill known yet: the first mutant runs mutmut's order, the faster test first
    assert runs[order[0]] == [RUNS, VALUES]
    # from then on the test that killed it goes first, and the kill ends the run (-x)
    assert all(runs[m] == [VALUES] for m in order[1:])

    mutation = report(first_run["output"])["analyses"]["mutation"]
    ours = {m["id"]: m["status"] for m in mutation["mutants"]}
    assert detected(ours) == detected(mutmut_oracle(project, tmp_path, env=NO_HYPOTHESIS))

    # the limit, from mutmut's own stats file: without the kill matrix (a lower bound) a
    # killed mutant costs its fastest covering test (test_grade_runs, which sleeps not),
    # a survivor both tests
    stats = json.loads((project / ".audit/mutation/mutants/mutmut-stats.json").read_text())
    seconds = stats["duration_by_test"]
    expected = sum(
        seconds[RUNS] if status == "killed" else seconds[RUNS] + seconds[VALUES]
        for status in ours.values()
    )
    limit = mutation["limit"]
    assert limit["basis"] == "fastest covering test"
    assert limit["cores"] == 1 and limit["mutants"] == len(order)
    assert abs(limit["limit_seconds"] - expected) < 1e-5
    assert limit["actual_seconds"] >= limit["mutant_run_seconds"] * 0.9


def test_killers_from_an_earlier_run_go_first(tmp_path: Path, first_run: dict[str, Any]) -> None:
    # the project after its first run (copied: its stage and killer files come along)
    project = copy_project(first_run["project"], tmp_path / "p")
    # a changed function: all its mutants are tested again, the first one too
    source = project / "shop" / "grades.py"
    source.write_text(source.read_text().replace(":\n", ":\n    score = int(score)\n", 1))
    runs = traced_mutate(project, tmp_path / "trace.txt", tmp_path / "out2")
    assert runs and all(tests == [VALUES] for tests in runs.values())


def _outside_xdist(env: dict[str, str]) -> dict[str, str]:
    """``env`` without the variables of the xdist worker this test may itself run in.

    Our suite runs under xdist: its worker's ``PYTEST_XDIST_WORKER`` would be
    inherited by every process of the audit and mark the test as in a worker.
    """
    return {k: v for k, v in env.items() if not k.startswith("PYTEST_XDIST_")}


@pytest.mark.installed_plugins  # the project's addopts ask for xdist
def test_kill_matrix_keeps_tests_in_its_process_despite_xdist_addopts(tmp_path: Path) -> None:
    project = make_grades(tmp_path / "p")
    marker = tmp_path / "in-xdist-worker.txt"
    # a test that leaves a mark when it runs in an xdist worker (where the matrix's
    # recorder is not; its worker starts would be paid for every mutant)
    test_file = project / "tests" / "test_grades.py"
    test_file.write_text(
        test_file.read_text().replace("import time\n", "import os\nimport time\n")
        + "\n\ndef test_where():\n"
        "    grade(95)  # covers grade: the matrix runs it for every mutant\n"
        f"    if os.environ.get('PYTEST_XDIST_WORKER'):\n"
        f"        open({str(marker)!r}, 'a').write('x')\n"
    )
    with (project / "pyproject.toml").open("a") as handle:
        handle.write('\n[tool.pytest.ini_options]\naddopts = "-n 2"\n')
    done = subprocess.run(
        [PYTHON, "-m", "auditor", "mutate", str(project), "--kill-matrix",
         "--output", str(tmp_path / "out")],
        cwd=REPO,
        env=_outside_xdist(dict(os.environ, PYTHONPATH=str(REPO), AUDIT_DEBUG="", **NO_HYPOTHESIS)),
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    mutants = report(tmp_path / "out")["analyses"]["mutation"]["mutants"]
    killed = [m for m in mutants if m["status"] == "killed"]
    assert killed and all(m["killed_by"] == [VALUES] for m in killed)
    assert not marker.exists()
