"""Which public classes of the packages under audit the test run instantiates.

Loaded by ``audit_pytest_plugin`` when ``AUDIT_CLASSES_FILE`` is set (the
``instantiation`` analysis asks for it). ``AUDIT_CLASSES_PACKAGES`` holds the
import names of the packages, comma-separated.

Before each test, every public class of the packages' modules imported so
far gets a one-shot ``__init__`` wrapper: its first call records the class
and puts the class's own ``__init__`` back (or removes the wrapper, when the
class inherits its ``__init__``), then runs it. After the first instance the
class is exactly as it was, so the run pays one call per class, not a
profiler's cost per call. Classes whose instances a module of the packages
built when it was imported (a global, or an item of a global dict/list; in
the class's own module or another one, as a CLI module builds its command
group) are noted as built at import. At the end the file receives the classes watched, the ones
instantiated, and the ones left out (enums, protocols, abstract
classes, typed dicts: nobody instantiates those directly).

Standalone: imports nothing of the auditor (it runs in the project's interpreter).
"""

from __future__ import annotations

import enum
import functools
import inspect
import json
import os
import sys
from typing import Any

import pytest

_PACKAGES = tuple(p for p in os.environ.get("AUDIT_CLASSES_PACKAGES", "").split(",") if p)
_watched: dict[str, type] = {}
_instantiated: set[str] = set()
_excluded: dict[str, str] = {}
_types_at_import: set[type] = set()  # of every module of the packages, when first seen
_modules_seen: set[str] = set()
_names_checked: set[str] = set()  # every module name looked at: checked once, not per test


def _key(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _excluded_kind(cls: type) -> str:
    if issubclass(cls, enum.Enum):
        return "enum"
    if getattr(cls, "_is_protocol", False):
        return "protocol"
    if type(cls).__name__ == "_TypedDictMeta":
        return "typed dict"
    if inspect.isabstract(cls):
        return "abstract"
    return ""


def _wrap(cls: type[Any]) -> None:
    own = cls.__dict__.get("__init__")
    inherited = getattr(cls, "__init__")  # noqa: B009 - mypy refuses cls.__init__
    key = _key(cls)

    @functools.wraps(own or inherited)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if type(self) is cls:
            _instantiated.add(key)
            if own is None:
                delattr(cls, "__init__")
            else:
                setattr(cls, "__init__", own)  # noqa: B010 - mypy refuses assigning a method
        elif _key(type(self)) in _watched:  # a watched subclass without its own __init__
            _instantiated.add(_key(type(self)))
        if own is not None:
            own(self, *args, **kwargs)
        else:
            super(cls, self).__init__(*args, **kwargs)

    try:
        setattr(cls, "__init__", __init__)  # noqa: B010 - mypy refuses assigning a method
    except (TypeError, AttributeError):  # a metaclass or a C type that refuses
        _excluded[key] = "cannot be watched"
        return
    _watched[key] = cls


def _built_at_import(module: Any) -> set[type]:
    """Types of the module's globals and of the items of its global containers.

    Instances a module builds when it is imported (``KINDS = {"a": Kind(...)}``)
    exist before any wrapper: their classes are told apart as built at import.
    """
    found: set[type] = set()
    for value in list(vars(module).values()):
        found.add(type(value))
        if isinstance(value, dict):
            found.update(type(v) for v in list(value.values()))
        elif isinstance(value, (list, tuple, set, frozenset)):
            found.update(type(v) for v in value)
    return found


def _is_ours(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in _PACKAGES)


def _watch_new_modules() -> None:
    for name, module in list(sys.modules.items()):
        if name in _names_checked or module is None:
            continue
        _names_checked.add(name)
        if not _is_ours(name):
            continue
        _modules_seen.add(name)
        _types_at_import.update(_built_at_import(module))
        for attr, value in list(vars(module).items()):
            if not isinstance(value, type) or attr.startswith("_"):
                continue
            if value.__module__ != name or value.__qualname__ != attr:
                continue  # imported from elsewhere, or an alias
            kind = _excluded_kind(value)
            if kind:
                _excluded[_key(value)] = kind
                continue
            _wrap(value)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _watch_new_modules()


def pytest_collection_finish(session: pytest.Session) -> None:
    _watch_new_modules()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = os.environ.get("AUDIT_CLASSES_FILE")
    if not path or hasattr(session.config, "workerinput"):
        return
    document = {
        "modules": sorted(_modules_seen),
        "watched": sorted(_watched),
        "instantiated": sorted(_instantiated),
        "excluded": dict(sorted(_excluded.items())),
        # Resolved at the end: the module holding an instance may be seen before the class's.
        "at_import": sorted(k for k in map(_key, _types_at_import) if k in _watched),
    }
    with open(path, "w", encoding="utf-8") as stream:
        json.dump(document, stream)
