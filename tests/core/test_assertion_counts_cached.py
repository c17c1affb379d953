"""Counting asserts keeps pytest's cached rewrites of installed modules, and only theirs.

The counting rewrite differs from pytest's only in the project's own files
(installed code gets no counting call), so pytest's cached rewrite of an
installed plugin (``__pycache__/*-pytest-*.pyc``, written by a plain pytest
run) is read as pytest reads it, while the project's test modules are always
rewritten afresh and never cached. Before, every module was rewritten from
source on every run: with Hypothesis installed (pytest rewrites the whole
package of an entry-point plugin) that was 1.1 s of CPU per audit of a
three-test project. What is observed here is pytest's own trace
(``PYTEST_DEBUG``: "found cached rewritten pyc for ..." / "rewriting ..."),
the pyc files on disk and the counts; each expected count is read off the
test code (one assert, no assert).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.testrun.command import PLUGIN_DIR
from tests.support.projects import write_files

# The plugin under test is installed (an entry point): only autoload loads it.
pytestmark = [pytest.mark.slow, pytest.mark.installed_plugins]

PROJECT = {
    "tests/test_one.py": """
        def test_no_assert():
            int("3")


        def test_one_assert():
            assert int("3") == 3
    """,
    # an installed pytest plugin (entry point and RECORD: pytest marks it for rewrite)
    "site/site-packages/checks_c5.py": """
        def pytest_runtest_setup(item):
            assert item.nodeid
    """,
    "site/site-packages/checks_c5-1.0.dist-info/METADATA": """
        Metadata-Version: 2.1
        Name: checks-c5
        Version: 1.0
    """,
    "site/site-packages/checks_c5-1.0.dist-info/entry_points.txt": """
        [pytest11]
        checks_c5 = checks_c5
    """,
    "site/site-packages/checks_c5-1.0.dist-info/RECORD": """
        checks_c5.py,,
        checks_c5-1.0.dist-info/METADATA,,
        checks_c5-1.0.dist-info/entry_points.txt,,
        checks_c5-1.0.dist-info/RECORD,,
    """,
}


def _pytest(root: Path, counting: bool) -> subprocess.CompletedProcess[str]:
    """One real pytest run, bytecode writing allowed; with our plugin counting when asked."""
    site = root / "site" / "site-packages"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=os.pathsep.join(map(str, [PLUGIN_DIR, root, site])), PYTEST_DEBUG="1")
    plugin: list[str] = []
    if counting:
        env.update(AUDIT_PYTEST_REPORT=str(root / "records.jsonl"), AUDIT_COUNT_ASSERTIONS="1")
        plugin = ["-p", "audit_pytest_plugin"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *plugin, "-p", "no:cacheprovider",
         "-p", "no:randomly", "tests"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    return done


def _pytest_pycs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("__pycache__/*-pytest-*.pyc")}


def test_installed_rewrites_are_read_from_pytests_cache_the_projects_never(
    tmp_path: Path,
) -> None:
    root = write_files(tmp_path, PROJECT)
    site = root / "site" / "site-packages"
    _pytest(root, counting=False)  # a plain run caches both rewrites, as pytest does
    cached_plugin = _pytest_pycs(site)
    assert [name.split(".")[0] for name in cached_plugin] == ["checks_c5"]
    for pyc in (root / "tests" / "__pycache__").glob("*-pytest-*.pyc"):
        pyc.unlink()  # (a cached test module would hide whether ours is written)

    counted = _pytest(root, counting=True)
    trace = counted.stderr
    assert f"found cached rewritten pyc for {site / 'checks_c5.py'}" in trace
    assert f"rewriting {str(root / 'tests' / 'test_one.py')!r}" in trace.replace(
        "PosixPath(", "").replace("')", "'")
    records = [json.loads(line) for line in (root / "records.jsonl").read_text().splitlines()]
    assert {r["nodeid"]: r["assertions"] for r in records if r["event"] == "test"} == {
        "tests/test_one.py::test_no_assert": 0,  # the plugin's assert is not the test's
        "tests/test_one.py::test_one_assert": 1,
    }
    # our rewrite of the test module (with its counting calls) is left nowhere,
    # and the installed plugin's cached rewrite is pytest's, untouched
    assert _pytest_pycs(root / "tests") == {}
    assert _pytest_pycs(site) == cached_plugin
    _pytest(root, counting=False)  # and a plain run after it still works
