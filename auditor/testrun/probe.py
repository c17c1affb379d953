"""Ask the project's interpreter what it has, before running anything with it.

Runs a tiny stdlib-only script in the target interpreter (cwd = project
root, so coverage.py reads the project's own configuration) and returns the
facts the test run depends on: the coverage and pytest versions, the
project's coverage ``omit`` patterns, and which pytest plugins that change
how tests run (pytest-cov, xdist) are installed.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import IncompleteAuditError

_PROBE = r"""
import json, importlib.util
facts = {}
def has(name):
    try:
        return importlib.util.find_spec(name) is not None
    except Exception:
        return False
facts["pytest"] = has("pytest")
facts["coverage"] = has("coverage")
facts["pytest_cov"] = has("pytest_cov")
facts["xdist"] = has("xdist")
facts["omit"] = []
facts["coverage_version"] = ""
if facts["coverage"]:
    import coverage
    facts["coverage_version"] = coverage.__version__
    try:
        cov = coverage.Coverage()
        facts["omit"] = list(cov.get_option("run:omit") or [])
    except Exception as exc:
        facts["config_error"] = str(exc)
print(json.dumps(facts))
"""


@dataclass(frozen=True)
class InterpreterFacts:
    python: str
    coverage_version: str
    omit: list[str]
    has_pytest_cov: bool
    has_xdist: bool


def probe(python: str, root: Path, env: dict[str, str]) -> InterpreterFacts:
    """Facts about ``python``; an :class:`IncompleteAuditError` if it cannot run the suite."""
    try:
        done = subprocess.run(
            [python, "-c", _PROBE],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise IncompleteAuditError(
            f"cannot run the project's interpreter {python}: {exc}"
        ) from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise IncompleteAuditError(f"the project's interpreter {python} failed: {last}")
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    missing = [name for name in ("pytest", "coverage") if not facts[name]]
    if missing:
        raise IncompleteAuditError(
            f"{python} has no {' and no '.join(missing)}; install "
            f"{' and '.join(missing)} in the project's environment "
            "or set [tool.audit] python to an interpreter that has them"
        )
    if "config_error" in facts:
        raise IncompleteAuditError(f"coverage.py rejects the project's configuration: "
                                   f"{facts['config_error']}")
    return InterpreterFacts(
        python=python,
        coverage_version=facts["coverage_version"],
        omit=list(facts["omit"]),
        has_pytest_cov=bool(facts["pytest_cov"]),
        has_xdist=bool(facts["xdist"]),
    )
