"""Which test functions changed since a ref: a real git repository in tmp_path.

The expected sets are read off the edits made here (which function each edit
falls in), not off our own output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.contribution.kills import contribution, new_kills
from auditor.mutation.changed_tests import changed_tests, first_lines, is_test_file
from tests.support.projects import git, init_repo, run_audit, tree_digest, write_files

BEFORE = """\
import pytest


def test_kept():
    assert 1


def test_edited():
    assert 2


class TestBox:
    def test_method(self):
        assert 3

    def helper(self):
        return 4


def helper():
    return 5
"""

AFTER = """\
import pytest


def test_kept():
    assert 1


def test_edited():
    assert 2 + 0


class TestBox:
    def test_method(self):
        assert 3

    def helper(self):
        return 40

    @pytest.mark.parametrize("n", [1, 2])
    def test_added(self, n):
        assert n


def helper():
    return 50
"""


def test_added_and_edited_tests_since_the_ref(tmp_path: Path) -> None:
    write_files(tmp_path, {"tests/test_box.py": BEFORE, "src/mod.py": "X = 1\n"})
    init_repo(tmp_path)
    base = git(tmp_path, "rev-parse", "HEAD")
    write_files(tmp_path, {"tests/test_box.py": AFTER, "src/mod.py": "X = 2\n"})
    git(tmp_path, "commit", "-qam", "edit")
    # an untracked test file counts as added whole; a file outside the test paths never
    write_files(tmp_path, {"tests/test_fresh.py": "def test_one():\n    pass\n",
                           "other/test_elsewhere.py": "def test_two():\n    pass\n"})
    found = changed_tests(tmp_path, base, ["tests"])
    assert [t.nodeid for t in found] == [
        "tests/test_box.py::test_edited",  # its assert changed
        "tests/test_box.py::TestBox::test_added",  # new, decorator included
        "tests/test_fresh.py::test_one",
    ]
    added = next(t for t in found if t.nodeid.endswith("test_added"))
    lines = AFTER.splitlines()
    assert lines[added.line - 1].strip().startswith("@pytest.mark.parametrize")
    assert lines[added.end_line - 1].strip() == "assert n"
    # helpers edited (methods and functions not named test*) are no tests
    assert all("helper" not in t.nodeid for t in found)


def test_first_lines_of_parametrized_ids(tmp_path: Path) -> None:
    write_files(tmp_path, {"tests/test_box.py": AFTER})
    lines = first_lines(tmp_path, ["tests/test_box.py::TestBox::test_added[1]",
                                   "tests/test_box.py::test_kept", "tests/test_box.py::nope"])
    source = AFTER.splitlines()
    decorator = source.index('    @pytest.mark.parametrize("n", [1, 2])') + 1  # its first line
    assert lines == {"tests/test_box.py::TestBox::test_added[1]": decorator,
                     "tests/test_box.py::test_kept": source.index("def test_kept():") + 1,
                     "tests/test_box.py::nope": 0}


def test_is_test_file() -> None:
    assert is_test_file("tests/unit/test_a.py", ["tests"])
    assert is_test_file("tests/a_test.py", ["tests/"])
    assert not is_test_file("tests/conftest.py", ["tests"])
    assert not is_test_file("testsuite/test_a.py", ["tests"])


def test_unique_redundant_and_new_kills_by_hand() -> None:
    # m1: killed by a and b; m2: only by a; m3: covered by a, b, c, killed by none
    covered = {"m1": ["a", "b", "c"], "m2": ["a", "c"], "m3": ["a", "b", "c"]}
    killed = {"m1": ["a", "b"], "m2": ["a"], "m3": []}
    matrix = contribution(covered, killed)
    assert matrix.tests["a"].unique == ("m2",)
    assert matrix.redundant() == ["b"]  # m1 also killed by a
    assert matrix.killing_nothing() == ["c"]
    kills = {name: list(t.killed) for name, t in matrix.tests.items()}
    # b new: its one kill (m1) is made by the older a; a new: m2 and m1 - but b (older) kills m1
    assert new_kills(kills, {"b"}) == {"b": []}
    assert new_kills(kills, {"a"}) == {"a": ["m2"]}
    # both new: each kills m1 that no older test (only c) kills
    assert new_kills(kills, {"a", "b"}) == {"a": ["m1", "m2"], "b": ["m1"]}
    # a parametrized id matches its function's name
    assert new_kills({"t.py::f[1]": ["m"], "t.py::g": []}, {"t.py::f"}) == {"t.py::f[1]": ["m"]}


@pytest.mark.slow
def test_an_unknown_ref_is_one_line_before_any_mutant_runs(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pyproject.toml": '[tool.audit]\npackages = ["calc"]\ntests = ["tests"]\n',
        "calc/__init__.py": "def one():\n    return 1\n",
        "tests/test_calc.py": "from calc import one\n\n\ndef test_one():\n    assert one() == 1\n",
    })
    init_repo(tmp_path)
    before = tree_digest(tmp_path, ignore=(".audit", "audit-report", ".git"))
    done = run_audit("mutate", tmp_path, "--tests-since", "no-such-ref")
    assert done.exit_code == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "audit: error: --tests-since no-such-ref: git ref does not resolve to a commit"
    )
    assert "Traceback" not in done.stderr
    assert tree_digest(tmp_path, ignore=(".audit", "audit-report", ".git")) == before
    assert not (tmp_path / ".audit" / "mutation").exists()  # no mutmut stage was made
