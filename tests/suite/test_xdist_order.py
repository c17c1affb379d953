"""The suite's xdist scheduler hands out the costliest work first (tests/support/xdist_groups.py).

The costs table is read as written by bench/bench_suite.py --write-costs; the
expected order is worked out by hand from the figures in each test.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.projects import REPO_ROOT
from tests.support.xdist_groups import (
    COSTS,
    UNLISTED_TEST_SECONDS,
    costliest_first,
    seconds_per_test,
)


def test_costs_table_gives_each_files_wall_time_per_test(tmp_path: Path) -> None:
    costs = tmp_path / "costs.tsv"
    costs.write_text("# a comment\ntests/a.py\t4\t10.0\t3.0\n\ntests/b.py\t1\t2.5\t2.0\n")
    assert seconds_per_test(costs) == {"tests/a.py": 2.5, "tests/b.py": 2.5}
    assert seconds_per_test(tmp_path / "missing.tsv") == {}


def test_units_go_out_costliest_first_and_ties_keep_their_order() -> None:
    per_test = {"tests/heavy.py": 30.0, "tests/group.py": 4.0}
    units = {
        "tests/cheap.py::test_one": {"tests/cheap.py::test_one": False},  # unlisted: 0.1 s
        "tests/group.py": {f"tests/group.py::test_{n}": False for n in range(5)},  # 5 x 4 = 20
        "tests/heavy.py::test_big": {"tests/heavy.py::test_big": False},  # 30
        "tests/cheap.py::test_two": {"tests/cheap.py::test_two": False},  # 0.1, after test_one
    }
    order = [scope for scope, _ in costliest_first(units, per_test)]
    assert order == ["tests/heavy.py::test_big", "tests/group.py",
                     "tests/cheap.py::test_one", "tests/cheap.py::test_two"]
    assert UNLISTED_TEST_SECONDS < 4.0


def test_the_committed_table_names_only_test_files_that_exist() -> None:
    table = seconds_per_test(COSTS)
    assert table, f"{COSTS} is empty or missing"
    missing = [path for path in table if not (REPO_ROOT / path).is_file()]
    assert missing == []
