"""``coverage run``, then coverage.py's JSON report and the syntax check, in one interpreter.

The audit's test run is ``python -m audit_coverage_run run --rcfile=RC -m
pytest ...``: exactly what ``python -m coverage run ...`` does (the same
``coverage.cmdline.main`` with the same arguments, the same exit status),
after which, in the same interpreter, it exports what the coverage analysis
reads, so that the audit does not start two more interpreters of the project
(and import coverage.py twice more) for it:

1. ``coverage json`` through ``coverage.cmdline.main`` on the data file the run
   just saved, with the run's rc file (``AUDIT_COVERAGE_JSON`` names the
   output), so every count is
   coverage.py's, as from the separate ``coverage json`` it replaces
   (``AUDIT_COVERAGE_DATA`` names the data file of the generated rc file);
2. the compile check of every file that report names (see
   ``auditor/coverage/unparsable.py``), under the warning filters the
   interpreter started with (a suite may leave others behind).

What either step printed, and the check's verdicts, go to
``<output>.export.json``; the auditor reads that file and falls back to a
separate ``coverage json`` when it is missing (any step failed, or the data
must first be combined: a parallel or subprocess data file exists). The
export never changes the run's exit status. Stdlib and coverage.py only:
this runs in the project's interpreter, where the auditor is not installed.
This module is also the compile check's script (``python audit_coverage_run.py
--compile-check`` reads a JSON list of paths on stdin).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any, cast

JSON_ENV = "AUDIT_COVERAGE_JSON"
DATA_ENV = "AUDIT_COVERAGE_DATA"
EXPORT_SUFFIX = ".export.json"


def compile_errors(paths: list[str]) -> dict[str, str]:
    """``{path: error}`` for each of ``paths`` this interpreter cannot compile."""
    errors = {}
    for path in paths:
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
    return errors


def _option(args: list[str], name: str) -> str | None:
    """The value of ``--name=VALUE`` among coverage's own options (before ``-m``)."""
    for arg in args[: args.index("-m") if "-m" in args else len(args)]:
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return None


def export(output: Path, data_file: Path, rc_file: str, filters: list[Any]) -> None:
    """Write coverage.py's JSON report to ``output`` and the export record beside it."""
    from coverage.cmdline import main as coverage_main

    if not data_file.exists():
        return
    if any(data_file.parent.glob(data_file.name + ".*")):
        return  # to be combined first: the auditor does that, then exports
    printed = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, \
            contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        warnings.simplefilter("always")  # every coverage.py warning is recorded, once each
        status = coverage_main([
            "json", f"--data-file={data_file}", "-o", str(output), f"--rcfile={rc_file}",
            "--fail-under=0", "--ignore-errors",
        ])
    said = printed.getvalue() + "".join(
        f"{w.category.__name__}: {w.message}\n" for w in caught)
    if status not in (0, None) or not output.exists():
        output.unlink(missing_ok=True)
        return
    document = json.loads(output.read_text(encoding="utf-8"))
    paths = sorted(p for p in document["files"] if p.endswith(".py"))
    with warnings.catch_warnings():
        cast("list[Any]", warnings.filters)[:] = filters  # as when the interpreter started
        errors = compile_errors(paths)
    record = {"said": said, "compiled": paths, "compile_errors": errors}
    temporary = output.with_name(output.name + EXPORT_SUFFIX + ".tmp")
    temporary.write_text(json.dumps(record), encoding="utf-8")
    os.replace(temporary, output.with_name(output.name + EXPORT_SUFFIX))


def main(argv: list[str]) -> int | str | None:
    """Run ``coverage run ARGV``; then export (when asked); return the run's status."""
    from coverage.cmdline import main as coverage_main

    start_dir, filters = os.getcwd(), list(warnings.filters)
    output, data_file = os.environ.get(JSON_ENV), os.environ.get(DATA_ENV)
    status = coverage_main(argv)
    rc_file = _option(argv, "rcfile")
    if output and data_file and rc_file:
        try:
            os.chdir(start_dir)  # a test may have left another working folder
            export(Path(output), Path(data_file), rc_file, filters)
        except Exception:  # the auditor exports by itself then; the run's status stands
            Path(output).unlink(missing_ok=True)
    return status


if __name__ == "__main__":
    if sys.argv[1:] == ["--compile-check"]:
        print(json.dumps(compile_errors(json.load(sys.stdin))))
    else:
        sys.exit(main(sys.argv[1:]))
