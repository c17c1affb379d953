"""The command and environment of the single test run.

What runs, with which coverage options and which pytest flags, is decided
here; :mod:`auditor.testrun.runner` starts it, watches it and judges it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from auditor.context import AuditContext
from auditor.project import tool_environment
from auditor.testrun.probe import InterpreterFacts

PLUGIN_DIR = Path(__file__).parent / "plugin"


def coverage_data_file(run_dir: Path) -> Path:
    return run_dir / "coverage" / ".coverage"


def _source_arguments(ctx: AuditContext) -> list[str]:
    """``--source`` as paths (so never-imported files count as 0%) or module names."""
    sources = [
        loc.name if loc.is_module else os.path.relpath(loc.path, ctx.root)
        for loc in ctx.packages
    ]
    return [f"--source={','.join(sources)}"]


def _omit_arguments(ctx: AuditContext, facts: InterpreterFacts) -> list[str]:
    """Keep the project's omit patterns and add tests that live inside a package."""
    patterns = list(facts.omit)
    for test_path in ctx.test_paths:
        for loc in ctx.packages:
            if test_path == loc.path or loc.path in test_path.parents:
                relative = os.path.relpath(test_path, ctx.root)
                patterns.append(relative if test_path.suffix == ".py" else f"{relative}/*")
    return [f"--omit={','.join(patterns)}"] if patterns else []


def build_command(ctx: AuditContext, facts: InterpreterFacts, with_coverage: bool) -> list[str]:
    command = [ctx.python, "-m"]
    if with_coverage:
        command += [
            "coverage",
            "run",
            "--branch",
            f"--data-file={coverage_data_file(ctx.run_dir)}",
            *_source_arguments(ctx),
            *_omit_arguments(ctx, facts),
            "-m",
        ]
    command += [
        "pytest",
        "-p",
        "audit_pytest_plugin",
        "-p",
        "no:cacheprovider",
        "-o",
        "enable_assertion_pass_hook=true",
    ]
    if facts.has_pytest_cov:
        command.append("--no-cov")
    if facts.has_xdist:
        command += ["-n", "0"]
    command += ctx.config.pytest_args
    command += [os.path.relpath(p, ctx.root) for p in ctx.test_paths]
    return command


def test_environment(ctx: AuditContext, report_file: Path) -> dict[str, str]:
    roots = {loc.import_root for loc in ctx.packages if loc.import_root != ctx.root}
    extra = [PLUGIN_DIR, *sorted(roots)]
    env = tool_environment(ctx.python, extra)
    env["AUDIT_PYTEST_REPORT"] = str(report_file)
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(ctx.state_dir / "hypothesis")
    env.pop("COVERAGE_PROCESS_START", None)
    return env



def combine_parallel_data(ctx: AuditContext, env: dict[str, str], data_file: Path) -> None:
    """A project with ``parallel = true`` writes suffixed data files: combine them."""
    if data_file.exists() or not list(data_file.parent.glob(".coverage.*")):
        return
    subprocess.run(
        [ctx.python, "-m", "coverage", "combine", f"--data-file={data_file}",
         str(data_file.parent)],
        cwd=ctx.root, env=env, capture_output=True, timeout=600, check=False,
    )
