"""Where pytest does not rewrite a test's asserts, its assertion count is unknown, not zero.

The plugin counts plain asserts through pytest's assertion rewriter (see
``tests/core/test_assertion_counts.py``). pytest rewrites only some modules
(``_pytest/assertion/rewrite.py``: conftest files, files named on the command
line, files matching ``python_files``, modules marked for rewrite; none at all
under ``--assert=plain``; none whose docstring says ``PYTEST_DONT_REWRITE``).
A test whose code lives elsewhere executed asserts nobody counted, so the
plugin writes ``"assertions": null`` and test-no-assert judges it from its
text, as it does for a test that did not run. Real suites do this: gunicorn's
addopts have ``--assert=plain``; invoke's tests are collected by
pytest-relaxed outside ``python_files``.

Installed plugins are rewritten too (pytest marks every entry-point plugin
for rewrite), and their asserts run inside the test's protocol:
pytest-asyncio asserts the ``asyncio`` marker while it sets up each async
test, which made an async test without any assert count one (gunicorn
tests/test_dirty_arbiter.py::...::test_murder_workers_no_timeout_config).
Asserts of files in ``site-packages`` are not counted.

Every expected count below is read off the fixture suites: the asserts each
test executes in a rewritten module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.projects import read_report, run_audit, write_files

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "auditor" / "testrun" / "plugin"

# Collects spec_*.py outside python_files, the way pytest-relaxed collects invoke's tests.
COLLECT_SPECS = """
    import pytest


    def pytest_collect_file(file_path, parent):
        if file_path.name.startswith("spec_") and file_path.suffix == ".py":
            return pytest.Module.from_parent(parent, path=file_path)
"""

SUITE = {
    "conftest.py": COLLECT_SPECS,
    "tests/spec_outside.py": """
        import unittest


        def test_asserts():
            assert 1 + 1 == 2


        def test_nothing():
            int("3")


        class Case(unittest.TestCase):
            def test_unittest(self):
                self.assertEqual(1 + 1, 2)
    """,
    "tests/base_cases.py": """
        class BaseCases:
            value = 0

            def test_from_base(self):
                assert self.value == 1
    """,
    # the fixture project's own test uses mock.patch: the count must pass through its wrapper
    "tests/test_rewritten.py": """
        import os
        from unittest import mock

        from hypothesis import given, settings, strategies as st

        from base_cases import BaseCases


        def test_plain():
            assert 2 * 2 == 4


        def test_no_assert():
            int("3")


        @mock.patch("os.getcwd", return_value="/nowhere")
        def test_patched(getcwd):
            assert os.getcwd() == "/nowhere"


        @settings(max_examples=3, database=None)
        @given(st.integers(0, 3))
        def test_given(x):
            assert x >= 0


        class TestInherited(BaseCases):  # its test's code is in base_cases.py
            value = 1
    """,
    "tests/test_dont_rewrite.py": '''
        """PYTEST_DONT_REWRITE"""


        def test_asserts():
            assert 3 > 2
    ''',
}

# A plugin installed the way pip installs one: a module in site-packages, an
# entry point in the pytest11 group, and a RECORD that pytest reads to mark
# the plugin's modules for rewrite (_mark_plugins_for_rewrite).
INSTALLED_PLUGIN = {
    "site/site-packages/setup_checks_xyz.py": """
        def pytest_runtest_setup(item):
            assert item.nodeid  # as pytest-asyncio asserts the marker of an async test
    """,
    "site/site-packages/setup_checks_xyz-1.0.dist-info/METADATA": """
        Metadata-Version: 2.1
        Name: setup-checks-xyz
        Version: 1.0
    """,
    "site/site-packages/setup_checks_xyz-1.0.dist-info/entry_points.txt": """
        [pytest11]
        setup_checks_xyz = setup_checks_xyz
    """,
    # tests shipped inside an installed package, run with --pyargs
    "site/site-packages/shipped_tests_xyz/__init__.py": "",
    "site/site-packages/shipped_tests_xyz/test_shipped.py": """
        def test_asserts():
            assert 2 + 2 == 4
    """,
    "site/site-packages/setup_checks_xyz-1.0.dist-info/RECORD": """
        setup_checks_xyz.py,,
        setup_checks_xyz-1.0.dist-info/METADATA,,
        setup_checks_xyz-1.0.dist-info/entry_points.txt,,
        setup_checks_xyz-1.0.dist-info/RECORD,,
    """,
}


def _counted_run(root: Path, *args: str, path: list[Path] | None = None,
                 targets: tuple[str, ...] = ("tests",)) -> dict[str, Any]:
    """nodeid -> (outcome, assertions) from the plugin's records of one real pytest run."""
    report = root / ".records.jsonl"
    report.unlink(missing_ok=True)
    env = dict(os.environ, AUDIT_PYTEST_REPORT=str(report), AUDIT_COUNT_ASSERTIONS="1",
               PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=os.pathsep.join(map(str, [PLUGIN_DIR, root, *(path or [])])))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "audit_pytest_plugin",
         "-p", "no:cacheprovider", "-p", "no:randomly", *args, *targets],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    records = [json.loads(line) for line in report.read_text().splitlines()]
    return {r["nodeid"]: (r["outcome"], r["assertions"]) for r in records if r["event"] == "test"}


