"""Fixture projects for the mutation tests, written into ``tmp_path``, and the oracle.

The oracle is plain mutmut run on an independent copy of the same project
(its own ``[tool.mutmut]``, its own ``mutants/``), read back through
``mutmut results --all true``: the auditor's numbers must equal mutmut's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

PRICING = """\
RATE = 0.2


def add(a, b):
    return a + b


def discount(price, percent):
    if percent > 100:
        raise ValueError("percent")
    return price - price * percent / 100


def clamp(x, low, high):
    if x < low:
        return low
    if x > high:
        return high
    return x


def label(n):
    return "item-" + str(n)


class Cart:
    currency = "EUR"

    def __init__(self):
        self.items = []

    def add_item(self, price):
        self.items.append(price)
        return len(self.items)

    @property
    def total(self):
        return sum(self.items)


def untested(x):
    return x * 2
"""

STRONG_TESTS = """\
import pytest

from shop.pricing import Cart, add, discount


def test_add():
    assert add(2, 3) == 5


def test_discount():
    assert discount(200, 10) == 180
    assert discount(200, 100) == 0
    with pytest.raises(ValueError, match="percent"):
        discount(200, 101)


def test_cart():
    cart = Cart()
    assert cart.add_item(5) == 1
    assert cart.add_item(7) == 2
    assert cart.items == [5, 7]
"""

WEAK_TESTS = """\
from shop.pricing import clamp, label


def test_clamp_runs():
    clamp(5, 0, 10)
    clamp(-1, 0, 10)


def test_label_runs():
    label(3)
"""

STRONG_CLAMP_TESTS = """\
from shop.pricing import clamp, label


def test_clamp_runs():
    assert clamp(5, 0, 10) == 5
    assert clamp(-1, 0, 10) == 0
    assert clamp(11, 0, 10) == 10
    assert clamp(0, 0, 10) == 0
    assert clamp(10, 0, 10) == 10


def test_label_runs():
    assert label(3) == "item-3"
"""

PYPROJECT = """\
[project]
name = "shop"
version = "0"

[tool.audit]
packages = ["shop"]
tests = ["tests"]

[tool.audit.mutation]
memory_limit_mb = 1024
{extra}

[tool.audit.gate]
{gate}
"""


def make_shop(root: Path, gate: str = "", extra: str = "") -> Path:
    """The shop project; ``extra`` goes into ``[tool.audit.mutation]``.

    Survivor explanations are off unless ``extra`` sets ``explain``: they add
    two recorded pytest runs per survivor (up to 40 runs per audit) and no
    shop test asserts on them; tests/mutation/test_explain.py covers them on
    a project of its own.
    """
    if not any(line.split("=")[0].strip() == "explain" for line in extra.splitlines()):
        extra = f"explain = 0\n{extra}"
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "pricing.py").write_text(PRICING)
    (root / "tests").mkdir()
    (root / "tests" / "test_strong.py").write_text(STRONG_TESTS)
    (root / "tests" / "test_weak.py").write_text(WEAK_TESTS)
    (root / "pyproject.toml").write_text(PYPROJECT.format(gate=gate, extra=extra))
    return root


# A root conftest.py that logs every pytest session mutmut (or the audit) starts in
# the project, and every test set up, with the mutant under test of its process, as
# JSON lines to the file SESSION_LOG names; without SESSION_LOG it does nothing. The
# log's path is not in the project's files, so one audited project can be copied and
# each copy's next run logged apart (tests/mutation/test_rerun_shortcuts.py).
SESSION_LOG = "SHOP_SESSION_LOG"
LOGGING_CONFTEST = f"""\
import json
import os


def _log(entry):
    path = os.environ.get({SESSION_LOG!r})
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\\n")


def pytest_sessionstart(session):
    _log({{"mutant": os.environ.get("MUTANT_UNDER_TEST"), "args": list(session.config.args)}})


def pytest_runtest_setup(item):
    _log({{"mutant": os.environ.get("MUTANT_UNDER_TEST"), "test": item.nodeid}})
