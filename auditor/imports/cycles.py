"""Static import graph of the packages and the import cycles in it.

Only imports that run when a module is imported count: module-level
statements, including those inside ``try``, ``if``, ``with``, loops and
class bodies, but not inside functions, and not under
``if TYPE_CHECKING:`` / ``if typing.TYPE_CHECKING:`` (whose ``else`` branch
does run). Relative imports are resolved against the importing module;
``from pkg import name`` is an edge to ``pkg.name`` when that is a module of
the packages, else to ``pkg``.

With ``all_imports`` (``[tool.audit.imports] cycles_all_imports = true``,
on in our own self-audit) every import statement counts: also those inside
functions and under ``TYPE_CHECKING``. Such a cycle does not fail at import
time, but it is the same tangle of dependencies (a function-level import is
often a cycle hidden from the import system, not removed), and type checkers
and readers follow it all the same.

A cycle is a strongly connected component of more than one module, or a
module that imports itself. Components are found with an iterative Tarjan
(no recursion limit on deep chains) and reported as sorted module lists, in
sorted order, so the same code always gives the same report.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from auditor.imports.discovery import ModuleFile


@dataclass
class ImportGraph:
    """Edges between modules of the packages, and the imports that leave them."""

    edges: dict[str, set[str]] = field(default_factory=dict)
    external: set[str] = field(default_factory=set)  # absolute imports outside the packages
    unparsable: list[str] = field(default_factory=list)  # syntax errors: no edges known


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _runtime_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that execute when the module is imported (functions excluded)."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        children: list[ast.stmt] = []
        if isinstance(node, ast.If):
            negated = isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
            inner = (
                node.test.operand if isinstance(node.test, ast.UnaryOp) and negated else node.test
            )
            if _is_type_checking(inner):
                # `if TYPE_CHECKING:` never runs its body; `if not TYPE_CHECKING:` its else.
                children = node.body if negated else node.orelse
            else:
                children = [*node.body, *node.orelse]
        elif isinstance(node, ast.Try | ast.TryStar):
            children = [*node.body, *(s for h in node.handlers for s in h.body)]
            children += [*node.orelse, *node.finalbody]
        elif isinstance(node, ast.For | ast.AsyncFor | ast.While):
            children = [*node.body, *node.orelse]
        elif isinstance(node, ast.With | ast.AsyncWith | ast.ClassDef):
            children = node.body
        elif isinstance(node, ast.Match):
            children = [s for case in node.cases for s in case.body]
        else:
            yield node
        stack.extend(reversed(children))


def _base_package(module: ModuleFile, level: int) -> str | None:
    """The package a relative import of ``level`` dots starts from (None: beyond the top)."""
    parts = module.name.split(".")
    if not module.is_package:
        parts = parts[:-1]
    if level - 1 > len(parts) - 1:
        return None
    return ".".join(parts[: len(parts) - (level - 1)])


def _known_prefix(name: str, known: set[str]) -> str | None:
    """The longest prefix of dotted ``name`` that is a module of the packages."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def _every_import(tree: ast.Module) -> Iterator[ast.stmt]:
    """Every import statement of the module, wherever it stands, in source order."""
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    yield from sorted(found, key=lambda n: (n.lineno, n.col_offset))


def imported_names(
    module: ModuleFile, tree: ast.Module, all_imports: bool = False
) -> Iterator[tuple[str, list[str]]]:
    """(absolute module name, names imported from it) of each module-level import.

    ``all_imports``: of every import statement (in functions, under ``TYPE_CHECKING``).
    """
    statements = _every_import(tree) if all_imports else _runtime_statements(tree.body)
    for node in statements:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _base_package(module, node.level)
                if base is None:
                    continue
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            yield target, [alias.name for alias in node.names]


def build_graph(
    modules: list[ModuleFile], package_names: list[str], all_imports: bool = False
) -> ImportGraph:
    """Parse every source module and collect its edges to other modules of the packages.

    ``all_imports`` counts every import statement (see the module docstring).
    """
    known = {m.name for m in modules}
    tops = {name.split(".")[0] for name in package_names}
    graph = ImportGraph(edges={m.name: set() for m in modules})
    for module in modules:
        if not module.is_source:
            continue
        try:
            tree = ast.parse(module.path.read_bytes(), filename=str(module.path))
        except (SyntaxError, ValueError):
            graph.unparsable.append(module.name)  # reported by the import check
            continue
        targets = graph.edges[module.name]
        for target, names in imported_names(module, tree, all_imports):
            if target.split(".")[0] not in tops:
                graph.external.add(target)
                continue
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in known]
            targets.update(submodules)
            if len(submodules) < len(names) or not names:
                prefix = _known_prefix(target, known)
                if prefix is not None:
                    targets.add(prefix)
    return graph


def strongly_connected_components(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm without recursion. Nodes only seen as targets count too."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    nodes = sorted(set(edges) | {t for targets in edges.values() for t in targets})
    for root in nodes:
        if root in index:
            continue
        # Each frame: (node, iterator over its successors).
        work: list[tuple[str, Iterator[str]]] = []
        index[root] = lowlink[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work.append((root, iter(sorted(edges.get(root, ())))))
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in index:
                    index[succ] = lowlink[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(edges.get(succ, ())))))
                    advanced = True
                    break
                if succ in on_stack:
                    lowlink[node] = min(lowlink[node], index[succ])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
            if lowlink[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def find_cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Components of more than one module plus self-imports, deterministic order."""
    cycles = [
        component
        for component in strongly_connected_components(edges)
        if len(component) > 1 or component[0] in edges.get(component[0], set())
    ]
    return sorted(cycles)
