"""``audit flaky`` on real fixture suites: shuffled runs, polluter bisection, replay."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from auditor.history.flaky import DEPENDS_ON, POLLUTED, find_flaky, flaky_nodeids
from auditor.history.suite import SuiteRunner
from tests.support.projects import run_audit, write_files

# test_victim fails when test_polluter ran earlier in the same process (it
# leaves a module-level registry dirty). The other tests are innocent
# bystanders that bisection must rule out.
POLLUTED_SUITE = {
    "pyproject.toml": """
        [project]
        name = "shop"
        version = "0.1"

        [tool.audit]
        packages = ["shop"]
        tests = ["tests"]
        history = ".audit/history.db"
    """,
    "shop/__init__.py": "REGISTRY = []\n",
    "tests/test_alpha.py": """
        import shop

        def test_polluter():
            shop.REGISTRY.append("leftover")
            assert shop.REGISTRY

        def test_alpha_innocent():
            assert 1 + 1 == 2
    """,
    "tests/test_beta.py": """
        import shop

        def test_beta_one():
            assert "x".upper() == "X"

        def test_beta_two():
            assert sorted([2, 1]) == [1, 2]

        def test_victim():
            assert shop.REGISTRY == []
    """,
    "tests/test_gamma.py": """
        def test_gamma_one():
            assert len("abc") == 3

        def test_gamma_two():
            assert max(1, 5) == 5
    """,
}
ALL_TESTS = 7


def _runner(root: Path) -> SuiteRunner:
    return SuiteRunner(
        root=root, python=sys.executable, test_paths=["tests"], work_dir=root / ".audit" / "flaky"
    )


def test_same_seed_gives_same_order_and_order_file_is_obeyed(tmp_path: Path) -> None:
    root = write_files(tmp_path / "shop", POLLUTED_SUITE)
    runner = _runner(root)
    first, again, other = runner.run(seed=11), runner.run(seed=11), runner.run(seed=12)
    assert len(first.order) == ALL_TESTS
    assert first.order == again.order
    assert sorted(first.order) == sorted(other.order)
    assert first.order != other.order
    wanted = ["tests/test_beta.py::test_victim", "tests/test_alpha.py::test_polluter"]
    replay = runner.run(order=wanted)
    assert replay.order == wanted
    assert replay.outcomes == {wanted[0]: "passed", wanted[1]: "passed"}
    polluted = runner.run(order=list(reversed(wanted)))
    assert polluted.outcomes[wanted[0]] == "failed"


@pytest.mark.slow
def test_order_dependent_test_is_found_with_its_polluter(tmp_path: Path) -> None:
    root = write_files(tmp_path / "shop", POLLUTED_SUITE)
    runner = _runner(root)
    report = find_flaky(runner, runs=8, master_seed=2024)
    victim = "tests/test_beta.py::test_victim"
    # Independent check: in each shuffled run the victim failed exactly when the polluter ran first.
    for run in report.runs:
        polluter_first = run.order.index("tests/test_alpha.py::test_polluter") < run.order.index(
            victim
        )
        assert run.failed(victim) == polluter_first
    assert flaky_nodeids(report.runs) == [victim]
    (finding,) = report.findings
    assert finding.kind == POLLUTED
    assert finding.partners == ["tests/test_alpha.py::test_polluter"]
    assert finding.minimal_order == ["tests/test_alpha.py::test_polluter", victim]
    assert finding.failing_order[-1] == victim
    assert finding.seed in [r.seed for r in report.runs if r.failed(victim)]
    # Bisection needs only a handful of runs beyond the 8 shuffled ones.
    assert report.runs_made - 8 <= 2 + 2 * ALL_TESTS.bit_length() + 1


@pytest.mark.slow
def test_audit_flaky_command_reports_replays_and_records(tmp_path: Path) -> None:
    root = write_files(tmp_path / "shop", POLLUTED_SUITE)
    before = {p.relative_to(root) for p in root.rglob("*")}
    done = run_audit("flaky", root, "--runs", "6", "--seed", "2024", "--output", "out")
    assert done.exit_code == 1, done.stderr
    assert (
        "FLAKY tests/test_beta.py::test_victim: fails after tests/test_alpha.py::test_polluter ran"
    ) in done.stdout
    report = json.loads((root / "out" / "flaky.json").read_text())
    (entry,) = report["flaky"]
    assert entry["partners"] == ["tests/test_alpha.py::test_polluter"]
    minimal = json.loads((root / "out" / "flaky" / "1-minimal-order.json").read_text())
    assert minimal == ["tests/test_alpha.py::test_polluter", "tests/test_beta.py::test_victim"]
    assert "--audit-order-from=" in entry["replay_minimal_order"]
    assert f"--audit-shuffle-seed={entry['seed']}" in entry["replay_seed"]
    # The finding is in the history (for the review and max_flaky).
    rows = (
        sqlite3.connect(root / ".audit" / "history.db")
        .execute("SELECT nodeid, kind, partner, seed FROM flaky_findings")
        .fetchall()
    )
    assert rows == [
        (
            "tests/test_beta.py::test_victim",
            "polluted",
            "tests/test_alpha.py::test_polluter",
            entry["seed"],
        )
    ]
    # Nothing written in the user's tree outside .audit/ and the output folder.
    after = {p.relative_to(root) for p in root.rglob("*")}
    assert {p for p in after - before if p.parts[0] not in (".audit", "out")} == set()


def test_stable_suite_has_no_flaky_tests_and_exits_0(tmp_path: Path) -> None:
    files = {k: v for k, v in POLLUTED_SUITE.items() if k != "tests/test_beta.py"}
    root = write_files(tmp_path / "calm", files)
    done = run_audit("flaky", root, "--runs", "3", "--seed", "1", "--output", "out")
    assert done.exit_code == 0, done.stderr
    assert "no flaky test in 3 shuffled runs (master seed 1)" in done.stdout
    assert json.loads((root / "out" / "flaky.json").read_text())["flaky"] == []


# test_reader passes only when test_writer ran before it (shared state it relies on).
DEPENDENT_SUITE = {
    "state.py": "VALUES = {}\n",
    "tests/test_state.py": """
        import state

        def test_writer():
            state.VALUES["ready"] = True
            assert state.VALUES

        def test_other():
            assert 2 * 2 == 4

        def test_reader():
            assert state.VALUES.get("ready") is True
    """,
}


@pytest.mark.slow
def test_test_that_needs_another_to_run_first_is_reported_with_it(tmp_path: Path) -> None:
    root = write_files(tmp_path / "dep", DEPENDENT_SUITE)
    runner = SuiteRunner(
        root=root,
        python=sys.executable,
        test_paths=["tests"],
        work_dir=root / ".audit" / "flaky",
        pytest_args=["--rootdir", str(root)],
    )
    report = find_flaky(runner, runs=6, master_seed=7)
    reader, writer = "tests/test_state.py::test_reader", "tests/test_state.py::test_writer"
    for run in report.runs:
        assert run.passed(reader) == (run.order.index(writer) < run.order.index(reader))
    (finding,) = report.findings
    assert (finding.nodeid, finding.kind, finding.partners) == (reader, DEPENDS_ON, [writer])
    assert finding.description == f"passes only after {writer} ran"


@pytest.mark.slow
def test_flaky_finds_a_src_layout_package_like_the_audit_run(tmp_path: Path) -> None:
    # Not installed: the package is importable only because src/ is on the path,
    # as in the audit's own test run.
    files = {
        ("src/" + path if path.startswith("shop/") else path): text
        for path, text in POLLUTED_SUITE.items()
    }
    root = write_files(tmp_path / "srcshop", files)
    # Two runs, not six: of master seed 2024's runs the second puts the polluter
    # first (found by running the flat project's shuffled orders by hand), so
    # the finding needs no more; each run more is a pytest process.
    done = run_audit("flaky", root, "--runs", "2", "--seed", "2024", "--output", "out")
    assert done.exit_code == 1, done.stderr
    report = json.loads((root / "out" / "flaky.json").read_text())
    # Same seed, same tests as the flat project: the same single finding.
    assert [f["nodeid"] for f in report["flaky"]] == ["tests/test_beta.py::test_victim"]


@pytest.mark.slow
def test_flaky_refuses_a_test_path_outside_the_project(tmp_path: Path) -> None:
    files = dict(POLLUTED_SUITE)
    pyproject = files["pyproject.toml"]
    files["pyproject.toml"] = pyproject.replace('tests = ["tests"]', 'tests = ["/etc"]')
    root = write_files(tmp_path / "shop", files)
    done = run_audit("flaky", root, "--runs", "2")
    assert done.exit_code == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("audit: error:") and "'/etc' is outside the project" in line


@pytest.mark.slow
def test_flaky_without_audit_table_says_what_it_inferred(tmp_path: Path) -> None:
    # A zero-config start: the packages and tests that decide what runs are
    # inferred; the command says so, as `audit report` does, instead of silently.
    files = dict(POLLUTED_SUITE)
    files["pyproject.toml"] = '[project]\nname = "shop"\nversion = "0.1"\n'
    root = write_files(tmp_path / "shop", files)
    # Master seed 1: neither of its two shuffled runs puts the polluter first (run by
    # hand), so no bisection follows (2024's second run does: three pytest runs more, for
    # a finding this test does not look at).
    done = run_audit("flaky", root, "--runs", "2", "--seed", "1", "--output", "out")
    assert done.exit_code in (0, 1), done.stderr
    assert "no [tool.audit] table in pyproject.toml" in done.stderr
    assert 'packages = ["shop"]' in done.stderr and 'tests = ["tests"]' in done.stderr
    report = json.loads((root / "out" / "flaky.json").read_text())
    assert report["runs"], "the inferred tests ran"
