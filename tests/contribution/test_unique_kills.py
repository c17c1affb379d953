"""Tests that add nothing, on a real fixture project run by real mutmut.

The project has, in its first commit, a test with unique kills
(``test_scale``: it alone checks the error message), a test whose kills another test also makes
(``test_add_again`` repeats ``test_add``) and a test that covers mutated
code and kills nothing (``test_add_runs``). The second commit adds a useful
test (``test_scale_zero`` kills the ``k < 0`` -> ``k <= 0`` mutant the old
tests miss) and a useless one (``test_add_new`` repeats ``test_add``).

The verdicts are checked against an oracle made without the auditor: plain
mutmut on an independent copy generates the mutants and gives its statuses;
then every test is run by hand under each mutant (``MUTANT_UNDER_TEST`` in
mutmut's ``mutants/`` folder, pytest's JUnit XML read back) for the full
kill matrix.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.support.projects import git, init_repo, read_report, run_audit, write_files

pytestmark = pytest.mark.slow

OPS = """\
def add(a, b):
    return a + b


def scale(x, k):
    if k < 0:
        raise ValueError("negative factor")
    return x * k
"""

OLD_TESTS = """\
import pytest

from calc.ops import add, scale


def test_add():
    assert add(2, 3) == 5


def test_add_again():
    assert add(2, 3) == 5


def test_add_runs():
    add(1, 1)


def test_scale():
    assert scale(2, 3) == 6
    with pytest.raises(ValueError, match="negative factor"):
        scale(1, -1)
"""

NEW_TESTS = """\
from calc.ops import add, scale


def test_scale_zero():
    assert scale(2, 0) == 0


def test_add_new():
    assert add(2, 3) == 5
"""

PYPROJECT = """\
[project]
name = "calc"
version = "0"

[tool.audit]
packages = ["calc"]
tests = ["tests"]

[tool.audit.mutation]
memory_limit_mb = 1024
explain = 0

[tool.audit.gate]
new_tests_without_unique_kills = 0
"""

OLD = {"tests/test_ops.py::" + n for n in ("test_add", "test_add_again", "test_add_runs",
                                            "test_scale")}
NEW = {"tests/test_new.py::test_scale_zero", "tests/test_new.py::test_add_new"}


def _project(root: Path) -> Path:
    write_files(root, {
        "pyproject.toml": PYPROJECT,
        "calc/__init__.py": "",
        "calc/ops.py": OPS,
        "tests/__init__.py": "",
        "tests/test_ops.py": OLD_TESTS,
    })
    init_repo(root)
    write_files(root, {"tests/test_new.py": NEW_TESTS})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "two new tests")
    return root


def _mutmut(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    entry = "import sys; sys.argv[0]='mutmut'; from mutmut.__main__ import cli; cli()"
    return subprocess.run(
        [sys.executable, "-c", entry, *args], cwd=copy, capture_output=True, text=True,
        timeout=300, check=False, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
    )


def _failing_tests(mutants: Path, key: str, out: Path) -> set[str]:
    """The tests that fail with mutant ``key`` active: pytest run by hand, its JUnit XML."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         f"--junitxml={out}", "tests"],
        cwd=mutants, capture_output=True, text=True, timeout=120, check=False,
        env=dict(os.environ, MUTANT_UNDER_TEST=key, PYTHONDONTWRITEBYTECODE="1"),
    )
    assert done.returncode in (0, 1), done.stdout[-2000:]
    failed = set()
    for case in ET.parse(out).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            module = case.get("classname", "").replace(".", "/")
            failed.add(f"{module}.py::{case.get('name')}")
    return failed


