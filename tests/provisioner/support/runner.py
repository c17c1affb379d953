"""Run a test suite in a subprocess against a (possibly bug-planted) copy of the package.

The copy sits alone in a fresh directory that is the subprocess's working
directory, so ``python -m`` puts it first on ``sys.path``; ``--import-mode=append``
keeps pytest from putting the repository (with the real package) in front of
it.  Both suites print ``provisioner package: <path>`` in their report header,
which ``SuiteRun.imported_from`` parses so tests can prove which copy ran.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from auditor.testrun.plugin_loading import AUTOLOAD_OFF
from tests.provisioner.planted_bugs import PlantedBug
from tests.provisioner.support.fork_server import ForkServer
from tests.provisioner.support.run_first import RUN_FIRST_ENV

REPO = Path(__file__).resolve().parents[3]
PACKAGE = REPO / "provisioner"
STRONG_SUITE = REPO / "tests" / "provisioner"
THEATER_SUITE = REPO / "examples" / "coverage_theater"
HEADER = re.compile(r"^provisioner package: (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class SuiteRun:
    """Outcome of one subprocess pytest run."""

    returncode: int
    output: str
    line_coverage: float | None = None

    @property
    def imported_from(self) -> Path | None:
        """Directory of the ``provisioner`` package the run imported."""
        match = HEADER.search(self.output)
        return Path(match.group(1)).parent if match else None


def package_copy(workdir: Path, bug: PlantedBug | None = None) -> Path:
    """Copy ``provisioner/`` into ``workdir/pkg``, plant ``bug``; return ``workdir/pkg``."""
    root = workdir / "pkg"
    shutil.copytree(PACKAGE, root / "provisioner",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if bug is not None:
        bug.apply(root / "provisioner")
    return root


def run_suite(suite: Path, root: Path, *, coverage_dir: Path | None = None,
              extra: tuple[str, ...] = (), first: str | None = None,
              only: tuple[str, ...] = (), server: ForkServer | None = None) -> SuiteRun:
    """Run ``suite`` with ``root`` first on ``sys.path`` (optionally under coverage).

    ``first``: a test file of ``suite`` (base name) whose tests run before the
    others (``support/run_first.py``); the run still collects the whole suite.
    ``server``: run it as a child of this fork server (``support/fork_server.py``:
    the same pytest run, without paying for the libraries' imports again),
    not as ``python -m pytest``; not with ``coverage_dir``.
    ``only``: test files of ``suite`` (base names) to run instead of all of it.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(REPO)]),
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PROVISIONER_TEST_KUBECONFIG", None)  # inner runs use the test server
    env.pop(RUN_FIRST_ENV, None)
    # Our pyproject.toml's addopts name xdist: these runs load the installed
    # plugins, as a developer's run of the suite does (tests/conftest.py turns
    # autoload off for the fixture projects' runs only).
    env.pop(AUTOLOAD_OFF, None)
    if first is not None:
        env[RUN_FIRST_ENV] = first
        extra = ("-p", "tests.provisioner.support.run_first", *extra)
    # "-n 0": our pyproject.toml's addopts run xdist workers, which the
    # measured run (coverage of this process only) and the one-line report
    # header of the imported package must not be spread over.
    paths = [str(suite / name) for name in only] or [str(suite)]
    pytest_args = [*paths, "-p", "no:cacheprovider", "--import-mode=append",
                   "--rootdir", str(REPO), "-c", str(REPO / "pyproject.toml"), "-n", "0",
                   *extra]
    if server is not None:
        if coverage_dir is not None:
            raise ValueError("a fork server's runs are not measured")
        returncode, output = server.run(root, env, pytest_args, timeout=600)
        return SuiteRun(returncode, output)
    if coverage_dir is None:
        command = [sys.executable, "-m", "pytest", *pytest_args]
    else:
        data = coverage_dir / ".coverage"
        command = [sys.executable, "-m", "coverage", "run", f"--data-file={data}",
                   "--source=provisioner", "-m", "pytest", *pytest_args]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    coverage = None
    if coverage_dir is not None:
        report = coverage_dir / "coverage.json"
        subprocess.run([sys.executable, "-m", "coverage", "json", f"--data-file={data}",
                        "-o", str(report)], cwd=root, env=env, capture_output=True,
                       timeout=120, check=True)
        totals = json.loads(report.read_text(encoding="utf-8"))["totals"]
        coverage = 100.0 * totals["covered_lines"] / totals["num_statements"]
    return SuiteRun(done.returncode, done.stdout + done.stderr, coverage)
