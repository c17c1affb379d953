"""The command and environment of the single test run.

What runs, with which coverage options and which pytest flags, is decided
here; :mod:`auditor.testrun.runner` starts it, watches it and judges it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from auditor.context import AuditContext
from auditor.coverage.rcfile import (
    generated_sections,
    narrowed_source,
    process_start_file,
    rc_file_for,
    write_rc_file,
)
from auditor.coverage.reader import json_file_of
from auditor.errors import IncompleteAuditError
from auditor.project import tool_environment
from auditor.testrun.plugin_loading import (
    PYTEST_COV_NAMES,
    XDIST_NAMES,
    loads,
    named_plugins,
)
from auditor.testrun.probe import InterpreterFacts

PLUGIN_DIR = Path(__file__).parent / "plugin"
COVERAGE_RUN_EXPORTING = "audit_coverage_run"
"""``coverage run`` that also exports coverage.py's JSON after the suite (plugin folder)."""


def coverage_data_file(run_dir: Path) -> Path:
    return run_dir / "coverage" / ".coverage"


def coverage_debug_file(run_dir: Path) -> Path:
    return run_dir / "coverage" / "debug.log"


def _in_package_test_omits(ctx: AuditContext) -> list[str]:
    """Omit patterns (absolute) for tests that live inside a package: they are not code."""
    patterns: list[str] = []
    for test_path in ctx.test_paths:
        for loc in ctx.packages:
            if test_path == loc.path or loc.path in test_path.parents:
                patterns.append(str(test_path) if test_path.suffix == ".py" else f"{test_path}/*")
    return patterns


def write_coverage_config(ctx: AuditContext, facts: InterpreterFacts) -> Path:
    """The generated rc file of this run: the project's coverage config, narrowed to ours."""
    project = facts.coverage_config
    data_file = coverage_data_file(ctx.run_dir)
    data_file.parent.mkdir(parents=True, exist_ok=True)
    sections = generated_sections(
        project,
        source=narrowed_source(project, ctx.packages, ctx.root),
        extra_omit=_in_package_test_omits(ctx),
        data_file=data_file,
        debug_file=coverage_debug_file(ctx.run_dir),
    )
    return write_rc_file(data_file.parent, project, sections)


def build_command(ctx: AuditContext, facts: InterpreterFacts, with_coverage: bool,
                  export_json: bool = False, env: Mapping[str, str] | None = None) -> list[str]:
    """The test command; under coverage, it also writes the run's generated rc file.

    A ``--junitxml`` of the project's options goes into the run folder (the
    plugin moves it there, see ``AUDIT_JUNIT_XML`` in
    :func:`test_environment`): the audit would otherwise rewrite the project's
    own report file. It used to be ``--junitxml=<run folder>`` on every
    command, which made pytest build the XML of every test for nobody
    (about 0.2 s of CPU on humanize's 893 tests). ``export_json``:
    ``coverage run`` through :data:`COVERAGE_RUN_EXPORTING`, which also writes
    coverage.py's JSON report when the suite is done (with
    :func:`export_environment`). ``env``: the run's environment (default ours).
    """
    command = [ctx.python, "-m"]
    if with_coverage:
        rc_file = write_coverage_config(ctx, facts)
        runner = COVERAGE_RUN_EXPORTING if export_json else "coverage"
        command += [runner, "run", f"--rcfile={rc_file}", "-m"]
    command += [
        "pytest",
        "-p",
        "audit_pytest_plugin",
        "-p",
        "no:cacheprovider",
    ]
    # their flags exist only where pytest loads them (not so when autoloading is off)
    named = named_plugins(ctx.root, os.environ if env is None else env, ctx.config.pytest_args)
    if loads(facts.has_pytest_cov, PYTEST_COV_NAMES, named):
        command.append("--no-cov")
    if loads(facts.has_xdist, XDIST_NAMES, named):
        command += ["-n", "0"]
    command += ctx.config.pytest_args
    command += [os.path.relpath(p, ctx.root) for p in ctx.test_paths]
    return command


