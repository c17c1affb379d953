"""The test functions added or changed since a git ref (``--since REF``).

``git diff -U0`` from the merge base of REF to the working tree gives the
touched lines of every file; a test function (module-level ``test*`` or a
``test*`` method of a ``Test*`` class, decorators included) is *changed*
when a touched line falls inside it, and *added* when it did not exist at
the merge base. Test files git does not track yet count as added whole.
Each test is named like the start of its pytest node id
(``tests/test_x.py::TestBox::test_grow``); parametrized ids
(``...::test_f[1]``) match it by :func:`auditor.contribution.kills.base_name`.
"""

from __future__ import annotations

import ast
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from auditor.mutation.incremental import changed_lines
from auditor.project import git_diff


@dataclass(frozen=True)
class TestSpan:
    """A test function of a file: its node-id prefix and its lines (decorators included)."""

    __test__ = False  # not a pytest test class, whatever its name

    nodeid: str
    line: int
    end_line: int


def find_test_functions(path: Path, rel: str) -> list[TestSpan]:
    """The test functions pytest would collect by name from one file (unparsable: none)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    found: list[TestSpan] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if node.name.startswith("test"):
                    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                    end = node.end_lineno or node.lineno
                    found.append(TestSpan(f"{prefix}::{node.name}", start, end))
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                visit(node.body, f"{prefix}::{node.name}")

    visit(tree.body, rel)
    return found


def is_test_file(rel: str, test_paths: list[str]) -> bool:
    """A ``test_*.py`` / ``*_test.py`` file under one of the configured test paths."""
    name = PurePosixPath(rel).name
    if not (name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))):
        return False
    for base in test_paths:
        base = base.strip("/").removeprefix("./")
        if base in ("", ".") or rel == base or rel.startswith(base + "/"):
            return True
    return False


def _untracked(root: Path) -> list[str]:
    done = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"],
        cwd=root, capture_output=True, text=True, timeout=30, check=False,
    )
    return done.stdout.splitlines() if done.returncode == 0 else []


def changed_tests(root: Path, base_sha: str, test_paths: list[str]) -> list[TestSpan]:
    """Test functions added or changed since ``base_sha`` (merge base to working tree)."""
    touched = changed_lines(git_diff(root, base_sha))
    for rel in _untracked(root):
        if is_test_file(rel, test_paths):
            touched[rel] = {0}  # every test of the file is new
    found: list[TestSpan] = []
    for rel, lines in sorted(touched.items()):
        if not is_test_file(rel, test_paths) or not (root / rel).is_file():
            continue
        for test in find_test_functions(root / rel, rel):
            if 0 in lines or any(test.line <= n <= test.end_line for n in lines):
                found.append(test)
    return found


def first_lines(root: Path, nodeids: list[str]) -> dict[str, int]:
    """The first line of each test (node id, parameters allowed) in its file; 0: not found."""
    by_file: dict[str, dict[str, int]] = {}
    lines: dict[str, int] = {}
    for nodeid in nodeids:
        rel = nodeid.split("::", 1)[0]
        if rel not in by_file:
            by_file[rel] = {t.nodeid: t.line for t in find_test_functions(root / rel, rel)}
        lines[nodeid] = by_file[rel].get(nodeid.partition("[")[0], 0)
    return lines
