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

Parsing the eight analysis modules costs about 0.02 s of CPU on every audit,
before its suite can start (the report formats they declare decide which
files the output folder may hold). With :func:`use_cache`, what the parse
found (each class's assignments, as expression text) is kept in a file of
the project's ``.audit/``, keyed by the digest of the module's source and
this module's version of the format; a module whose digest differs is
parsed again. The file is written only by :func:`save_cache`, after the
audit, and only when something was parsed.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

UNKNOWN: Any = object()
"""The source does not tell: import the class and read the attribute."""

_INSTANCE_HOOKS = ("__init__", "__new__", "__getattr__", "__getattribute__", "__post_init__")


@dataclass(frozen=True)
class ClassSource:
    """The class-body assignments of one class, and whether they are all it has."""

    assignments: Mapping[str, ast.expr]
    plain: bool  # no bases, keywords or decorators: the body is all it declares
    folders: Mapping[str, str] = field(default_factory=dict)
    """Module-level names bound once to the module's own folder (``HERE =
    Path(__file__).resolve().parent``), with that folder: ``HERE / "templates"``
    is read as a path without importing the module (see :func:`_folder_path`)."""


CACHE_NAME = "registry-source.json"
_CACHE_FORMAT = 2  # 2: with the module folders (HERE = Path(__file__)...)
_cache: dict[str, Any] = {"file": None, "entries": {}, "changed": False}
"""The persistent cache of :func:`use_cache`: its file, what it holds (module file ->
digest and classes), and whether this process parsed something new."""


def use_cache(state_dir: Path | None) -> None:
    """Keep what the parses find in ``state_dir`` (a project's ``.audit/``); None: no cache.

    Only an existing folder is used. A missing or garbled file is an empty
    cache; a module whose source changed is parsed again.
    """
    entries: dict[str, Any] = {}
    file = state_dir / CACHE_NAME if state_dir is not None and state_dir.is_dir() else None
    if file is not None:
        with contextlib.suppress(OSError, ValueError):
            document = json.loads(file.read_text(encoding="utf-8"))
            if isinstance(document, dict) and document.get("format") == _CACHE_FORMAT:
                found = document.get("files")
                entries = found if isinstance(found, dict) else {}
    _cache.update(file=file, entries=entries, changed=False)
    class_source.cache_clear()


def save_cache() -> None:
    """Write the cache (atomically) if this process parsed a module it did not hold."""
    file = _cache["file"]
    if file is None or not _cache["changed"]:
        return
    document = {"format": _CACHE_FORMAT, "files": _cache["entries"]}
    with contextlib.suppress(OSError):
        fd, temporary = tempfile.mkstemp(dir=file.parent, prefix=f".{CACHE_NAME}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, sort_keys=True)
            os.replace(temporary, file)
        finally:
            Path(temporary).unlink(missing_ok=True)
    _cache["changed"] = False


class _Expressions(Mapping[str, ast.expr]):
    """Assignments kept as expression text (None: a method), parsed when asked for."""

    def __init__(self, texts: dict[str, str | None]) -> None:
        self._texts = texts
        self._parsed: dict[str, ast.expr] = {}

    def __getitem__(self, name: str) -> ast.expr:
        if name not in self._parsed:
            text = self._texts[name]
            self._parsed[name] = (ast.Constant(UNKNOWN) if text is None
                                  else ast.parse(text, mode="eval").body)
        return self._parsed[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


def _as_texts(assignments: Mapping[str, ast.expr]) -> dict[str, str | None]:
    return {name: None if isinstance(value, ast.Constant) and value.value is UNKNOWN
            else ast.unparse(value) for name, value in assignments.items()}


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
        with open(spec.origin, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    digest = hashlib.sha256(data).hexdigest()
    held = _cache["entries"].get(spec.origin)
    if isinstance(held, dict) and held.get("sha256") == digest:
        known = held.get("classes", {}).get(class_name)
        if known is None:
            return None
        return ClassSource(_Expressions(known["assignments"]), bool(known["plain"]),
                           dict(held.get("folders", {})))
    try:
        tree = ast.parse(data.decode("utf-8"), spec.origin)
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None
    folders = _module_folders(tree, spec.origin)
    classes: dict[str, ClassSource] = {}
    for node in tree.body:  # the first class of a name, as before
        if isinstance(node, ast.ClassDef) and node.name not in classes:
            classes[node.name] = _declared(node, folders)
    if _cache["file"] is not None:
        _cache["entries"][spec.origin] = {"sha256": digest, "folders": folders, "classes": {
            name: {"assignments": _as_texts(found.assignments), "plain": found.plain}
            for name, found in classes.items()}}
        _cache["changed"] = True
    return classes.get(class_name)


def _declared(node: ast.ClassDef, folders: dict[str, str]) -> ClassSource:
    assignments = _assignments(node)
    # attributes could also come from a base, a decorator, a metaclass,
    # or be set on the instance by __init__ (or looked up by __getattr__)
    plain = not (node.bases or node.keywords or node.decorator_list
                 or any(name in assignments for name in _INSTANCE_HOOKS))
    return ClassSource(assignments, plain, folders)


def _is_file_path(node: ast.expr) -> bool:
    """``Path(__file__)``."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "Path" and not node.keywords and len(node.args) == 1
            and isinstance(node.args[0], ast.Name) and node.args[0].id == "__file__")


def _module_folders(tree: ast.Module, origin: str) -> dict[str, str]:
    """Names the module binds once, at its top level, to its own folder.

    Only ``NAME = Path(__file__).parent`` and ``NAME = Path(__file__).resolve().parent``
    with ``Path`` imported from :mod:`pathlib` (and never bound otherwise):
    what the import would compute, ``__file__`` being the module's origin.
    """
    path_imported = any(
        isinstance(node, ast.ImportFrom) and node.module == "pathlib" and node.level == 0
        and any(a.name == "Path" and a.asname in (None, "Path") for a in node.names)
        for node in tree.body)
    if not path_imported:
        return {}
    bound: dict[str, int] = {}
    candidates: dict[str, str] = {}
    for node in ast.walk(tree):
        names = ([n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, ast.Store)]
                 if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For,
                                      ast.With, ast.NamedExpr)) else [])
        names += [a.asname or a.name for a in node.names] if isinstance(
            node, (ast.Import, ast.ImportFrom)) else []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        for name in names:
            bound[name] = bound.get(name, 0) + 1
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            continue
        value = node.value
        if not (isinstance(value, ast.Attribute) and value.attr == "parent"):
            continue
        inner = value.value
        if _is_file_path(inner):
            candidates[node.targets[0].id] = str(Path(origin).parent)
        elif (isinstance(inner, ast.Call) and not inner.args and not inner.keywords
              and isinstance(inner.func, ast.Attribute) and inner.func.attr == "resolve"
              and _is_file_path(inner.func.value)):
            candidates[node.targets[0].id] = str(Path(origin).resolve().parent)
    return {name: folder for name, folder in candidates.items()
            if bound.get(name) == 1 and bound.get("Path") == 1}


def _folder_path(value: ast.expr, folders: Mapping[str, str]) -> Path | None:
    """``HERE / "a" / "b"`` (``HERE`` one of ``folders``) as the path it evaluates to."""
    parts: list[str] = []
    while isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div):
        if not (isinstance(value.right, ast.Constant) and isinstance(value.right.value, str)):
            return None
        parts.insert(0, value.right.value)
        value = value.left
    if parts and isinstance(value, ast.Name) and value.id in folders:
        return Path(folders[value.id], *parts)
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
        path = _folder_path(value, source.folders)
        return UNKNOWN if path is None else path


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