def oracle(project: Path, workdir: Path) -> dict[str, Any]:
    """Plain mutmut's statuses, and every test's pass/fail under each mutant, by hand."""
    copy = workdir / "oracle"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".audit", "audit-report*", ".git"))
    (copy / "pyproject.toml").write_text(
        '[tool.mutmut]\nsource_paths = ["calc"]\npytest_add_cli_args_test_selection = ["tests"]\n'
    )
    run = _mutmut(copy, "run")
    assert run.returncode == 0, run.stdout[-2000:]
    listing = _mutmut(copy, "results", "--all", "true")
    statuses = {}
    for line in listing.stdout.splitlines():
        key, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in key:
            statuses[key] = status
    kills = {key: _failing_tests(copy / "mutants", key, workdir / f"{key}.xml")
             for key in statuses}
    return {"statuses": statuses, "kills": kills}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("unique-kills")
    project = _project(base / "project")
    done = run_audit("mutate", project, "--tests-since", "HEAD~1", timeout=600)
    assert (project / "audit-report" / "report.json").is_file(), done.stderr[-3000:]
    return {"project": project, "run": done, "report": read_report(project),
            "oracle": oracle(project, base)}


def _section(runs: dict[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = runs["report"]["analyses"]["mutation"]
    return section


def test_oracle_sees_the_planted_cases(runs: dict[str, Any]) -> None:
    """The fixture is what it claims (by mutmut and the hand-run matrix alone)."""
    kills = runs["oracle"]["kills"]
    killers = {t for found in kills.values() for t in found}
    assert "tests/test_ops.py::test_add_runs" not in killers
    add_killed = {k for k, found in kills.items() if "tests/test_ops.py::test_add" in found}
    assert add_killed
    assert all("tests/test_ops.py::test_add_again" in kills[k] for k in add_killed)
    assert any(found == {"tests/test_new.py::test_scale_zero"} for found in kills.values())


def test_kill_matrix_equals_the_tests_run_by_hand(runs: dict[str, Any]) -> None:
    mutants = {m["id"]: m for m in _section(runs)["mutants"]}
    assert set(mutants) == set(runs["oracle"]["statuses"])
    for key, failed in runs["oracle"]["kills"].items():
        assert set(mutants[key]["killed_by"]) == failed, key


def test_unique_kills_redundant_and_killing_nothing_match_the_oracle(
    runs: dict[str, Any],
) -> None:
    kills: dict[str, set[str]] = runs["oracle"]["kills"]
    every_test = OLD | NEW
    # derived from the hand-run matrix: a unique kill is a mutant exactly one test fails on
    unique = {t: sorted(k for k, found in kills.items() if found == {t}) for t in every_test}
    killed = {t: {k for k, found in kills.items() if t in found} for t in every_test}
    contribution = _section(runs)["contribution"]
    for test in every_test:
        assert contribution["tests"][test]["unique_kills"] == unique[test], test
        assert contribution["tests"][test]["killed"] == len(killed[test]), test
    assert set(contribution["killing_nothing"]) == {"tests/test_ops.py::test_add_runs"}
    # test_add, test_add_again and test_add_new make the same kills: all three redundant
    assert set(contribution["redundant"]) == {
        "tests/test_ops.py::test_add", "tests/test_ops.py::test_add_again",
        "tests/test_new.py::test_add_new",
    }
    assert set(contribution["with_unique_kills"]) == {
        "tests/test_ops.py::test_scale", "tests/test_new.py::test_scale_zero",
    }


def test_since_judges_the_two_new_tests_against_the_older_ones(runs: dict[str, Any]) -> None:
    kills: dict[str, set[str]] = runs["oracle"]["kills"]
    old_kills = {k for k, found in kills.items() if found & OLD}
    expected = {t: sorted(k for k, found in kills.items() if t in found and k not in old_kills)
                for t in NEW}
    assert expected["tests/test_new.py::test_add_new"] == []
    assert expected["tests/test_new.py::test_scale_zero"]
    since = _section(runs)["contribution"]["since"]
    assert since["ref"] == "HEAD~1"
    assert set(since["tests"]) == NEW  # git: only test_new.py changed; its two tests
    assert since["catching_new"] == expected
    assert since["without_unique_kills"] == ["tests/test_new.py::test_add_new"]
    files = _section(runs)["contribution"]["files"]
    assert files["tests/test_new.py"]["new_tests"] == 2
    assert files["tests/test_new.py"]["catching_new"] == 1
    assert files["tests/test_ops.py"]["killing_nothing"] == 1


def test_gate_metrics_and_findings_through_the_contract(runs: dict[str, Any]) -> None:
    assert runs["run"].exit_code == 1, runs["run"].stderr  # the gate: max 0, one found
    rules = {r["id"]: r for r in runs["report"]["gate"]["rules"]}
    assert rules["new_tests_without_unique_kills"]["status"] == "failed"
    metrics = runs["report"]["metrics"]["mutation"]
    assert metrics["new_tests_without_unique_kills"]["value"] == 1
    assert metrics["new_tests_without_unique_kills"]["direction"] == "lower"
    assert metrics["tests_killing_nothing"]["value"] == 1
    findings = {(f["rule"], f["test"]): f for f in runs["report"]["findings"]}
    nothing = findings[("test-kills-nothing", "tests/test_ops.py::test_add_runs")]
    source = (runs["project"] / "tests" / "test_ops.py").read_text().splitlines()
    assert source[nothing["line"] - 1] == "def test_add_runs():"
    assert ("new-test-without-unique-kills", "tests/test_new.py::test_add_new") in findings
    assert ("new-test-without-unique-kills", "tests/test_new.py::test_scale_zero") not in findings
    sarif = (runs["project"] / "audit-report" / "report.sarif").read_text()
    assert "new-test-without-unique-kills" in sarif
    markdown = (runs["project"] / "audit-report" / "report.md").read_text()
    assert "since HEAD\\~1: **2**; of them **1** catch something new" in markdown
    assert "| tests/test\\_new.py | 2 | 1 | 1 | 0 | 2 | 1 |" in markdown
    html = (runs["project"] / "audit-report" / "index.html").read_text()
    assert '<table id="mutation-test-files">' in html


def test_review_gives_the_period_figure(tmp_path: Path) -> None:
    """Two real audits recorded in the history, before and after the two new tests;
    the review says how many tests were added and how many catch something new."""
    project = tmp_path / "project"
    write_files(project, {
        "pyproject.toml": PYPROJECT.replace("new_tests_without_unique_kills = 0\n", "").replace(
            "explain = 0\n", "explain = 0\nkill_matrix = true\n"),
        "calc/__init__.py": "",
        "calc/ops.py": OPS,
        "tests/__init__.py": "",
        "tests/test_ops.py": OLD_TESTS,
    })
    first = run_audit("report", project, "--only", "mutation", timeout=600)
    assert first.exit_code == 0, first.stderr[-2000:]
    write_files(project, {"tests/test_new.py": NEW_TESTS})
    second = run_audit("report", project, "--only", "mutation", timeout=600)
    assert second.exit_code == 0, second.stderr[-2000:]
    # By hand: test_scale_zero alone fails under the `k <= 0` mutant (scale(2, 0) raises),
    # which test_scale (k = 3 and k = -1) cannot tell from the original; test_add_new
    # repeats test_add. So 2 added, 1 catches something new.
    report = read_report(project)["analyses"]["mutation"]
    assert set(report["kills_by_test"]) >= NEW
    review = run_audit("review", project, "--since", "1d", "--output", tmp_path / "review")
    assert review.exit_code == 0, review.stderr[-2000:]
    text = (tmp_path / "review" / "review.md").read_text()
    assert "Tests added in the period: 2; of them 1 catch something new" in text


def test_report_json_read_back_gives_the_same_verdict(runs: dict[str, Any]) -> None:
    """``audit merge`` and the history read report.json back: the verdict survives."""
    from auditor.mutation.result import MutationResult

    section = _section(runs)
    again = MutationResult.from_dict(section).to_dict()
    assert again["contribution"] == section["contribution"]
    assert again["kills_by_test"] == section["kills_by_test"]
