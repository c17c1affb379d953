"""The suite's per-test CPU log (tests/conftest.py) and bench_suite.py's sum of it.

The log is what picks which test files to make cheaper, so it must count a
test's subprocesses (most of the suite's CPU is spent in them), and a pytest
run started by a test (the provisioner's suite on a planted-bug copy) must not
log its own tests into the same file. The expected figures come from the
fixture test itself: it measures its child's CPU time with ``getrusage``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.projects import REPO_ROOT, write_files

CHILD_BURNS_CPU = """
    import os
    import resource
    import subprocess
    import sys
    from pathlib import Path


    def test_child_burns_cpu():
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", "sum(range(10**7))"], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        Path(os.environ["CHILD_CPU_FILE"]).write_text(repr(used))


    def test_nested_pytest_run():
        inner = Path(__file__).parent / "inner"
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", str(inner)],
            cwd=inner, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
"""


def _bench_suite() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_suite", REPO_ROOT / "bench" / "bench_suite.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_suite", module)  # its dataclass looks its module up there
    spec.loader.exec_module(sys.modules["bench_suite"])
    return sys.modules["bench_suite"]


def test_cpu_by_file_sums_each_files_tests(tmp_path: Path) -> None:
    log = tmp_path / "cpu.tsv"
    log.write_text(
        "tests/a.py::test_one\t1.500\t3.000\n"
        "tests/b.py::test_x[p-1]\t0.250\t0.500\n"
        "tests/a.py::TestK::test_two\t2.000\t1.000\n"
    )
    rows = _bench_suite().cpu_by_file(log)
    # a.py: 1.5 + 2.0 CPU, 3.0 + 1.0 wall, 2 tests; costliest first.
    assert rows == [("tests/a.py", 3.5, 4.0, 2), ("tests/b.py", 0.25, 0.5, 1)]


def test_timeline_orders_workers_by_their_last_end_and_names_the_tail(tmp_path: Path) -> None:
    log = tmp_path / "cpu.tsv"
    log.write_text(
        "tests/a.py::test_one\t1.000\t2.000\tgw0\t100.000\n"
        "tests/a.py::test_two\t3.000\t10.000\tgw1\t100.500\n"
        "tests/b.py::test_x\t0.500\t1.000\tgw0\t102.000\n"
        "tests/old.py::test_no_columns\t9.000\t9.000\n"
    )
    loads = _bench_suite().timeline(log, last=1)
    # gw0 ends at 102 + 1 = 103; gw1 at 100.5 + 10 = 110.5: gw1 is last.
    assert [(w.worker, w.tests, w.cpu, w.last_end) for w in loads] == [
        ("gw0", 2, 1.5, 103.0), ("gw1", 1, 3.0, 110.5)]
    assert loads[0].last_tests == [("tests/b.py::test_x", 1.0)]
    assert loads[1].first_start == 100.5


@pytest.mark.slow
def test_a_tests_subprocesses_count_and_nested_runs_do_not_log(tmp_path: Path) -> None:
    suite = write_files(tmp_path / "suite", {
        "test_cpu.py": CHILD_BURNS_CPU,
        "inner/test_inner.py": "def test_inner():\n    assert True\n",
    })
    log, child_cpu = tmp_path / "cpu.tsv", tmp_path / "child-cpu.txt"
    env = {**os.environ, "AUDIT_SUITE_CPU_LOG": str(log), "CHILD_CPU_FILE": str(child_cpu),
           "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider",
         str(suite / "test_cpu.py")],
        cwd=suite, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line.split("\t") for line in log.read_text().splitlines()]
    # Two lines, the outer run's two tests: the nested run's test_inner is not logged.
    assert [nodeid for nodeid, *_ in lines] == [
        "test_cpu.py::test_child_burns_cpu", "test_cpu.py::test_nested_pytest_run"]
    logged = {nodeid: float(cpu) for nodeid, cpu, *_ in lines}
    # Run with -n 0 (no xdist worker): the worker column says so; the second
    # test started no earlier than the first one's start plus its wall time.
    assert [fields[3] for fields in lines] == ["main", "main"]
    first_start, first_wall = float(lines[0][4]), float(lines[0][2])
    assert float(lines[1][4]) >= first_start + first_wall - 0.01
    assert float(child_cpu.read_text()) > 0
    assert logged["test_cpu.py::test_child_burns_cpu"] >= float(child_cpu.read_text())


def test_written_costs_table_is_what_the_scheduler_reads(tmp_path: Path) -> None:
    from tests.support.xdist_groups import seconds_per_test

    log, table = tmp_path / "cpu.tsv", tmp_path / "costs.tsv"
    log.write_text(
        "tests/a.py::test_one\t1.000\t4.000\tgw0\t100.000\n"
        "tests/a.py::test_two\t1.000\t2.000\tgw1\t100.000\n"
        "tests/b.py::test_x\t0.500\t0.500\tgw0\t105.000\n"
    )
    bench = _bench_suite()
    bench.write_costs(bench.cpu_by_file(log), table)
    # a.py: 6 s wall over 2 tests; b.py: 0.5 s over 1.
    assert seconds_per_test(table) == {"tests/a.py": 3.0, "tests/b.py": 0.5}
