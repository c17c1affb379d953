"""Counting asserts by an increment, not a call (audit_pytest_plugin's rewrite).

The rewriter puts ``@pytest_ar._audit_asserts[0] += 1`` before each assert;
a test's count is what the counter gained during its own run. So: an assert
in a loop counts each time it runs, an assert in a helper the test calls
counts for that test (when pytest rewrote the helper's module), an assert
in a session fixture's tear-down counts for the test whose tear-down runs it
(the last one), and asserts run outside any test (at import of a test
module) count for none: as with the call it replaced. The count statement is on
the assert's own line, so a traceback and the coverage of a measured test
file are those of a plain run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "auditor" / "testrun" / "plugin"

SUITE = {
    "tests/conftest.py": """
        import pytest


        def check_positive(value):
            assert value > 0
            return value


        @pytest.fixture(scope="session")
        def resource():
            yield 1
            assert True  # the session's tear-down: in the last test's tear-down
    """,
    "tests/test_counts.py": """
        from conftest import check_positive

        assert 1 + 1 == 2  # at import (collection): nobody's


        def test_loop():
            for value in range(5):
                assert value < 5


        def test_helper(resource):
            check_positive(resource)
            check_positive(2)
            assert resource == 1


        def test_fails_on_its_line():
            numbers = [1, 2]
            assert numbers == [1, 3]
    """,
}
# Read from SUITE: each test's executed asserts.
EXPECTED = {
    "tests/test_counts.py::test_loop": ("passed", 5),
    "tests/test_counts.py::test_helper": ("passed", 3),
    "tests/test_counts.py::test_fails_on_its_line": ("failed", 2),  # + the session tear-down
}


@pytest.mark.slow
def test_counts_per_execution_per_test_and_keeps_the_asserts_line(tmp_path: Path) -> None:
    for relative, text in SUITE.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    report = tmp_path / "records.jsonl"
    env = dict(os.environ, AUDIT_PYTEST_REPORT=str(report), AUDIT_COUNT_ASSERTIONS="1",
               PYTHONPATH=os.pathsep.join([str(PLUGIN_DIR), str(tmp_path / "tests")]))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "audit_pytest_plugin", "-p", "no:cacheprovider",
         "-p", "no:xdist", "-p", "no:randomly", "tests"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stdout + done.stderr  # one test fails, on purpose
    records = [json.loads(line) for line in report.read_text().splitlines()]
    counts = {r["nodeid"]: (r["outcome"], r["assertions"]) for r in records
              if r["event"] == "test"}
    assert counts == EXPECTED
    # pytest's own explanation of the failing assert, at the assert's line
    assert "assert [1, 2] == [1, 3]" in done.stdout
    lines = (tmp_path / "tests" / "test_counts.py").read_text().splitlines()
    line = lines.index("    assert numbers == [1, 3]") + 1
    assert f"tests/test_counts.py:{line}: AssertionError" in done.stdout