"""


def with_session_log(project: Path) -> Path:
    """``project`` with the root conftest.py of :data:`LOGGING_CONFTEST`."""
    (project / "conftest.py").write_text(LOGGING_CONFTEST)
    return project


# The fixture projects run in this checkout's venv, whose Hypothesis plugin (a dev
# dependency of ours; no fixture project of these modules uses Hypothesis) imports
# Hypothesis at every pytest start: ~0.13 of ~0.38 s CPU, paid again by every session
# mutmut, the audit, each kill-matrix child and the oracle start. PYTEST_ADDOPTS
# reaches every one of them alike; a project that uses Hypothesis must not get it.
NO_HYPOTHESIS = {"PYTEST_ADDOPTS": "-p no:hypothesispytest"}


def audit(
    *args: str, cwd: Path | None = None, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``audit`` command line in a subprocess (``env``: variables added)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), AUDIT_DEBUG="", **(env or {}))
    return subprocess.run(
        [PYTHON, "-m", "auditor", *args],
        cwd=cwd or REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def report(output: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((output / "report.json").read_text())
    return data


# What the oracle leaves out of its copy: the audit's stage and reports.
_NOT_COPIED = shutil.ignore_patterns(".audit", "audit-report*")


def mutmut_oracle(
    project: Path,
    workdir: Path,
    package: str = "shop",
    settings: str = "",
    env: dict[str, str] | None = None,
) -> dict[str, str]:
    """Plain mutmut on a copy of ``project``: {mutant key: status (our spelling)}.

    ``settings``: more ``[tool.mutmut]`` lines; ``env``: variables added to its environment.
    """
    copy = workdir / "oracle"
    shutil.copytree(project, copy, ignore=_NOT_COPIED)
    (copy / "pyproject.toml").write_text(
        f'[tool.mutmut]\nsource_paths = ["{package}"]\n'
        f'pytest_add_cli_args_test_selection = ["tests"]\n{settings}'
    )
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env or {}))
    entry = "import sys; sys.argv[0]='mutmut'; from mutmut.__main__ import cli; cli()"
    run = subprocess.run(
        [PYTHON, "-c", entry, "run"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    listing = subprocess.run(
        [PYTHON, "-c", entry, "results", "--all", "true"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    statuses = {}
    for line in listing.stdout.splitlines():
        key, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in key:
            statuses[key] = status.replace(" ", "_").replace("segfault", "crash")
    return statuses


def project_digest(project: Path) -> str:
    """A digest of the files :func:`mutmut_oracle` copies, but ``pyproject.toml`` (it
    writes its own): two projects with one digest are the same project to mutmut."""
    digest = hashlib.sha256()

    def walk(folder: Path) -> None:
        names = sorted(p.name for p in folder.iterdir())
        for name in sorted(set(names) - _NOT_COPIED(str(folder), names)):
            path = folder / name
            rel = path.relative_to(project).as_posix()
            if path.is_dir() and not path.is_symlink():
                walk(path)
            elif rel != "pyproject.toml":
                data = path.read_bytes()
                digest.update(f"{rel}\0{len(data)}\0".encode() + data)

    walk(project)
    return digest.hexdigest()


@dataclass
class OracleRun:
    """One plain mutmut run: its verdicts, and the folder it ran in (its ``mutants/``)."""

    statuses: dict[str, str]
    folder: Path


@dataclass
class Oracles:
    """Plain mutmut's verdicts, one run per distinct project (see :func:`project_digest`).

    Tests of several modules compare ``audit mutate`` with plain mutmut on the same
    project state (the shop as written, with a function edited, with its weak tests made
    strong): each state's oracle is run once per test session and shared. Each test
    still gets the verdicts of an independent mutmut run on exactly its own project's
    files; a project that differs in any file gets a run of its own.
    """

    workdir: Path
    runs: dict[tuple[str, ...], OracleRun] = field(default_factory=dict)

    def run(
        self, project: Path, package: str = "shop", settings: str = "",
        env: dict[str, str] | None = None,
    ) -> OracleRun:
        """The oracle run of ``project``'s files (:func:`mutmut_oracle`'s arguments)."""
        env = {**NO_HYPOTHESIS, **(env or {})}  # as the audits it is compared with
        key = (project_digest(project), package, settings, json.dumps(sorted(env.items())))
        if key not in self.runs:
            folder = self.workdir / f"run{len(self.runs)}"
            folder.mkdir(parents=True)
            statuses = mutmut_oracle(project, folder, package, settings, env)
            self.runs[key] = OracleRun(statuses, folder / "oracle")
        return self.runs[key]

    def __call__(
        self, project: Path, package: str = "shop", settings: str = "",
        env: dict[str, str] | None = None,
    ) -> dict[str, str]:
        """{mutant key: status} of plain mutmut on ``project`` (a copy: yours to change)."""
        return dict(self.run(project, package, settings, env).statuses)


def detected(verdicts: dict[str, str]) -> dict[str, str]:
    """Verdicts with ``timeout`` read as ``killed``: mutmut counts both as detected, and
    which of the two a slow mutant gets depends on the machine's load, in our run and in
    the oracle's alike (seen in CI: one mutant timed out in ours, killed in mutmut's)."""
    return {key: "killed" if status == "timeout" else status for key, status in verdicts.items()}


def copy_project(template: Path, dest: Path) -> Path:
    """``template`` copied to ``dest``, with its ``.audit`` stage and reports.

    copytree copies with ``copy2``: the modification times stay, and mutmut
    compares them to decide which mutants to regenerate (none here: the copy is
    what the template's run left). The stage holds no absolute path.
    """
    shutil.copytree(template, dest, symlinks=True)
    return dest
