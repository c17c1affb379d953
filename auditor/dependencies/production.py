"""Which real dependencies the code under audit uses in production, read from its source.

A module "uses" a dependency when it imports one of the modules below (a
database driver, an HTTP client, ``subprocess``, the kubernetes client, raw
sockets). Its *use sites* are the lines that refer to a name the import bound
(``sqlite3.connect(...)``, ``client.CoreV1Api(...)``), the import line itself
and annotations left out: those are the lines whose covering tests must have
met the real thing for the module to count as tested for real.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

# dependency module -> its kind
DEPENDENCY_KINDS: dict[str, str] = {
    "sqlite3": "database", "aiosqlite": "database", "psycopg": "database",
    "psycopg2": "database", "asyncpg": "database", "pymysql": "database",
    "MySQLdb": "database", "mysql.connector": "database", "redis": "database",
    "pymongo": "database", "sqlalchemy": "database",
    "requests": "http", "httpx": "http", "urllib3": "http", "aiohttp": "http",
    "http.client": "http", "urllib.request": "http",
    "subprocess": "subprocess",
    "kubernetes": "kubernetes",
    "socket": "network",
}  # fmt: skip

# What a test must have used for real to count as meeting the dependency:
# audit-event kinds the plugin records (drivers over TCP connect through sockets).
EVIDENCE: dict[str, frozenset[str]] = {
    "sqlite3": frozenset({"database"}),
    "aiosqlite": frozenset({"database"}),
    "sqlalchemy": frozenset({"database", "socket"}),
    "subprocess": frozenset({"subprocess"}),
    "socket": frozenset({"socket"}),
}
_DATABASE_OVER_NETWORK = frozenset({"database", "socket"})
_HTTP = frozenset({"http", "socket"})


def evidence_for(dependency: str) -> frozenset[str]:
    """The recorded use kinds that show ``dependency`` was met for real."""
    if dependency in EVIDENCE:
        return EVIDENCE[dependency]
    return _HTTP if DEPENDENCY_KINDS[dependency] in ("http", "kubernetes") else (
        _DATABASE_OVER_NETWORK)


def dependency_of(module: str) -> str | None:
    """The dependency an imported module belongs to (``kubernetes.client`` -> ``kubernetes``)."""
    for name in DEPENDENCY_KINDS:
        if module == name or module.startswith(name + "."):
            return name
    return None


@dataclass
class ProductionUse:
    """One dependency of one module: where it is imported and the lines that use it."""

    dependency: str
    kind: str
    import_line: int
    names: set[str] = field(default_factory=set)
    lines: set[int] = field(default_factory=set)


def _bindings(tree: ast.Module) -> dict[str, tuple[str, int]]:
    """``name bound in the module -> (dependency, line of its import)``."""
    bound: dict[str, tuple[str, int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                dependency = dependency_of(alias.name)
                if dependency is not None:
                    bound[alias.asname or alias.name.split(".")[0]] = (dependency, node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                dependency = dependency_of(f"{node.module}.{alias.name}") or (
                    dependency_of(node.module))
                if dependency is not None:
                    bound[alias.asname or alias.name] = (dependency, node.lineno)
    return bound


def _annotation_nodes(tree: ast.Module) -> set[int]:
    """ids of the nodes inside annotations (not executed as uses)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        annotations: list[ast.expr | None] = []
        if isinstance(node, ast.arg | ast.AnnAssign):
            annotations.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            annotations.append(node.returns)
        for annotation in annotations:
            if annotation is not None:
                inside.update(id(n) for n in ast.walk(annotation))
    return inside


def production_uses(path: Path) -> list[ProductionUse]:
    """The dependencies a source file uses, each with its use-site lines."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError):
        return []  # the coverage and imports analyses report unparsable files
    bound = _bindings(tree)
    if not bound:
        return []
    uses: dict[str, ProductionUse] = {}
    for name, (dependency, line) in bound.items():
        use = uses.setdefault(dependency,
                              ProductionUse(dependency, DEPENDENCY_KINDS[dependency], line))
        use.import_line = min(use.import_line, line)
        use.names.add(name)
    skipped = _annotation_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in bound and id(node) not in skipped:
            uses[bound[node.id][0]].lines.add(node.lineno)
    return sorted(uses.values(), key=lambda u: u.import_line)
