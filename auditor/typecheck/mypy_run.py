"""Running mypy on the packages under audit and reading what it says.

Which mypy: the project's own, when its interpreter can import it (so the
project's plugins, such as ``pydantic.mypy``, and its stub packages work);
otherwise ours, pointed at the project's interpreter with
``--python-executable`` so the project's installed packages are still found.

mypy runs in the project root, so it reads the project's own configuration
(``[tool.mypy]``, ``mypy.ini``, ``.mypy.ini``, ``setup.cfg``). We add only
options that fix the output's shape (columns, codes, no colours, the summary
line) and the cache folder, which lives under ``.audit/`` so the user's tree
never receives a ``.mypy_cache``.

mypy's exit codes (``mypy/main.py``): 0 clean, 1 type errors, 2 a blocking
error: a syntax error in the checked code (reported like other errors, so it
is a finding here), a configuration problem, or a crash. A broken
configuration is only a warning to mypy (it goes on without the file's
settings); we refuse it, because the result would not be the project's.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import ConfigError, IncompleteAuditError
from auditor.testrun.process_group import stop_process_group

CONFIG_FILES = ("mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg")

# "src/pkg/mod.py:12:5: error: Message text  [code]" (with --show-column-numbers
# and --show-error-codes; mypy separates the code with two spaces).
_LINE = re.compile(
    r"^(?P<path>[^:\n]+?):(?P<line>\d+):(?:(?P<column>\d+):)? (?P<severity>error|note): "
    r"(?P<message>.*?)(?:  \[(?P<code>[a-z0-9_-]+)\])?$"
)
_CHECKED = re.compile(r"\bin (?P<count>\d+) source files?\)?\s*$|checked (?P<n>\d+) source file")
_CONFIG_LINE = re.compile(r"^(?P<file>" + "|".join(re.escape(f) for f in CONFIG_FILES) + r")"
                          r"(?::\d+(?::\d+)?)?: ")


@dataclass(frozen=True)
class MypyError:
    """One ``error:`` line of mypy (notes are left out: they qualify an error)."""

    path: str  # as mypy printed it, relative to the project root
    line: int
    column: int
    code: str
    message: str


@dataclass
class MypyRun:
    """What one mypy run printed, read into errors.

    ``blocking`` says mypy stopped early (syntax errors prevented further checking).
    """

    errors: list[MypyError] = field(default_factory=list)
    files_checked: int = 0
    command: list[str] = field(default_factory=list)
    seconds: float = 0.0
    blocking: bool = False


def project_has_mypy(python: str) -> bool:
    """True when the project's interpreter can import mypy (then its own mypy runs)."""
    # Compared unresolved: every virtualenv's python links to the same base interpreter.
    if os.path.abspath(python) == os.path.abspath(sys.executable):
        return False
    done = subprocess.run([python, "-c", "import mypy"], capture_output=True, timeout=60,
                          check=False)  # fmt: skip
    return done.returncode == 0


def mypy_command(python: str, targets: list[str], cache_dir: Path, strict: bool) -> tuple[
        list[str], str]:  # fmt: skip
    """The mypy command line for ``targets`` and whose mypy it runs."""
    own = project_has_mypy(python)
    base = [python, "-m", "mypy"] if own else [sys.executable, "-m", "mypy",
                                               "--python-executable", python]  # fmt: skip
    shape = ["--cache-dir", str(cache_dir), "--incremental", "--show-column-numbers",
             "--show-error-codes", "--no-pretty", "--no-color-output", "--error-summary",
             "--hide-error-context", "--soft-error-limit=-1"]  # fmt: skip
    return [*base, *shape, *(["--strict"] if strict else []), *targets], (
        "project" if own else "auditor")


def mypy_version(command: list[str], root: Path) -> str:
    """What ``mypy --version`` says for the mypy ``command`` runs."""
    head = command[: command.index("mypy") + 1]
    done = subprocess.run([*head, "--version"], cwd=root, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    return done.stdout.strip()


def _config_problem(stderr: str, stdout: str) -> str:
    """The first line where mypy names its configuration file as wrong ('' when none)."""
    for line in [*stderr.splitlines(), *stdout.splitlines()]:
        if _CONFIG_LINE.match(line.strip()):
            return line.strip()
    return ""


def parse_output(stdout: str) -> tuple[list[MypyError], int]:
    """The ``error:`` lines of mypy's output and the number of files it checked."""
    errors: list[MypyError] = []
    checked = 0
    for raw in stdout.splitlines():
        line = raw.rstrip()
        found = _LINE.match(line)
        if found and found["severity"] == "error":
            errors.append(MypyError(
                path=found["path"].replace(os.sep, "/"),
                line=int(found["line"]),
                column=int(found["column"] or 1),
                code=found["code"] or "misc",
                message=found["message"],
            ))
        elif (summary := _CHECKED.search(line)) and not found:
            checked = int(summary["count"] or summary["n"])
    return errors, checked


def run_mypy(command: list[str], root: Path, timeout: float, env: dict[str, str]) -> MypyRun:
    """Run ``command`` in ``root``; errors of mypy itself end the audit in one line.

    A configuration problem is a :class:`ConfigError` (exit 2) naming the file;
    a crash, an exit code mypy never uses, or a run past ``timeout`` seconds is an
    :class:`IncompleteAuditError` (exit 3).
    """
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_process_group(process)
        raise IncompleteAuditError(
            f"typecheck: mypy did not finish within {timeout:g} s "
            "([tool.audit.typecheck] timeout)") from None
    except BaseException:
        stop_process_group(process)
        raise
    seconds = time.monotonic() - started
    if problem := _config_problem(stderr, stdout):
        raise ConfigError(f"typecheck: mypy configuration: {problem}")
    if "INTERNAL ERROR" in stderr or "Traceback (most recent call last)" in stderr:
        first = next((line for line in stderr.splitlines()
                      if line.strip() and "INTERNAL ERROR" not in line), "no message")
        raise IncompleteAuditError(f"typecheck: mypy crashed (exit {process.returncode}): "
                                   f"{first.strip()}")  # fmt: skip
    errors, checked = parse_output(stdout)
    if process.returncode not in (0, 1, 2) or (process.returncode == 2 and not errors):
        detail = (stderr.strip() or stdout.strip() or "no output").splitlines()[0]
        if process.returncode == 2 and detail.startswith("usage:"):
            detail = stderr.strip().splitlines()[-1]
        raise IncompleteAuditError(
            f"typecheck: mypy failed (exit {process.returncode}): {detail}")
    if process.returncode == 1 and not errors:
        raise IncompleteAuditError("typecheck: mypy reported errors that could not be read: "
                                   f"{(stdout.strip() or 'no output').splitlines()[-1]}")
    return MypyRun(errors=errors, files_checked=checked, command=command,
                   seconds=round(seconds, 3), blocking=process.returncode == 2)
