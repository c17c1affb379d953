"""Find pytest's own account of a failed run in its log, as one line.

When pytest stops before its session starts (a ``conftest.py`` that does not
import, a plugin that is missing, ``required_plugins``, a bad command-line
option) the only explanation is the text pytest printed. Under ``coverage
run`` that text is followed by coverage's "No data was collected" warning,
which is a consequence, not the cause: coverage's lines are never quoted.

The patterns below are pytest's own output formats (``_pytest/config``:
``ImportError while loading conftest '...'``, ``ERROR: ...`` for usage
errors and missing plugins, ``INTERNALERROR>`` for crashes inside pytest).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_CONFTEST = re.compile(r"ImportError while loading conftest '(?P<path>.+)'\.")
_EXCEPTION = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt)\b")
_RULE = re.compile(r"^[=\-_!*~]{3,}")


def _is_coverage_noise(line: str) -> bool:
    stripped = line.strip()
    return (
        "CoverageWarning" in line
        or "Coverage.py warning" in line
        or stripped.startswith("self._warn(")
    )


def _lines(log_text: str) -> list[str]:
    return [
        line.rstrip()
        for line in log_text.splitlines()
        if line.strip() and not _is_coverage_noise(line) and not _RULE.match(line.strip())
    ]


def _relative(path: str, root: Path) -> str:
    try:
        return os.path.relpath(path, root) if Path(path).is_absolute() else path
    except ValueError:
        return path


def _conftest_error(lines: list[str], root: Path) -> str | None:
    for index, line in enumerate(lines):
        match = _CONFTEST.search(line)
        if not match:
            continue
        errors = []
        for following in lines[index + 1 :]:
            if following.startswith("E "):
                errors.append(following[1:].strip())
            elif errors:
                break
        cause = errors[-1] if errors else "it raised an exception"
        return f"pytest could not load {_relative(match['path'], root)}: {cause}"
    return None


def _error_line(lines: list[str]) -> str | None:
    """pytest's ``ERROR: ...`` lines; for a usage error, the line that says what is wrong."""
    for index, line in enumerate(lines):
        if not line.startswith("ERROR: "):
            continue
        text = line[len("ERROR: ") :].strip()
        if text.startswith("usage:"):
            detail = next((ln for ln in lines[index + 1 :] if ": error: " in ln), "")
            return "pytest usage error: " + (detail.split(": error: ", 1)[1] or text)
        return f"pytest: {text}"
    return None


def _exception_line(lines: list[str]) -> str | None:
    """The last ``SomeError: message`` line (a traceback's last line), INTERNALERROR included."""
    for line in reversed(lines):
        text = line.removeprefix("INTERNALERROR>").strip()
        if text.startswith("E "):
            text = text[1:].strip()
        if _EXCEPTION.match(text):
            return text
    return None


def pytest_error(log_text: str, root: Path) -> str:
    """One line naming what pytest said went wrong ("" when the log says nothing)."""
    lines = _lines(log_text)
    found = _conftest_error(lines, root) or _error_line(lines) or _exception_line(lines)
    if found:
        return _one_line(found)
    return _one_line(lines[-1].strip()) if lines else ""


def collected_line(log_text: str) -> str:
    """pytest's ``collected N items ...`` line, e.g. for a run that selected nothing."""
    for raw in log_text.splitlines():
        line = raw.strip().strip("=").strip()  # "==== no tests ran in 0.2s ===="
        if line.startswith(("collected ", "no tests ran")):
            return line
    return ""


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
