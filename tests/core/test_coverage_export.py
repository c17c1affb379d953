"""coverage.py's JSON report written by the test run's own interpreter (audit_coverage_run).

The claim: ``python -m audit_coverage_run run ARGS`` is ``python -m coverage
run ARGS`` (same exit status, same data), and the JSON report it exports
afterwards is the one a separate ``coverage json`` writes from the same data
file with the same rc file. Each expected value comes from coverage.py or
Python run independently here, in fresh interpreters. (A suite's leftovers
do not reach the export: coverage.py's runner restores the working folder and
pytest the warning filters; the export restores both itself as well.)

The audit's export is read from the report audit of the calc project that
other modules share (``calc_report_audit``, tests/core/shared_audits.py: it
holds the module that warns when compiled).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.testrun.command import PLUGIN_DIR
from tests.core.shared_audits import SharedAudit
from tests.support.projects import read_report, write_files

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("core-calc-audits")]


def _only_run_folder(root: Path) -> Path:
    (run,) = (root / ".audit" / "runs").iterdir()
    return run / "coverage"


def _coverage_json(root: Path, data_file: Path, rc_file: Path, output: Path) -> dict[str, object]:
    """``coverage json`` in a fresh interpreter, as the auditor ran it before the export."""
    subprocess.run(
        [sys.executable, "-m", "coverage", "json", f"--data-file={data_file}", "-o", str(output),
         f"--rcfile={rc_file}", "--fail-under=0", "--ignore-errors"],
        cwd=root, check=True, capture_output=True, timeout=120,
    )
    document: dict[str, object] = json.loads(output.read_text(encoding="utf-8"))
    return document


def test_the_runs_export_is_coverage_json_of_the_same_data(
    calc_report_audit: SharedAudit, tmp_path: Path,
) -> None:
    root, done = calc_report_audit.root, calc_report_audit.run
    assert (root / "src/calc/escape.py").is_file()  # the module that warns when compiled
    assert done.exit_code == 0, done.stderr
    coverage_dir = _only_run_folder(root)
    # the run's interpreter exported (the separate coverage json did not run)
    assert (coverage_dir / "coverage.json.export.json").is_file()
    exported = json.loads((coverage_dir / "coverage.json").read_text(encoding="utf-8"))
    independent = _coverage_json(root, coverage_dir / ".coverage",
                                 coverage_dir / "coveragerc.toml", tmp_path / "fresh.json")
    assert exported["files"] == independent["files"]
    assert exported["totals"] == independent["totals"]
    report = read_report(root)["analyses"]["coverage"]
    totals = independent["totals"]
    assert isinstance(totals, dict)
    assert report["statements"] == totals["num_statements"]
    assert report["covered_lines"] == totals["covered_lines"]
    # a fresh interpreter compiles the escape module: it is valid Python
    fresh = subprocess.run(
        [sys.executable, "-c", "import sys; compile(open(sys.argv[1], 'rb').read(), "
         "sys.argv[1], 'exec', dont_inherit=True)", str(root / "src/calc/escape.py")],
        capture_output=True, text=True, timeout=60, check=False)
    assert fresh.returncode == 0, fresh.stderr
    assert report["unparsable_files"] == []


def _driver_and_coverage(project: Path, tests: str) -> dict[str, tuple[int, dict[str, list[int]]]]:
    """Exit status and measured lines of ``coverage run`` and ``audit_coverage_run run``."""
    outcomes: dict[str, tuple[int, dict[str, list[int]]]] = {}
    for module in ("coverage", "audit_coverage_run"):
        data_file = project / f"data-{module}" / ".coverage"
        data_file.parent.mkdir()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGIN_DIR), str(project)]),
               "AUDIT_COVERAGE_JSON": str(data_file.parent / "coverage.json"),
               "AUDIT_COVERAGE_DATA": str(data_file)}
        rc_file = project / "rc.ini"
        rc_file.write_text(f"[run]\nbranch = true\ndata_file = {data_file}\n"
                           f"source = {project / 'pkg'}\n", encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", module, "run", f"--rcfile={rc_file}", "-m", "pytest", "-q",
             "-p", "no:cacheprovider", tests],
            cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False)
        read = subprocess.run(
            [sys.executable, "-c", "import coverage, json, sys; d = coverage.CoverageData("
             "sys.argv[1]); d.read(); print(json.dumps({f: sorted(d.lines(f) or []) "
             "for f in d.measured_files()}))", str(data_file)],
            capture_output=True, text=True, timeout=60, check=True)
        outcomes[module] = (done.returncode, json.loads(read.stdout))
    return outcomes


@pytest.mark.parametrize("tests, status", [
    ("test_pass.py", 0), ("test_fail.py", 1), ("test_none.py", 5),
])
def test_the_driver_exits_and_measures_as_coverage_run(tmp_path: Path, tests: str,
                                                       status: int) -> None:
    project = write_files(tmp_path, {
        "pkg/__init__.py": "def double(x):\n    return 2 * x\n",
        "test_pass.py": "from pkg import double\n\ndef test_double():\n"
                        "    assert double(2) == 4\n",
        "test_fail.py": "from pkg import double\n\ndef test_double():\n"
                        "    assert double(2) == 5\n",
        "test_none.py": "from pkg import double\n",
    })
    outcomes = _driver_and_coverage(project, tests)
    assert outcomes["audit_coverage_run"] == outcomes["coverage"]
    assert outcomes["coverage"][0] == status  # pytest's own exit codes (ok, failed, none)


def test_the_driver_leaves_data_to_be_combined_to_the_auditor(tmp_path: Path) -> None:
    """A data file to combine beside the run's (a measured subprocess's): no export."""
    project = write_files(tmp_path, {
        "pkg/__init__.py": "def double(x):\n    return 2 * x\n",
        "test_pass.py": "from pkg import double\n\ndef test_double():\n"
                        "    assert double(2) == 4\n",
    })
    data_file = project / "data" / ".coverage"
    data_file.parent.mkdir()
    (data_file.parent / ".coverage.host.1234.x").write_bytes(b"")
    rc_file = project / "rc.ini"
    rc_file.write_text(f"[run]\ndata_file = {data_file}\nsource = {project / 'pkg'}\n",
                       encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGIN_DIR), str(project)]),
           "AUDIT_COVERAGE_JSON": str(data_file.parent / "coverage.json"),
           "AUDIT_COVERAGE_DATA": str(data_file)}
    done = subprocess.run(
        [sys.executable, "-m", "audit_coverage_run", "run", f"--rcfile={rc_file}", "-m",
         "pytest", "-q", "-p", "no:cacheprovider", "test_pass.py"],
        cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert data_file.exists()  # the run itself saved its data
    assert not (data_file.parent / "coverage.json").exists()
    assert not (data_file.parent / "coverage.json.export.json").exists()