# The files and switches of one run that our plugin reads. An audit running inside
# another one's test run (a suite whose tests audit a project) inherits that run's;
# left in, its suite's plugin wrote into the outer run's files (it truncated the outer
# dependencies.jsonl). This run sets its own after removing them.
# AUDIT_DEPENDENCIES_CONTEXTS is a setting, not a file: it passes through.
PLUGIN_RUN_VARIABLES = ("AUDIT_PYTEST_REPORT", "AUDIT_COUNT_ASSERTIONS", "AUDIT_JUNIT_XML",
                        "AUDIT_CLASSES_FILE", "AUDIT_CLASSES_PACKAGES", "AUDIT_DEPENDENCIES_FILE",
                        "AUDIT_DEPENDENCIES_IGNORE", "AUDIT_COVERAGE_JSON", "AUDIT_COVERAGE_DATA")


def test_environment(ctx: AuditContext, report_file: Path,
                     record_classes: bool = False) -> dict[str, str]:
    """The run's environment: our plugin records every test with its assertion count.

    Counting adds one call before each rewritten ``assert`` of the test code
    and changes nothing the suite does (see the plugin), so every run counts
    and ``report.json`` never shows a count that was not measured.
    """
    roots = {loc.import_root for loc in ctx.packages if loc.import_root != ctx.root}
    extra = [PLUGIN_DIR, *sorted(roots)]
    env = tool_environment(ctx.python, extra)
    for name in PLUGIN_RUN_VARIABLES:
        env.pop(name, None)
    env["AUDIT_PYTEST_REPORT"] = str(report_file)
    env["AUDIT_COUNT_ASSERTIONS"] = "1"
    env["AUDIT_JUNIT_XML"] = str(report_file.parent / "pytest-junit.xml")
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(ctx.state_dir / "hypothesis")
    if record_classes:  # which public classes the tests instantiate (audit_classes.py)
        env["AUDIT_CLASSES_FILE"] = str(report_file.parent / "classes.json")
        env["AUDIT_CLASSES_PACKAGES"] = ",".join(p.name for p in ctx.packages)
    # COVERAGE_FILE would override the data file of our rc file (and point into
    # the user's tree). tool_environment drops COVERAGE_PROCESS_START/CONFIG.
    env.pop("COVERAGE_FILE", None)
    if os.environ.get("COVERAGE_PROCESS_START"):
        # The project measures subprocesses: they start coverage from this file.
        # Ours, so that their data lands in the run folder with our source and omit.
        env["COVERAGE_PROCESS_START"] = str(process_start_file(coverage_data_file(ctx.run_dir)))
    return env


def export_environment(run_dir: Path) -> dict[str, str]:
    """What :data:`COVERAGE_RUN_EXPORTING` reads: where the JSON goes, which data file."""
    data_file = coverage_data_file(run_dir)
    return {"AUDIT_COVERAGE_JSON": str(json_file_of(data_file)),
            "AUDIT_COVERAGE_DATA": str(data_file)}


def combine_parallel_data(ctx: AuditContext, env: dict[str, str], data_file: Path) -> bool:
    """Combine suffixed data files (``parallel``, subprocesses, multiprocessing) into one.

    ``--append`` keeps a main data file a non-parallel run wrote; the rc file
    brings the project's ``[paths]`` remapping. A failed combine is an error:
    reading one of several data files would be a wrong result. Returns
    whether there was anything to combine.
    """
    if not list(data_file.parent.glob(data_file.name + ".*")):
        return False
    rc_file = rc_file_for(data_file)
    command = [ctx.python, "-m", "coverage", "combine", "--append", f"--data-file={data_file}"]
    if rc_file is not None:
        command.append(f"--rcfile={rc_file}")
    env = {k: v for k, v in env.items() if not k.startswith("COVERAGE_PROCESS_")}
    done = subprocess.run(
        [*command, str(data_file.parent)],
        cwd=ctx.root, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).strip().splitlines()
        detail = lines[-1] if lines else f"exit code {done.returncode}"
        raise IncompleteAuditError(f"coverage combine failed: {detail}")
    return True
