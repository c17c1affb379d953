"""What the command line adds to ``[tool.audit]``: gate overrides and test-file targets.

Gate overrides follow ``coverage report --fail-under``: ``--fail-under-line``
and ``--fail-under-mutation`` for the two rules everyone sets, and a
repeatable ``--gate KEY=VALUE`` for any other key of ``[tool.audit.gate]``
(the value is TOML, so ``--gate 'mutation_modules={"shop/*" = 60}'`` works).
They replace the file's value of that key only; the rest of the gate stays.

Targets: the positional argument is a project folder (as always) or test
files. Test files are what a pre-commit hook passes (the staged files, paths
relative to the repository root, which is the working directory): the audit
then runs on the project in the working directory with its tests narrowed to
those files, and files that are not tests of the project are left out.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])

# pytest's default python_files: what a test file is called
TEST_FILE_PATTERNS = ("test_*.py", "*_test.py")


def gate_options(func: F) -> F:
    """``--fail-under-line``, ``--fail-under-mutation``, ``--gate KEY=VALUE`` (repeatable)."""
    percent = click.FloatRange(0, 100)
    decorators = [
        click.option("--fail-under-line", type=percent, metavar="PCT",
                     help="Gate: total line coverage at least PCT (the gate key `line`)."),
        click.option("--fail-under-mutation", type=percent, metavar="PCT",
                     help="Gate: mutation score at least PCT (the gate key `mutation_score`)."),
        click.option("--gate", "gate_items", multiple=True, metavar="KEY=VALUE",
                     help="Set one [tool.audit.gate] key (VALUE is TOML); repeatable."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def mutation_gate_options(func: F) -> F:
    """``--fail-under-mutation`` and ``--gate`` alone: for ``audit merge`` (a mutation report)."""
    for decorator in reversed([
        click.option("--fail-under-mutation", type=click.FloatRange(0, 100), metavar="PCT",
                     help="Gate: mutation score at least PCT (the gate key `mutation_score`)."),
        click.option("--gate", "gate_items", multiple=True, metavar="KEY=VALUE",
                     help="Set one [tool.audit.gate] key (VALUE is TOML); repeatable."),
    ]):
        func = decorator(func)
    return func


def gate_overrides(items: tuple[str, ...], fail_under_line: float | None,
                   fail_under_mutation: float | None, known: set[str]) -> dict[str, Any] | None:
    """The gate keys the command line sets (None: it sets none); exit 2 for an unknown key."""
    gate: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--gate {item!r}: expected KEY=VALUE (e.g. --gate line=80)")
        if key not in known:
            raise UsageError(
                f"--gate {key}: unknown gate key {key!r} (known: {', '.join(sorted(known))})"
            )
        try:
            gate[key] = tomllib.loads(f"value = {text.strip()}")["value"]
        except tomllib.TOMLDecodeError:
            raise UsageError(
                f"--gate {key}: {text!r} is not a TOML value (a number, true/false, "
                '"text", [list] or {table})'
            ) from None
    if fail_under_line is not None:
        gate["line"] = fail_under_line
    if fail_under_mutation is not None:
        gate["mutation_score"] = fail_under_mutation
    return gate or None


@dataclass(frozen=True)
class Target:
    """The project folder the audit runs on, and the test files it is narrowed to."""

    root: Path
    files: list[Path] = field(default_factory=list)


def split_target(paths: tuple[Path, ...]) -> Target:
    """``()`` or one folder: that project; one or more files: those tests of the project here."""
    if not paths:
        return Target(Path("."))
    if len(paths) == 1 and not paths[0].is_file():
        return Target(paths[0])  # a folder, or a missing path (find_project_root names it)
    missing = [p for p in paths if not p.is_file()]
    if missing:
        what = "is a folder" if missing[0].is_dir() else "does not exist"
        raise UsageError(
            f"{missing[0]}: {what}; give one project folder, or test files (paths "
            "relative to the project in the working directory)"
        )
    return Target(Path("."), list(paths))


def is_test_file(path: Path) -> bool:
    return any(fnmatch.fnmatchcase(path.name, pattern) for pattern in TEST_FILE_PATTERNS)


def narrow_tests(root: Path, tests: list[str], files: list[Path]) -> tuple[list[str], list[str]]:
    """(test files inside the configured test paths, files left out) as paths relative to root.

    A staged ``src/shop/cart.py`` or ``tests/conftest.py`` is not a test
    module: pytest collects nothing from it, so it is left out, not run.
    """
    test_roots = [(root / t).resolve() for t in tests]
    chosen: list[str] = []
    left_out: list[str] = []
    for path in files:
        resolved = path.resolve()
        inside = any(resolved == t or t in resolved.parents for t in test_roots)
        try:
            relative = resolved.relative_to(root).as_posix()
        except ValueError:
            raise UsageError(f"{path}: outside the project {root}") from None
        (chosen if inside and is_test_file(resolved) else left_out).append(relative)
    return chosen, left_out
