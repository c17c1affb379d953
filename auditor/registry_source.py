"""What an analysis class declares, read from its module's source without importing it.

Importing an analysis imports its libraries (the mocks analysis: libcst,
a quarter of a second of CPU; mutation and imports less), and an audit that
runs one analysis used to import all of them: to build the configuration
schema and to list the report formats, partials and report schemas. The
registry asks this module first: a class attribute assigned a literal in
the class body is read from the source; one the class body does not assign
is absent (for a class without bases, decorators, keywords or an
``__init__``-like method, whose attributes can only come from its body);
anything else (a computed value, a
base class, a module not found) is :data:`UNKNOWN`, and the registry imports
the class as before. So reading the source can only save an import, never
change an answer.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from functools import cache
from typing import Any

UNKNOWN: Any = object()
"""The source does not tell: import the class and read the attribute."""

_INSTANCE_HOOKS = ("__init__", "__new__", "__getattr__", "__getattribute__", "__post_init__")


@dataclass(frozen=True)
class ClassSource:
    """The class-body assignments of one class, and whether they are all it has."""

    assignments: dict[str, ast.expr]
    plain: bool  # no bases, keywords or decorators: the body is all it declares


@cache
def class_source(location: str) -> ClassSource | None:
    """The class at ``"module:Class"`` as its source declares it; None when not found."""
    module_name, _, class_name = location.partition(":")
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    try:
        with open(spec.origin, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), spec.origin)
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            assignments = _assignments(node)
            # attributes could also come from a base, a decorator, a metaclass,
            # or be set on the instance by __init__ (or looked up by __getattr__)
            plain = not (node.bases or node.keywords or node.decorator_list
                         or any(name in assignments for name in _INSTANCE_HOOKS))
            return ClassSource(assignments, plain)
    return None


def _assignments(node: ast.ClassDef) -> dict[str, ast.expr]:
    found: dict[str, ast.expr] = {}
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            if statement.value is not None:
                found[statement.target.id] = statement.value
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = statement.value
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[statement.name] = ast.Constant(UNKNOWN)  # a method or property: not data
    return found


def attribute(location: str, name: str, default: Any) -> Any:
    """The literal value of class attribute ``name``; ``default`` if the class has none.

    :data:`UNKNOWN` when only importing the class can tell.
    """
    source = class_source(location)
    if source is None:
        return UNKNOWN
    value = source.assignments.get(name)
    if value is None:
        return default if source.plain else UNKNOWN
    try:
        return ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return UNKNOWN


def dict_keys(location: str, name: str) -> set[str] | Any:
    """The keys of a class attribute ``name`` assigned a dict display with string keys.

    The values may be any expression (``{"line": PERCENT}``): only the keys are
    read. An empty set if the class has none; :data:`UNKNOWN` when only
    importing it can tell.
    """
    source = class_source(location)
    if source is None:
        return UNKNOWN
    value = source.assignments.get(name)
    if value is None:
        return set() if source.plain else UNKNOWN
    if isinstance(value, ast.Dict) and all(
            isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys):
        return {k.value for k in value.keys if isinstance(k, ast.Constant)}
    return UNKNOWN
