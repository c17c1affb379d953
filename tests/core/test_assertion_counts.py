"""Per-test assertion counts from our pytest plugin, without changing what the suite does.

The counts come from a call that pytest's assertion rewriter puts before each
``assert``. pytest's assertion-pass hook, used before, built the explanation
of every passing assert: ``repr`` of both operands ran project code the suite
alone never runs, and the operands stayed alive in the test's frame.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.projects import write_files

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "auditor" / "testrun" / "plugin"

SUITE = {
    "money.py": """
        import gc
        import weakref

        REPRS = []


        class Money:
            def __init__(self, cents):
                self.cents = cents

            def __eq__(self, other):
                return self.cents == other.cents

            def __repr__(self):
                REPRS.append(self.cents)
                return f"Money({self.cents})"
    """,
    "tests/test_money.py": """
        import gc
        import weakref
        import unittest

        import money


        def test_two_plain_asserts():
            assert money.Money(5) == money.Money(5)
            assert money.REPRS == []  # no explanation was built for the passing assert


        def test_operands_are_released():
            value = money.Money(1)
            ref = weakref.ref(value)
            assert value == money.Money(1)
            del value
            gc.collect()
            assert ref() is None


        def test_no_assert():
            money.Money(3)


        class TestCase(unittest.TestCase):
            def test_unittest_and_plain(self):
                self.assertEqual(money.Money(2), money.Money(2))
                assert True
    """,
}
# Counted by reading SUITE: each test's executed assert statements and assert* calls.
EXPECTED = {
    "tests/test_money.py::test_two_plain_asserts": 2,
    "tests/test_money.py::test_operands_are_released": 2,
    "tests/test_money.py::test_no_assert": 0,
    "tests/test_money.py::TestCase::test_unittest_and_plain": 2,
}


def _counted_run(root: Path, **extra_env: str) -> dict[str, tuple[str, int]]:
    report = root / ".records.jsonl"
    report.unlink(missing_ok=True)
    env = dict(os.environ, AUDIT_PYTEST_REPORT=str(report), AUDIT_COUNT_ASSERTIONS="1",
               PYTHONPATH=os.pathsep.join([str(PLUGIN_DIR), str(root)]), **extra_env)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "audit_pytest_plugin",
         "-p", "no:cacheprovider", "tests"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    records = [json.loads(line) for line in report.read_text().splitlines()]
    return {r["nodeid"]: (r["outcome"], r["assertions"]) for r in records if r["event"] == "test"}


@pytest.mark.slow
def test_counts_every_executed_assert_without_explaining_it(tmp_path: Path) -> None:
    root = write_files(tmp_path / "proj", SUITE)
    counts = _counted_run(root, PYTHONDONTWRITEBYTECODE="1")
    assert counts == {nodeid: ("passed", n) for nodeid, n in EXPECTED.items()}


@pytest.mark.slow
def test_a_users_cached_rewrite_is_not_read_and_ours_is_not_left(tmp_path: Path) -> None:
    root = write_files(tmp_path / "proj", SUITE)
    # The user's own pytest run caches its rewritten test modules in __pycache__.
    env = dict(os.environ, PYTHONPATH=str(root))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    plain = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests"], cwd=root, env=env, capture_output=True, text=True,
                           timeout=120, check=False)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    cached = sorted((root / "tests" / "__pycache__").glob("*pytest*"))
    assert cached, "pytest wrote no rewritten module to its cache"
    before = {path: path.read_bytes() for path in cached}
    assert _counted_run(root) == {nodeid: ("passed", n) for nodeid, n in EXPECTED.items()}
    assert {path: path.read_bytes() for path in cached} == before
    # And the plain run still works from its cache afterwards.
    again = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests"], cwd=root, env=env, capture_output=True, text=True,
                           timeout=120, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
