"""Planted-bug proof: the strong suite fails on each classic bug the theater misses.

Each slow test copies ``provisioner/`` into ``tmp_path``, plants one bug, and
runs both suites against the copy, each run a process and pytest session of
its own, forked from one server that has pytest and the Kubernetes client
imported (see ``support/runner.py`` and ``support/fork_server.py``):
the theater whole (it passes: the proof it misses the bug), the strong suite
whole with ``-x``, the tests written for the bug first (its one failure, in
them, is the proof it catches the bug; on the unmodified copy those tests pass).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.provisioner.planted_bugs import BUGS, PlantedBug
from tests.provisioner.support.fork_server import ForkServer
from tests.provisioner.support.runner import (
    PACKAGE,
    STRONG_SUITE,
    THEATER_SUITE,
    package_copy,
    run_suite,
)

# Fail fast: one failing test is the proof; skip the slow meta-tests (no recursion).
FAST = ("-m", "not slow", "-x")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkServer]:
    """One fork server for every run of this module (the unmodified copy's too).

    Each run is still its own process and pytest session on its own copy; the
    server only imports pytest and the Kubernetes client once for all seven
    (~1.6 CPU s a run). The unmodified copy's run is the control of the
    mechanism: the same forked runs pass the tests that catch the bugs.
    """
    with ForkServer(tmp_path_factory.mktemp("fork-server")) as forks:
        yield forks


@pytest.mark.parametrize("bug", BUGS, ids=lambda bug: bug.name)
def test_bug_definition_matches_the_code(bug: PlantedBug) -> None:
    source = (PACKAGE / bug.module).read_text(encoding="utf-8")
    assert source.count(bug.original) == 1
    assert bug.replacement not in source
    assert (STRONG_SUITE / bug.caught_by).is_file()


def test_planting_refuses_stale_definitions(tmp_path: Path) -> None:
    stale = PlantedBug("stale", "gone", "kube.py", "text that is not there", "x",
                       "test_kube_client.py")
    root = package_copy(tmp_path)
    with pytest.raises(ValueError, match="original text not found exactly once"):
        stale.apply(root / "provisioner")
    assert (root / "provisioner" / "kube.py").read_text() == (PACKAGE / "kube.py").read_text()


@pytest.mark.slow
def test_strong_suite_passes_on_an_unmodified_copy(tmp_path: Path, server: ForkServer) -> None:
    # The files whose failure is each bug's proof (a bugged copy's run stops at its first
    # failure, and they run first), not the whole suite: the suite's own run of
    # tests/provisioner passes it whole on the package this copies.
    caught_by = tuple(sorted({bug.caught_by for bug in BUGS}))
    root = package_copy(tmp_path)
    run = run_suite(STRONG_SUITE, root, extra=("-m", "not slow", "-rA"), only=caught_by,
                    server=server)
    assert run.imported_from == root / "provisioner", run.output[-2000:]
    assert run.returncode == 0, run.output[-3000:]
    ran = {line.split("::")[0].rsplit("/", 1)[-1] for line in run.output.splitlines()
           if line.startswith("PASSED ")}
    assert ran == set(caught_by), run.output[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("bug", BUGS, ids=lambda bug: bug.name)
def test_planted_bug_is_caught_by_strong_suite_and_missed_by_theater(
    tmp_path: Path, bug: PlantedBug, server: ForkServer
) -> None:
    root = package_copy(tmp_path, bug)
    assert bug.replacement in (root / "provisioner" / bug.module).read_text(encoding="utf-8")
    theater = run_suite(THEATER_SUITE, root, server=server)
    assert theater.imported_from == root / "provisioner", theater.output[-2000:]
    assert theater.returncode == 0, theater.output[-3000:]
    # The whole strong suite, the tests written for this bug first.
    strong = run_suite(STRONG_SUITE, root, extra=FAST, first=bug.caught_by, server=server)
    assert strong.imported_from == root / "provisioner", strong.output[-2000:]
    assert strong.returncode == 1, strong.output[-3000:]
    assert "1 failed" in strong.output
    failed = [line for line in strong.output.splitlines() if line.startswith("FAILED ")]
    assert len(failed) == 1 and f"/{bug.caught_by}::" in failed[0], strong.output[-3000:]
