"""Runs of ``audit mutate`` that start from a fixture project of their own (real mutmut):
``--since``, interrupted and resumed, and a mutant that never ends. (Sharded and
incremental runs from one complete run: tests/mutation/test_mutate_runs.py.)"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from auditor.errors import EXIT_INTERRUPTED
from tests.mutation.projects import NO_HYPOTHESIS, PYTHON, REPO, audit, make_shop, report

pytestmark = pytest.mark.slow


def _git(project: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=project,
        check=True,
        capture_output=True,
        env=dict(
            os.environ,
            GIT_AUTHOR_NAME="t",
            GIT_AUTHOR_EMAIL="t@t",
            GIT_COMMITTER_NAME="t",
            GIT_COMMITTER_EMAIL="t@t",
        ),
    )


def test_since_limits_mutation_to_changed_functions(tmp_path: Path) -> None:
    project = make_shop(tmp_path / "p", gate="mutation_changed_score = 100")
    _git(project, "init", "-q")
    _git(project, "add", ".")
    _git(project, "commit", "-q", "-m", "base")
    source = project / "shop" / "pricing.py"
    source.write_text(source.read_text().replace('"item-" + str(n)', '"item:" + str(n)'))
    done = audit("mutate", str(project), "--since", "HEAD", env=NO_HYPOTHESIS)
    section = report(project / "audit-report")["analyses"]["mutation"]
    assert section["changed_functions"] == ["shop/pricing.py::label"]
    assert {m["function"] for m in section["mutants"]} == {"label"}
    assert section["changed"]["counts"]["survived"] > 0
    assert done.returncode == 1  # the label mutants survive the weak test


def _tree_digest(project: Path) -> dict[str, str]:
    digest = {}
    for path in sorted(project.rglob("*")):
        rel = path.relative_to(project)
        if rel.parts[0] in (".audit", "audit-report") or not path.is_file():
            continue
        digest[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


# While SHOP_SLOW is set, every test takes a while, so every mutant does: the signal
# lands while many mutants are still to run, however fast the runner (the session-fork
# runner finished the rest within the poll interval on a loaded machine). The run that
# resumes goes without it: the tree (the digest) is the same, only the waits are gone.
SLOW = "SHOP_SLOW"
SLOW_TEST = f"""\
import os
import time

from shop.pricing import add


def test_slow_add():
    if os.environ.get({SLOW!r}):
        time.sleep(0.3)
    assert add(1, 1) == 2
"""
SLOW_EVERY_TEST = f"""\
import os
import time

import pytest


@pytest.fixture(autouse=True)
def slow_down():
    if os.environ.get({SLOW!r}):
        time.sleep(0.1)
"""


def _wait_for_verdict(project: Path, proc: subprocess.Popen[str], deadline: float) -> None:
    metas = project / ".audit" / "mutation" / "mutants"
    while time.monotonic() < deadline and proc.poll() is None:
        for meta in metas.rglob("*.meta") if metas.exists() else []:
            try:
                codes = json.loads(meta.read_text())["exit_code_by_key"].values()
            except (ValueError, KeyError):
                continue
            if any(c is not None for c in codes):
                return
        time.sleep(0.05)
    raise AssertionError("no verdict appeared before the deadline")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupt_keeps_tree_identical_and_resumes(tmp_path: Path, sig: signal.Signals) -> None:
    project = make_shop(tmp_path / "p", extra="max_children = 1")
    (project / "tests" / "test_slow.py").write_text(SLOW_TEST)
    (project / "tests" / "conftest.py").write_text(SLOW_EVERY_TEST)
    before = _tree_digest(project)
    env = dict(os.environ, PYTHONPATH=str(REPO), **NO_HYPOTHESIS, **{SLOW: "1"})
    proc = subprocess.Popen(
        [PYTHON, "-m", "auditor", "mutate", str(project)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_verdict(project, proc, time.monotonic() + 120)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == (EXIT_INTERRUPTED if sig == signal.SIGINT else -9), err
    assert _tree_digest(project) == before
    # a truncated .meta (as left by a kill mid-write) is re-run, never a crash
    meta = project / ".audit" / "mutation" / "mutants" / "shop" / "pricing.py.meta"
    if meta.exists():
        meta.write_text(meta.read_text()[:40])
    resumed = audit("mutate", str(project), env=NO_HYPOTHESIS)
    assert resumed.returncode == 0, resumed.stderr
    section = report(project / "audit-report")["analyses"]["mutation"]
    assert section["complete"] is True and section["counts"]["not_checked"] == 0
    assert _tree_digest(project) == before


RUNAWAY = """\
def count_up(n):
    items = []
    i = 0
    while i < n:
        items.append(i)
        i += 1
    return items
"""


def test_runaway_mutant_becomes_a_verdict(tmp_path: Path) -> None:
    project = tmp_path / "p"
    (project / "shop").mkdir(parents=True)
    (project / "shop" / "__init__.py").write_text("")
    (project / "shop" / "loops.py").write_text(RUNAWAY)
    (project / "tests").mkdir()
    (project / "tests" / "test_loops.py").write_text(
        "from shop.loops import count_up\n\n\ndef test_count():\n"
        "    assert count_up(3) == [0, 1, 2]\n"
    )
    (project / "pyproject.toml").write_text(
        '[tool.audit]\npackages = ["shop"]\n\n[tool.audit.mutation]\nmemory_limit_mb = 300\n'
    )
    done = audit("mutate", str(project), env=NO_HYPOTHESIS)
    assert done.returncode == 0, done.stderr
    mutants = report(project / "audit-report")["analyses"]["mutation"]["mutants"]
    runaway = [m for m in mutants if m["mutated"].strip() == "i -= 1"]
    assert len(runaway) == 1
    # it never finishes: the memory limit (MemoryError -> killed) or the timeout stops it
    assert runaway[0]["status"] in ("killed", "timeout")
