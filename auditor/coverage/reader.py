"""Read coverage.py's own JSON report into :class:`CoverageResult`.

``coverage json`` is produced by the project's interpreter from the data our
test run wrote, so every count is coverage.py's; we only recompute the
percentages exactly from those counts. The test run's interpreter usually
exported it already, right after the suite (``audit_coverage_run`` in the
plugin folder: one interpreter start and one import of coverage.py less per
audit); otherwise ``coverage json`` runs here, as a process of its own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.coverage.rcfile import rc_file_for
from auditor.coverage.result import CoverageResult, ModuleCoverage
from auditor.errors import IncompleteAuditError

# With ignore_errors, coverage.py warns "Couldn't parse Python file 'PATH'" (not
# Python) or "Couldn't parse 'PATH': ERROR" (e.g. undecodable bytes in the first two
# lines, where it looks for the encoding declaration).
_UNPARSABLE = re.compile(r"Couldn't parse (?:Python file )?'([^']+)'")
EXPORT_SUFFIX = ".export.json"  # audit_coverage_run.EXPORT_SUFFIX: what the run's export said


@dataclass
class Export:
    """coverage.py's JSON report of one run, and what came with it."""

    json_file: Path
    unparsable: list[str]
    """Files coverage.py could not parse (left out of its numbers), relative to the root."""
    compile_errors: dict[str, str] = field(default_factory=dict)
    """``{path: error}`` of the files in :attr:`compiled` the interpreter cannot compile."""
    compiled: set[str] = field(default_factory=set)
    """Files the test run's interpreter already compile-checked (none when exported here)."""


def json_file_of(data_file: Path) -> Path:
    """Where the JSON report of ``data_file`` goes (the test run's export writes it there)."""
    return data_file.parent / "coverage.json"


def discard_export(data_file: Path) -> None:
    """Remove the JSON report of ``data_file`` and its export record (stale once data changes)."""
    output = json_file_of(data_file)
    output.unlink(missing_ok=True)
    output.with_name(output.name + EXPORT_SUFFIX).unlink(missing_ok=True)


def _unparsable(said: str, root: Path) -> list[str]:
    return sorted(
        Path(os.path.relpath(path, root)).as_posix() for path in _UNPARSABLE.findall(said)
    )


def exported_by_run(data_file: Path, root: Path) -> Export | None:
    """The export the test run's interpreter wrote after the suite, if it wrote one whole."""
    output = json_file_of(data_file)
    try:
        record = json.loads(output.with_name(output.name + EXPORT_SUFFIX).read_text("utf-8"))
        made = Export(
            json_file=output,
            unparsable=_unparsable(str(record["said"]), root),
            compile_errors={str(k): str(v) for k, v in record["compile_errors"].items()},
            compiled={str(path) for path in record["compiled"]},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # none, or not ours: coverage json runs here instead
    return made if output.exists() else None


def export_json(python: str, root: Path, env: dict[str, str], data_file: Path) -> Export:
    """coverage.py's JSON report of ``data_file``: the run's export, else ``coverage json``.

    The run's generated rc file (the project's coverage config, narrowed to
    our packages) applies, so exclusions, partial-branch rules, report
    include/omit and plugins are the project's. A file coverage.py cannot parse
    (a syntax error) is left out of its numbers with a warning; we keep that
    list so the analysis can count it (see :mod:`auditor.coverage.unparsable`).
    """
    made = exported_by_run(data_file, root)
    if made is not None:
        return made
    output = json_file_of(data_file)
    discard_export(data_file)
    rc_file = rc_file_for(data_file)
    done = subprocess.run(
        [
            python, "-m", "coverage", "json",
            f"--data-file={data_file}", "-o", str(output),
            *([f"--rcfile={rc_file}"] if rc_file else []),
            "--fail-under=0", "--ignore-errors",
        ],
        cwd=root, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    if not output.exists():
        message = (done.stdout + done.stderr).strip().splitlines()
        detail = message[-1] if message else f"exit code {done.returncode}"
        if "No data to report" in detail:
            detail = "no code of the configured packages ran (check [tool.audit] packages)"
        raise IncompleteAuditError(f"coverage json failed: {detail}")
    return Export(json_file=output, unparsable=_unparsable(done.stdout + done.stderr, root))


def module_from_json(path: str, data: dict[str, Any]) -> ModuleCoverage:
    summary = data["summary"]
    return ModuleCoverage(
        path=path,
        statements=int(summary["num_statements"]),
        covered_lines=int(summary["covered_lines"]),
        missing_lines=sorted(data.get("missing_lines", [])),
        executed_lines=sorted(data.get("executed_lines", [])),
        excluded_lines=sorted(data.get("excluded_lines", [])),
        branches=int(summary.get("num_branches", 0)),
        covered_branches=int(summary.get("covered_branches", 0)),
        partial_branches=int(summary.get("num_partial_branches", 0)),
        missing_branches=[list(b) for b in data.get("missing_branches", [])],
    )


def read_coverage_json(json_file: Path) -> CoverageResult:
    document = json.loads(json_file.read_text(encoding="utf-8"))
    modules = {
        Path(path).as_posix(): module_from_json(Path(path).as_posix(), data)
        for path, data in document["files"].items()
    }
    return CoverageResult(
        modules=modules, coverage_version=document.get("meta", {}).get("version", "")
    )
