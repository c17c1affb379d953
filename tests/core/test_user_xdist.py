"""A project whose pytest ``addopts`` turn on pytest-xdist (``-n 2``) is audited like any other.

Under xdist the tests run in worker processes. Coverage of the main process,
the per-test records of our plugin and mutmut's map of which tests reach
which function would all see nothing there, silently: before the mutation
plugin turned xdist off, ``audit mutate`` on such a project reported 12 valid
mutants, none detected, none surviving. The oracles are the tools run
independently: the project's own xdist run (which tests pass), coverage.py,
and plain mutmut on a copy without the ``addopts``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.mutation.projects import audit, make_shop, mutmut_oracle, report
from tests.support.projects import make_calc_project, read_report, run_audit

# The project asks for xdist in its addopts: its pytest runs load the installed plugins.
pytestmark = [pytest.mark.slow, pytest.mark.installed_plugins]

XDIST_ADDOPTS = """
[tool.pytest.ini_options]
addopts = "-n 2"
"""


def _xdist_outcomes(project: Path, junit: Path) -> dict[str, str]:
    """The project's own run, as its developer runs it (two xdist workers): nodeid -> outcome."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"],
        cwd=project, capture_output=True, text=True, timeout=300, check=False,
        env={"PYTHONPATH": str(project / "src"), "PATH": str(Path(sys.executable).parent)},
    )
    assert "bringing up nodes" in done.stdout, done.stdout  # it really ran under xdist
    outcomes = {}
    for case in ET.parse(junit).iter("testcase"):
        nodeid = case.get("classname", "").replace(".", "/") + ".py::" + case.get("name", "")
        failed = case.find("failure") is not None or case.find("error") is not None
        outcomes[nodeid] = "failed" if failed else "passed"
    return outcomes


def _coverage_py_totals(project: Path) -> dict[str, int | float]:
    """coverage.py's own totals for the suite in one process (``-n 0`` overrides the addopts)."""
    data, out = project / ".coverage-direct", project / "direct.json"
    env = {"PYTHONPATH": str(project / "src"), "PATH": str(Path(sys.executable).parent)}
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "--branch", f"--data-file={data}",
         "--source=src/calc", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", "tests"],
        cwd=project, check=True, capture_output=True, env=env, timeout=300,
    )
    subprocess.run(
        [sys.executable, "-m", "coverage", "json", f"--data-file={data}", "-o", str(out)],
        cwd=project, check=True, capture_output=True, timeout=120,
    )
    totals: dict[str, int | float] = json.loads(out.read_text())["totals"]
    return totals


def test_report_records_every_test_and_the_coverage_of_an_xdist_project(tmp_path: Path) -> None:
    audited = make_calc_project(tmp_path / "audited", XDIST_ADDOPTS)
    direct = shutil.copytree(audited, tmp_path / "direct")
    run = run_audit("report", audited, "--only", "coverage,mocks")
    assert run.exit_code == 0, run.stderr
    document = read_report(audited)
    recorded = {t["nodeid"]: t for t in document["tests"]["tests"]}
    expected = _xdist_outcomes(direct, tmp_path / "junit.xml")
    assert {k: t["outcome"] for k, t in recorded.items()} == expected
    # Each test of the calc project runs exactly one assert (no loops, no helpers).
    assert {t["assertions_executed"] for t in recorded.values()} == {1}
    totals = _coverage_py_totals(direct)
    ours = document["analyses"]["coverage"]
    assert ours["covered_lines"] == totals["covered_lines"]
    assert ours["covered_branches"] == totals["covered_branches"]
    assert ours["percent"] == pytest.approx(totals["percent_covered"])


def test_mutate_gives_plain_mutmuts_verdicts_on_an_xdist_project(tmp_path: Path) -> None:
    project = make_shop(tmp_path / "p", extra="explain = 0")
    with (project / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write(XDIST_ADDOPTS)
    done = audit("mutate", str(project))
    assert done.returncode in (0, 1), done.stderr
    mutants = report(project / "audit-report")["analyses"]["mutation"]["mutants"]
    ours = {m["id"]: m["status"] for m in mutants}
    theirs = mutmut_oracle(project, tmp_path)  # its own pyproject: no addopts, no xdist
    assert "killed" in theirs.values() and "survived" in theirs.values()
    assert ours == theirs, json.dumps({k: (ours.get(k), v) for k, v in theirs.items()})
