"""Source files that are not valid Python: named in the report, counted as 0%, gated.

Two kinds reach us. coverage.py cannot parse some files at all (a syntax
error): with ``ignore_errors`` it warns "Couldn't parse Python file" and
leaves them out of its numbers, which would make a broken module raise the
totals. Others it parses while Python cannot compile them (undecodable bytes
inside a string literal: coverage.py decodes with replacement characters,
the interpreter refuses the file); coverage.py counts those, at 0%.

We compile every measured file in the project's own interpreter (its Python
version decides what is valid syntax) and keep coverage.py's numbers where it
has them. A file coverage.py left out gets one missing statement for each
non-blank line that is not only a comment: without a parse, coverage.py's
statement count is unknowable, and this count errs on the side of more
missing lines (a multi-line statement counts once per line), never fewer.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from auditor.context import AuditContext
from auditor.coverage.reader import Export
from auditor.coverage.result import CoverageResult, ModuleCoverage
from auditor.errors import IncompleteAuditError
from auditor.testrun.command import PLUGIN_DIR

# One check, two ways to run it: in the test run's interpreter after the suite
# (audit_coverage_run's export), or as this script in a fresh one.
COMPILE_CHECK = PLUGIN_DIR / "audit_coverage_run.py"


def compile_errors(python: str, root: Path, env: dict[str, str],
                   paths: list[str]) -> dict[str, str]:
    """``{path: error}`` for each of ``paths`` (relative to ``root``) Python cannot compile."""
    if not paths:
        return {}
    try:
        done = subprocess.run(
            [python, str(COMPILE_CHECK), "--compile-check"], input=json.dumps(paths),
            cwd=root, env=env,
            capture_output=True, text=True, timeout=600, check=False,
        )
    except subprocess.TimeoutExpired:
        raise IncompleteAuditError("checking the source files for syntax errors timed out") \
            from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise IncompleteAuditError(f"checking the source files for syntax errors failed: {last}")
    errors: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return errors


def countable_lines(source: bytes) -> list[int]:
    """Line numbers that are neither blank nor only a comment (the 0% statement count)."""
    text = source.decode("utf-8", errors="replace")
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#")
    ]


def unparsed_module(root: Path, path: str, error: str) -> ModuleCoverage:
    """A file coverage.py could not parse: every countable line is a missing statement."""
    try:
        lines = countable_lines((root / path).read_bytes())
    except OSError:
        lines = []
    return ModuleCoverage(
        path=path, statements=len(lines), covered_lines=0, missing_lines=lines,
        unparsable=error,
    )


def count_unparsable(result: CoverageResult, ctx: AuditContext, env: dict[str, str],
                     export: Export) -> None:
    """Name every source file that is not valid Python and count it as 0% covered.

    ``export.unparsable``: files coverage.py could not parse (left out of its
    JSON). Measured files are compiled too (coverage.py parses some files
    Python rejects), and so is a single-module package coverage.py never saw;
    a file the test run's interpreter compiled already is not compiled again.
    """
    unparsed = export.unparsable
    candidates = [p for p in result.modules if p.endswith(".py")]
    for loc in ctx.packages:
        relative = Path(os.path.relpath(loc.path, ctx.root)).as_posix()
        if loc.is_module and relative not in result.modules and relative not in unparsed:
            candidates.append(relative)
    unchecked = sorted({*candidates, *unparsed} - export.compiled)
    errors = {**export.compile_errors, **compile_errors(ctx.python, ctx.root, env, unchecked)}
    for path, error in errors.items():
        if path in result.modules:
            result.modules[path].unparsable = error
        else:
            result.modules[path] = unparsed_module(ctx.root, path, error)
    for path in unparsed:
        if path not in result.modules:  # coverage.py refused it, Python compiles it
            result.modules[path] = unparsed_module(ctx.root, path, "coverage.py cannot parse it")
    result.unparsable_files = sorted(p for p, m in result.modules.items() if m.unparsable)
