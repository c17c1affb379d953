"""What mutmut does not mutate in the code under audit, and why.

mutmut 3.8 mutates only inside functions: module-level code and class bodies
are never mutated, nor decorated functions (except a lone ``@staticmethod`` /
``@classmethod``), nor functions excluded with ``# pragma: no mutate``, nor
methods of nested or enum classes. A function mutmut did mutate appears in
its ``.meta`` ``hash_by_function_name``; everything else is reported here
with the most likely reason, and per module the share of statements that
were inside mutated functions.
"""

from __future__ import annotations

import ast

from auditor.mutation.reader import mangled_of_qualname
from auditor.mutation.records import ModuleInfo, NotMutated

_ENUM_BASES = {"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"}


def _count_statements(nodes: list[ast.stmt]) -> int:
    return sum(1 for node in nodes for sub in ast.walk(node) if isinstance(sub, ast.stmt))


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _uninteresting(node: ast.stmt) -> bool:
    """Statements with nothing to mutate: imports, docstrings, ``pass``."""
    return isinstance(node, ast.Import | ast.ImportFrom | ast.Pass) or _is_docstring(node)


def _decorator_name(node: ast.expr) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, AttributeError):  # pragma: no cover - unparse handles any expr
        return "?"


def _runs(nodes: list[ast.stmt]) -> list[tuple[int, int]]:
    """Line ranges of consecutive interesting statements."""
    ranges: list[tuple[int, int]] = []
    start = end = None
    for node in nodes:
        if _uninteresting(node):
            continue
        if start is None or end is None or node.lineno > end + 1 + _gap(nodes, end, node):
            if start is not None and end is not None:
                ranges.append((start, end))
            start = node.lineno
        end = node.end_lineno or node.lineno
    if start is not None and end is not None:
        ranges.append((start, end))
    return ranges


def _gap(nodes: list[ast.stmt], end: int, node: ast.stmt) -> int:
    # blank lines between two statements keep them in one range
    return node.lineno - end - 1


def _function_reason(
    node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str], in_enum: bool
) -> str:
    header = lines[node.lineno - 1] if node.lineno - 1 < len(lines) else ""
    decorators = [_decorator_name(d) for d in node.decorator_list]
    if "pragma: no mutate" in header or any(
        "pragma: no mutate" in lines[d.lineno - 1] for d in node.decorator_list
    ):
        return "excluded with '# pragma: no mutate'"
    if in_enum:
        return "method of an enum class (mutmut leaves enum classes alone)"
    if decorators and not (
        len(decorators) == 1 and decorators[0] in ("staticmethod", "classmethod")
    ):
        shown = ", ".join("@" + d for d in decorators)
        return f"decorated with {shown} (mutmut skips decorated functions)"
    return "no mutation operator applies to its code"


def analyse_module(
    rel: str, source: str, mutated_functions: set[str], excluded_reason: str | None = None
) -> tuple[ModuleInfo, list[NotMutated]]:
    """Statement counts and not-mutated code of one file.

    ``mutated_functions`` holds mangled local names (``x_f``, ``xǁCǁm``) from
    the file's ``hash_by_function_name``.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return ModuleInfo(rel), [
            NotMutated(
                rel, exc.lineno or 1, exc.lineno or 1, "module", "", f"syntax error: {exc.msg}"
            )
        ]
    lines = source.splitlines()
    info = ModuleInfo(rel, statements=_count_statements(tree.body))
    found: list[NotMutated] = []
    if excluded_reason:
        last = max((n.end_lineno or n.lineno for n in tree.body), default=1)
        return info, [NotMutated(rel, 1, last, "module", "", excluded_reason)]

    def function(
        node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str, in_enum: bool
    ) -> None:
        if mangled_of_qualname(qualname) in mutated_functions:
            info.mutable_statements += _count_statements(node.body)
            return
        start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        found.append(
            NotMutated(
                rel,
                start,
                node.end_lineno or node.lineno,
                "function",
                qualname,
                _function_reason(node, lines, in_enum),
            )
        )

    module_code = [
        n
        for n in tree.body
        if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    for start, end in _runs(module_code):
        found.append(
            NotMutated(rel, start, end, "module_code", "", "module-level code is not mutated")
        )
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function(node, node.name, in_enum=False)
        elif isinstance(node, ast.ClassDef):
            in_enum = any(isinstance(b, ast.Name) and b.id in _ENUM_BASES for b in node.bases)
            body = [
                n
                for n in node.body
                if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            ]
            for start, end in _runs(body):
                found.append(
                    NotMutated(
                        rel, start, end, "class_body", node.name, "class body code is not mutated"
                    )
                )
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    function(item, f"{node.name}.{item.name}", in_enum)
                elif isinstance(item, ast.ClassDef):
                    found.append(
                        NotMutated(
                            rel,
                            item.lineno,
                            item.end_lineno or item.lineno,
                            "class_body",
                            f"{node.name}.{item.name}",
                            "nested class: its methods are not mutated",
                        )
                    )
    found.sort(key=lambda n: (n.line, n.end_line))
    return info, found
