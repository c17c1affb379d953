"""The interpreter probe's answer is kept under ``.audit/`` until one of its inputs changes.

The end-to-end test runs real audits with an interpreter wrapper that notes
every probe it is asked to run (a shell script in front of this interpreter:
the probe is the one ``-c`` script that asks for ``coverage_config``), so
"the second audit did not probe" is observed, not assumed. Changing the
project's coverage configuration must make the next audit probe again, and
its report must follow the new configuration (a module omitted by it is
gone). The other tests check the cache's key and folder watch on real files.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from auditor.testrun.probe_cache import CACHE_NAME, ProbeCache, probe_key
from tests.support.projects import make_calc_project, read_report, run_audit

WRAPPER = """#!/bin/sh
case "$2" in
  *coverage_config*) echo probe >> "{log}" ;;
esac
exec "{python}" "$@"
"""


def _wrapper(folder: Path, log: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "python"
    path.write_text(WRAPPER.format(log=log, python=sys.executable), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _probes(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.mark.slow
def test_second_audit_reuses_the_probe_and_a_config_change_probes_again(
        tmp_path: Path) -> None:
    log = tmp_path / "probes.log"
    python = _wrapper(tmp_path / "bin", log)
    project = make_calc_project(tmp_path / "calc", f'python = "{python}"\n')

    first = run_audit("coverage", project, "--no-gate", cwd=project)
    assert first.exit_code == 0, first.stderr
    assert _probes(log) == 1
    assert (project / ".audit" / CACHE_NAME).is_file()
    first_modules = read_report(project)["analyses"]["coverage"]["modules"]

    second = run_audit("coverage", project, "--no-gate", cwd=project)
    assert second.exit_code == 0, second.stderr
    assert _probes(log) == 1  # answered from the cache
    assert read_report(project)["analyses"]["coverage"]["modules"] == first_modules

    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.coverage.run]\nomit = ["*/unused.py"]\n')
    third = run_audit("coverage", project, "--no-gate", cwd=project)
    assert third.exit_code == 0, third.stderr
    assert _probes(log) == 2  # the configuration changed: probed again
    modules = read_report(project)["analyses"]["coverage"]["modules"]
    assert "src/calc/unused.py" in first_modules
    assert "src/calc/unused.py" not in modules


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.coverage.run]\nbranch = true\n")
    return root


def test_key_follows_config_files_and_environment_but_not_the_run_folder(
        tmp_path: Path) -> None:
    root = _project(tmp_path)
    env = {"PATH": "/usr/bin", "AUDIT_PYTEST_REPORT": str(tmp_path / "run1" / "tests.jsonl")}
    key = probe_key(sys.executable, root, env, "script")

    other_run = {**env, "AUDIT_PYTEST_REPORT": str(tmp_path / "run2" / "tests.jsonl")}
    assert probe_key(sys.executable, root, other_run, "script") == key
    assert probe_key(sys.executable, root, {**env, "COVERAGE_CORE": "ctrace"}, "script") != key
    assert probe_key(sys.executable, root, env, "another script") != key

    (root / ".coveragerc").write_text("[run]\nbranch = false\n")  # a file coverage.py reads first
    assert probe_key(sys.executable, root, env, "script") != key
    (root / ".coveragerc").unlink()
    assert probe_key(sys.executable, root, env, "script") == key
    (root / "pyproject.toml").write_text("[tool.coverage.run]\nbranch = false\n")
    assert probe_key(sys.executable, root, env, "script") != key


def test_key_follows_the_file_coverage_rcfile_names(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "ci.coveragerc").write_text("[run]\nbranch = true\n")
    env = {"COVERAGE_RCFILE": "ci.coveragerc"}
    key = probe_key(sys.executable, root, env, "script")
    (root / "ci.coveragerc").write_text("[run]\nbranch = false\n")
    assert probe_key(sys.executable, root, env, "script") != key


def test_cached_answer_is_dropped_when_a_watched_folder_changes(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    site.mkdir()
    cache = ProbeCache(tmp_path / ".audit" / CACHE_NAME)
    facts = {"pytest": True, "coverage": True}
    cache.store("key", facts, [str(site)])
    assert cache.load("key") == facts
    assert cache.load("other key") is None

    (site / "pytest_cov").mkdir()  # a distribution installed
    os.utime(site, ns=(site.stat().st_atime_ns, site.stat().st_mtime_ns + 1_000_000))
    assert cache.load("key") is None


@pytest.mark.parametrize("content", ["", "{not json", json.dumps({"key": "key"}),
                                     json.dumps({"key": "key", "watched": [], "facts": {}})])
def test_unreadable_cache_is_a_miss(tmp_path: Path, content: str) -> None:
    path = tmp_path / CACHE_NAME
    path.write_text(content)
    assert ProbeCache(path).load("key") is None


def test_the_answers_of_several_keys_are_kept_the_oldest_dropped(tmp_path: Path) -> None:
    """Two auditor checkouts (two plugin folders: two keys) in turn both find their answer."""
    from auditor.testrun.probe_cache import KEPT

    cache = ProbeCache(tmp_path / ".audit" / CACHE_NAME)
    for number in range(KEPT + 1):
        cache.store(f"key {number}", {"number": number}, [])
    assert cache.load("key 0") is None  # the oldest, dropped
    assert [cache.load(f"key {n}") for n in range(1, KEPT + 1)] == [
        {"number": n} for n in range(1, KEPT + 1)]
    cache.store("key 1", {"number": "again"}, [])  # a key stored again replaces its answer
    assert cache.load("key 1") == {"number": "again"}
    assert cache.load("key 2") == {"number": 2}
