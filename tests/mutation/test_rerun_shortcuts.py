"""Re-runs without mutmut's fixed costs keep mutmut's verdicts (real mutmut runs).

A root ``conftest.py`` in the fixture project (``LOGGING_CONFTEST`` of
tests/mutation/projects.py) logs every pytest session that mutmut starts
(``MUTANT_UNDER_TEST`` and the selected tests), so the tests see which of
mutmut's runs happened: the stats and listing runs, the clean run (``""``),
the forced-fail run (``"fail"``); and every test set up, with the mutant of
its process: the session-fork runner starts one session for all mutants
(``"stats"`` while it collects) and each mutant's tests run in a fork of it.

Every test starts from one copy of the shop after one complete run
(``shop_mutated`` of tests/mutation/conftest.py, its first run logged) and
logs its own second run. Explaining survivors runs covering tests of its own
(every audit, by design): it is off in the shop.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.mutation.projects import (
    NO_HYPOTHESIS,
    PYTHON,
    SESSION_LOG,
    STRONG_CLAMP_TESTS,
    Oracles,
    audit,
    copy_project,
    detected,
    report,
)

# shop_mutated and the oracle runs are shared with the other shop modules: one worker
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mutation-shop")]


def logged_audit(project: Path, log: Path) -> subprocess.CompletedProcess[str]:
    """``audit mutate`` of ``project``, its pytest sessions logged to ``log``."""
    return audit("mutate", str(project), env={**NO_HYPOTHESIS, SESSION_LOG: str(log)})


def entries(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def sessions(log: Path | list[dict[str, Any]]) -> list[dict[str, Any]]:
    logged = entries(log) if isinstance(log, Path) else log
    return [entry for entry in logged if "args" in entry]


def mutants_tested(log: Path) -> set[str]:
    """The mutants under test of the processes that set up a test."""
    return {str(e["mutant"]) for e in entries(log)
            if "test" in e and "__mutmut_" in str(e["mutant"])}


def statuses(project: Path) -> dict[str, str]:
    mutants = report(project / "audit-report")["analyses"]["mutation"]["mutants"]
    return {m["id"]: m["status"] for m in mutants}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_rerun_skips_forced_fail_narrows_clean_run_and_matches_mutmut(
    tmp_path: Path, shop_mutated: Path, shop_first_run_log: list[dict[str, Any]],
    oracle: Oracles,
) -> None:
    kinds = [s["mutant"] for s in sessions(shop_first_run_log)]
    assert "fail" in kinds and "" in kinds  # the first run checks both

    log = tmp_path / "sessions.jsonl"
    project = copy_project(shop_mutated, tmp_path / "p")
    edit(project / "shop" / "pricing.py", "return a + b", "return b + a")
    second = logged_audit(project, log)
    assert second.returncode == 0, second.stderr
    runs = sessions(log)
    assert "fail" not in [s["mutant"] for s in runs]
    clean = [s for s in runs if s["mutant"] == ""]
    # one clean run, of the tests that reach add() (the only changed function)
    assert [sorted(s["args"]) for s in clean] == [["tests/test_strong.py::test_add"]]
    tested = mutants_tested(log)
    assert tested and all(".x_add__mutmut_" in m for m in tested)
    assert detected(statuses(project)) == detected(oracle(project))
    section = report(project / "audit-report")["analyses"]["mutation"]
    assert section["mutmut_version"] == importlib.metadata.version("mutmut")
    # the edited file's mutants are located in its new text, not read back stale
    add_mutants = [m for m in section["mutants"] if ".x_add__mutmut_" in m["id"]]
    assert add_mutants and all("b + a" in m["original"] for m in add_mutants)


def test_unchanged_rerun_runs_no_clean_tests_and_keeps_verdicts(
    tmp_path: Path, shop_mutated: Path
) -> None:
    log = tmp_path / "sessions.jsonl"
    project = copy_project(shop_mutated, tmp_path / "p")
    before = report(project / "audit-report")["analyses"]["mutation"]["mutants"]
    again = logged_audit(project, log)
    assert again.returncode == 0, again.stderr
    assert [s["mutant"] for s in sessions(log)] == ["list_all_tests"]
    after = report(project / "audit-report")["analyses"]["mutation"]["mutants"]
    assert after == before  # verdicts, locations and diffs read back unchanged


def test_changed_setup_runs_the_forced_fail_check_again(
    tmp_path: Path, shop_mutated: Path, oracle: Oracles
) -> None:
    log = tmp_path / "sessions.jsonl"
    project = copy_project(shop_mutated, tmp_path / "p")
    (project / "tests" / "test_weak.py").write_text(STRONG_CLAMP_TESTS)
    second = logged_audit(project, log)
    assert second.returncode == 0, second.stderr
    assert "fail" in [s["mutant"] for s in sessions(log)]
    assert detected(statuses(project)) == detected(oracle(project))


def plain_mutmut(folder: Path) -> subprocess.CompletedProcess[str]:
    """``mutmut run`` in ``folder``, with the configuration the oracle wrote there."""
    entry = "import sys; sys.argv[0]='mutmut'; from mutmut.__main__ import cli; cli()"
    return subprocess.run(
        [PYTHON, "-c", entry, "run"],
        cwd=folder,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **NO_HYPOTHESIS),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_source_change_breaking_a_test_stops_the_rerun_like_mutmut(
    tmp_path: Path, shop_mutated: Path, oracle: Oracles
) -> None:
    project = copy_project(shop_mutated, tmp_path / "p")  # after a first complete audit
    # plain mutmut's own copy after its own complete run (the oracle run of the same
    # files, its [tool.mutmut] source_paths and test selection), copied with its mtimes
    copy = shutil.copytree(oracle.run(project).folder, tmp_path / "plain", symlinks=True)
    assert (copy / "mutants").is_dir()
    for root in (project, copy):  # test_add fails on the unmutated code now
        edit(root / "shop" / "pricing.py", "return a + b", "return a - b")
    second = audit("mutate", str(project), env=NO_HYPOTHESIS)
    assert second.returncode not in (0, 1)
    assert "Failed to run clean test" in second.stdout + second.stderr
    meta = project / ".audit" / "mutation" / "mutants" / "shop" / "pricing.py.meta"
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    add_codes = {k: c for k, c in codes.items() if ".x_add__mutmut_" in k}
    assert add_codes and set(add_codes.values()) == {None}  # none taken for a kill
    # plain mutmut, re-run on its own copy after the same edit, refuses as well
    plain = plain_mutmut(copy)
    assert plain.returncode != 0
    assert "Failed to run clean test" in plain.stdout
