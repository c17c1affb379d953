"""Benchmark: plain ``mutmut run`` vs ``audit mutate`` on the same fixture project.

Run from the repository root: ``python bench/bench_mutate.py``. It writes a
fixture project (the shop project of the tests plus a loop whose ``i -= 1``
mutant hangs) into a temporary folder and measures, in one run:

1. plain ``mutmut run`` with default settings, on its own copy (as a user runs it);
2. ``audit mutate`` from scratch on another copy;
3. ``audit mutate`` again after changing one function.

It prints the times, the ratio audit/mutmut (target <= 1: better timeouts make
the hanging mutant cost seconds instead of >= 15 s) and the re-run as a share
of the full run (target < 10%).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.mutation.projects import PYTHON, audit, make_shop  # noqa: E402

HANGING = """\


def count(n):
    i = 0
    while i < n:
        i += 1
    return i
"""
HANGING_TEST = "from shop.pricing import count\n\n\ndef test_count():\n    assert count(3) == 3\n"
MUTMUT = "import sys; sys.argv[0]='mutmut'; from mutmut.__main__ import cli; cli()"


EXTRA_MODULES = 20
MODULE = """\
def scale_{i}(x, y):
    if x > y:
        return x * {i} + y
    return y - x


def mix_{i}(values):
    total = 0
    for v in values:
        if v % 2 == 0:
            total += v
        else:
            total -= 1
    return total


def name_{i}(n):
    return "m{i}-" + str(n + 1)
"""
MODULE_TEST = """\
from shop.m{i} import mix_{i}, name_{i}, scale_{i}


def test_scale_{i}():
    assert scale_{i}(3, 1) == 3 * {i} + 1
    assert scale_{i}(1, 3) == 2


def test_mix_{i}():
    assert mix_{i}([2, 3, 4]) == 5


def test_name_{i}():
    assert name_{i}(1) == "m{i}-2"
"""


def fixture(root: Path) -> Path:
    """The shop project, a hanging loop, and EXTRA_MODULES modules of ~20 mutants each."""
    project = make_shop(root)
    source = project / "shop" / "pricing.py"
    source.write_text(source.read_text() + HANGING)
    (project / "tests" / "test_count.py").write_text(HANGING_TEST)
    for i in range(1, EXTRA_MODULES + 1):
        (project / "shop" / f"m{i}.py").write_text(MODULE.format(i=i))
        (project / "tests" / f"test_m{i}.py").write_text(MODULE_TEST.format(i=i))
    return project


def timed(command: list[str], cwd: Path) -> float:
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command} failed: {done.stdout[-800:]} {done.stderr[-800:]}")
    return time.monotonic() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        plain = fixture(base / "plain")
        (plain / "pyproject.toml").write_text(
            '[tool.mutmut]\nsource_paths = ["shop"]\n'
            'pytest_add_cli_args_test_selection = ["tests"]\n'
        )
        plain_seconds = timed([PYTHON, "-c", MUTMUT, "run"], plain)
        audited = fixture(base / "audited")
        started = time.monotonic()
        audit("mutate", str(audited))
        audit_seconds = time.monotonic() - started
        source = audited / "shop" / "pricing.py"
        source.write_text(source.read_text().replace("return a + b", "return b + a"))
        started = time.monotonic()
        audit("mutate", str(audited))
        rerun_seconds = time.monotonic() - started
        shutil.rmtree(base, ignore_errors=True)
    print(f"plain mutmut run:           {plain_seconds:7.2f} s")
    print(f"audit mutate (full):        {audit_seconds:7.2f} s")
    print(f"audit mutate (1 function):  {rerun_seconds:7.2f} s")
    print(f"ratio audit / mutmut:       {audit_seconds / plain_seconds:7.2f}  (target <= 1)")
    share = 100 * rerun_seconds / audit_seconds
    print(f"re-run share of full run:   {share:6.1f} %  (target < 10%)")


if __name__ == "__main__":
    main()