@pytest.mark.slow
def test_tests_pytest_did_not_rewrite_have_no_count(tmp_path: Path) -> None:
    root = write_files(tmp_path / "proj", SUITE)
    counts = _counted_run(root)
    given = counts.pop("tests/test_rewritten.py::test_given")
    assert given[0] == "passed" and given[1] >= 1  # one assert per example Hypothesis ran
    assert counts == {
        # collected outside python_files: not rewritten
        "tests/spec_outside.py::test_asserts": ("passed", None),
        "tests/spec_outside.py::test_nothing": ("passed", None),
        "tests/spec_outside.py::Case::test_unittest": ("passed", None),
        "tests/test_rewritten.py::test_plain": ("passed", 1),
        "tests/test_rewritten.py::test_no_assert": ("passed", 0),
        "tests/test_rewritten.py::test_patched": ("passed", 1),  # through mock.patch's wrapper
        # collected in a rewritten module, its code in one that is not
        "tests/test_rewritten.py::TestInherited::test_from_base": ("passed", None),
        "tests/test_dont_rewrite.py::test_asserts": ("passed", None),
    }


@pytest.mark.slow
def test_under_assert_plain_no_test_has_a_count(tmp_path: Path) -> None:
    root = write_files(tmp_path / "proj", SUITE)
    counts = _counted_run(root, "--assert=plain")
    assert len(counts) == 9
    assert {assertions for _outcome, assertions in counts.values()} == {None}


@pytest.mark.slow
@pytest.mark.installed_plugins  # the plugin is an entry point: only autoload loads it
def test_asserts_of_an_installed_plugin_are_not_the_tests(tmp_path: Path) -> None:
    root = write_files(tmp_path / "proj", {
        "tests/test_one.py": """
            def test_no_assert():
                int("3")


            def test_one_assert():
                assert int("3") == 3
        """,
        **INSTALLED_PLUGIN,
    })
    site = root / "site" / "site-packages"
    counts = _counted_run(root, path=[site])
    assert counts == {
        "tests/test_one.py::test_no_assert": ("passed", 0),
        "tests/test_one.py::test_one_assert": ("passed", 1),
    }
    # A test module that is itself installed code: its asserts are not counted,
    # so its count is unknown, not 0.
    shipped = _counted_run(root, "--pyargs", path=[site], targets=("shipped_tests_xyz",))
    assert list(shipped.values()) == [("passed", None)]
    # The plugin did run (and its assert was rewritten): a failing check shows pytest's
    # rewritten explanation of the plugin's assert.
    (site / "setup_checks_xyz.py").write_text(
        "def pytest_runtest_setup(item):\n    assert item.name == 'x'\n")
    env = dict(os.environ, PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert "AssertionError: assert 'test_no_assert' == 'x'" in done.stdout, done.stdout


def _no_assert_findings(root: Path) -> set[str]:
    run = run_audit("report", root, "--only", "mocks", "--no-gate")
    assert run.exit_code == 0, run.stderr
    mocks = read_report(root)["analyses"]["mocks"]
    return {f["test"] for f in mocks["findings"] if f["rule"] == "test-no-assert"}


AUDITED = {
    "app/__init__.py": "",
    "app/prices.py": """
        def net(total, tax):
            return total - tax
    """,
}
AUDITED_TESTS = """
    import unittest

    from app.prices import net


    def test_asserts():
        assert net(10, 2) == 8


    def test_checks_in_a_loop():
        for total in (3, 4):
            assert net(total, 0) == total


    def test_runs_only():
        net(1, 1)


    class Case(unittest.TestCase):
        def test_unittest(self):
            self.assertEqual(net(5, 5), 0)
"""
PYPROJECT = """
    [project]
    name = "app"
    version = "0.1"

    [tool.audit]
    packages = ["app"]
    tests = ["tests"]
"""


@pytest.mark.slow
def test_audit_under_assert_plain_flags_only_the_test_without_asserts(tmp_path: Path) -> None:
    root = write_files(tmp_path / "proj", {
        **AUDITED, "tests/test_prices.py": AUDITED_TESTS,
        "pyproject.toml": PYPROJECT + """
            [tool.pytest.ini_options]
            addopts = "--assert=plain"
        """,
    })
    assert _no_assert_findings(root) == {"tests/test_prices.py::test_runs_only"}
    tests = read_report(root)["tests"]["tests"]
    assert len(tests) == 4 and {t["outcome"] for t in tests} == {"passed"}
    assert {t["assertions_executed"] for t in tests} == {None}


@pytest.mark.slow
def test_audit_of_tests_outside_python_files_flags_only_the_test_without_asserts(
    tmp_path: Path,
) -> None:
    root = write_files(tmp_path / "proj", {
        **AUDITED, "tests/spec_prices.py": AUDITED_TESTS, "conftest.py": COLLECT_SPECS,
        "pyproject.toml": PYPROJECT,
    })
    assert _no_assert_findings(root) == {"tests/spec_prices.py::test_runs_only"}
    assert len(read_report(root)["tests"]["tests"]) == 4
