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
from auditor.coverage.result import CoverageResult, ModuleCoverage
from auditor.errors import IncompleteAuditError

_COMPILE_CHECK = r"""
import json, sys
errors = {}
for path in json.load(sys.stdin):
    try:
        with open(path, "rb") as handle:
            compile(handle.read(), path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        message = getattr(exc, "msg", None) or str(exc)
        where = f" (line {line})" if line else ""
        errors[path] = f"{type(exc).__name__}: {message}{where}"
    except OSError as exc:
        errors[path] = f"cannot read: {exc.strerror}"
print(json.dumps(errors))
"""


def compile_errors(python: str, root: Path, env: dict[str, str],
                   paths: list[str]) -> dict[str, str]:
    """``{path: error}`` for each of ``paths`` (relative to ``root``) Python cannot compile."""
    if not paths:
        return {}
    try:
        done = subprocess.run(
            [python, "-c", _COMPILE_CHECK], input=json.dumps(paths), cwd=root, env=env,
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
                     unparsed: list[str]) -> None:
    """Name every source file that is not valid Python and count it as 0% covered.

    ``unparsed``: files coverage.py could not parse (left out of its JSON).
    Measured files are compiled too (coverage.py parses some files Python
    rejects), and so is a single-module package coverage.py never saw.
    """
    candidates = [p for p in result.modules if p.endswith(".py")]
    for loc in ctx.packages:
        relative = Path(os.path.relpath(loc.path, ctx.root)).as_posix()
        if loc.is_module and relative not in result.modules and relative not in unparsed:
            candidates.append(relative)
    errors = compile_errors(ctx.python, ctx.root, env, sorted({*candidates, *unparsed}))
    for path, error in errors.items():
        if path in result.modules:
            result.modules[path].unparsable = error
        else:
            result.modules[path] = unparsed_module(ctx.root, path, error)
    for path in unparsed:
        if path not in result.modules:  # coverage.py refused it, Python compiles it
            result.modules[path] = unparsed_module(ctx.root, path, "coverage.py cannot parse it")
    result.unparsable_files = sorted(p for p, m in result.modules.items() if m.unparsable)
