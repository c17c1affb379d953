"""Put each mutant on its line and column in the original source.

mutmut records no positions. Its mutated module contains, for each mutated
function ``f``, an unchanged copy ``x_f__mutmut_orig`` and one copy per
mutant ``x_f__mutmut_N``, all rendered by libcst, which keeps the original
text. Comparing a mutant's copy with the ``orig`` copy line by line gives
the changed lines relative to the ``def`` line; the ``def`` line of ``f`` in
the original file (found with :mod:`ast`) turns that into file positions.
Lines and columns are 1-based; ``end_column`` is exclusive.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from auditor.mutation.reader import SEPARATOR


@dataclass
class Location:
    line: int
    column: int
    end_line: int
    end_column: int
    original: str
    mutated: str
    diff: str


def _function_nodes(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Module-level functions by name and methods of top-level classes as ``Class.name``."""
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    found[f"{node.name}.{item.name}"] = item
    return found


def _mutant_nodes(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Functions of a mutated module by their mangled name (``x_f__mutmut_3``...)."""
    found = {}
    for name, node in _function_nodes(tree).items():
        short = name.rsplit(".", 1)[-1]
        if short.startswith(("x_", "x" + SEPARATOR)) and "__mutmut_" in short:
            found[short] = node
    return found


def _segment(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    end = node.end_lineno or node.lineno
    return lines[node.lineno - 1 : end]


_OPERATOR_CHARS = set("+-*/%<>=!&|^~@")


def _kind(ch: str) -> str:
    if ch.isalnum() or ch == "_":
        return "word"
    return "op" if ch in _OPERATOR_CHARS else "other"


def _token_start(old: str, new: str, column: int) -> int:
    """Move the first differing (0-based) column back to the start of its token.

    ``x > y`` -> ``x >= y`` differs after ``>``; the mutated token is ``>``.
    """
    if column == 0:
        return 0
    kind = _kind(old[column - 1])
    if kind == "other":
        return column
    continues = [text[column] for text in (old, new) if column < len(text)]
    if not any(_kind(ch) == kind for ch in continues):
        return column
    while column > 0 and _kind(old[column - 1]) == kind:
        column -= 1
    return column


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class FileLocator:
    """Locates the mutants of one source file."""

    def __init__(self, original_source: str, mutated_source: str) -> None:
        self.original_lines = original_source.splitlines()
        self.mutated_lines = mutated_source.splitlines()
        self.originals = _function_nodes(ast.parse(original_source))
        self.mutants = _mutant_nodes(ast.parse(mutated_source))

    @classmethod
    def from_files(cls, original: Path, mutated: Path) -> FileLocator | None:
        try:
            return cls(original.read_text(encoding="utf-8"), mutated.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            return None

    def locate(self, local_key: str, qualname: str) -> Location | None:
        """Position of mutant ``local_key`` (e.g. ``x_add__mutmut_1``) of function ``qualname``."""
        mangled = local_key.partition("__mutmut_")[0]
        orig_node = self.mutants.get(f"{mangled}__mutmut_orig")
        mutant_node = self.mutants.get(local_key)
        source_node = self.originals.get(qualname)
        if orig_node is None or mutant_node is None or source_node is None:
            return None
        before = _segment(self.mutated_lines, orig_node)
        after = _segment(self.mutated_lines, mutant_node)
        # the copies differ from each other (and from the source) in their names
        before[0] = before[0].replace(f"{mangled}__mutmut_orig", source_node.name, 1)
        after[0] = after[0].replace(local_key, source_node.name, 1)
        prefix = 0
        while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
            prefix += 1
        if prefix == len(before) == len(after):
            return None  # identical: nothing to point at
        suffix = 0
        while (
            suffix < min(len(before), len(after)) - prefix
            and before[-1 - suffix] == after[-1 - suffix]
        ):
            suffix += 1
        old = before[prefix : len(before) - suffix]
        new = after[prefix : len(after) - suffix]
        def_line = source_node.lineno
        line = def_line + prefix
        column = (
            _token_start(old[0], new[0], _common_prefix(old[0], new[0])) + 1 if old and new else 1
        )
        if old:
            end_line = line + len(old) - 1
            last_old, last_new = old[-1], new[-1] if new else ""
            tail = _common_prefix(last_old[::-1], last_new[::-1])
            end_column = max(len(last_old) - tail, column if len(old) == 1 else 1) + 1
        else:
            end_line, end_column = line, column
        return Location(
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            original="\n".join(old),
            mutated="\n".join(new),
            diff=_diff(before, after, def_line),
        )


_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def _diff(before: list[str], after: list[str], def_line: int) -> str:
    """Unified diff of the function, with hunk line numbers of the original file."""
    out = []
    for row in difflib.unified_diff(before, after, lineterm="", n=1):
        if row.startswith(("---", "+++")):
            continue
        match = _HUNK.match(row)
        if match:
            a, b = int(match.group(1)) + def_line - 1, int(match.group(3)) + def_line - 1
            row = f"@@ -{a}{match.group(2) or ''} +{b}{match.group(4) or ''} @@"
        out.append(row)
    return "\n".join(out)
