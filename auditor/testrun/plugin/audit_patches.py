"""Which patches are active: ``unittest.mock`` patchers and pytest's ``monkeypatch``.

A companion of ``audit_dependencies.py`` (which calls :func:`watch`). Wraps
``unittest.mock._patch.__enter__``/``__exit__`` (which ``start``/``stop``,
decorators, context managers, ``patch.object``, ``patch.multiple`` and
pytest-mock's ``mocker`` all go through; the ``mock`` backport too),
``_patch_dict`` (``patch.dict``) and ``MonkeyPatch.setattr``/``undo``.
:data:`ACTIVE` holds the patches in force, each with its target
(``module.attribute``), the module of the value it replaced (so
``provisioner.kube.client`` is known to stand for ``kubernetes.client``) and
what made it; :data:`on_start` is told of each new one. pytest's own session
patches (its tmp_path factory on the config) are left out.

Standalone: stdlib and pytest only (it runs in the project's interpreter).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any

ACTIVE: dict[int, dict[str, str]] = {}
on_start: Callable[[dict[str, str]], None] | None = None


def _name_of(obj: Any) -> str:
    if isinstance(obj, type(sys)):
        return str(obj.__name__)
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        return f"{module}.{qualname}"
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _is_pytest_own(target: str) -> bool:
    """pytest's own session patches (its tmp_path factory on the config): not the suite's."""
    return target.startswith(("_pytest.", "pytest.", "pluggy."))


def _module_of(value: Any) -> str:
    """The module a patched-out value came from (``_sqlite3`` read as ``sqlite3``)."""
    if isinstance(value, type(sys)):
        name = str(value.__name__)
    else:
        module = getattr(value, "__module__", None)
        name = module if isinstance(module, str) else type(value).__module__
    return name[1:] if name.startswith("_") and not name.startswith("__") else name


def _patch_started(key: int, target: str, replaces: str, by: str) -> None:
    if _is_pytest_own(target):
        return
    entry = {"target": target, "replaces": replaces, "by": by}
    ACTIVE[key] = entry
    if on_start is not None:
        on_start(entry)


def _watch_mock(mock_module: Any, by: str) -> None:
    """Wrap ``_patch`` and ``_patch_dict`` of ``unittest.mock`` (or the ``mock`` backport)."""
    patch_class = getattr(mock_module, "_patch", None)
    if patch_class is None or getattr(patch_class, "__audit_watched__", False):
        return
    enter, leave = patch_class.__enter__, patch_class.__exit__
    default = getattr(mock_module, "DEFAULT", None)

    def __enter__(self: Any) -> Any:
        result = enter(self)
        with contextlib.suppress(Exception):  # never break the patch itself
            original = getattr(self, "temp_original", default)
            replaces = "" if original is default else _module_of(original)
            _patch_started(id(self), f"{_name_of(self.target)}.{self.attribute}", replaces, by)
        return result

    def __exit__(self: Any, *exc_info: Any) -> Any:
        ACTIVE.pop(id(self), None)
        return leave(self, *exc_info)

    patch_class.__enter__, patch_class.__exit__ = __enter__, __exit__
    patch_class.__audit_watched__ = True
    dict_class = getattr(mock_module, "_patch_dict", None)
    if dict_class is None:
        return
    dict_enter, dict_leave = dict_class._patch_dict, dict_class._unpatch_dict

    def _patch_dict(self: Any) -> None:
        dict_enter(self)
        in_dict = self.in_dict
        target = "os.environ" if in_dict is os.environ else _name_of(in_dict)
        _patch_started(id(self), target, _module_of(in_dict), by)

    def _unpatch_dict(self: Any) -> None:
        ACTIVE.pop(id(self), None)
        dict_leave(self)

    dict_class._patch_dict, dict_class._unpatch_dict = _patch_dict, _unpatch_dict


def _watch_monkeypatch() -> None:
    from _pytest import monkeypatch
    from _pytest.monkeypatch import MonkeyPatch

    notset = getattr(monkeypatch, "NOTSET", object())

    if getattr(MonkeyPatch, "__audit_watched__", False):
        return
    setattr_, undo = MonkeyPatch.setattr, MonkeyPatch.undo

    def watched_setattr(self: Any, *args: Any, **kwargs: Any) -> None:
        before = len(self._setattr)
        setattr_(self, *args, **kwargs)
        for obj, name, old in self._setattr[before:]:
            replaces = "" if old is notset else _module_of(old)
            _patch_started(id(self) ^ hash((id(obj), name)), f"{_name_of(obj)}.{name}",
                           replaces, "monkeypatch")  # fmt: skip

    def watched_undo(self: Any) -> None:
        for obj, name, _ in self._setattr:
            ACTIVE.pop(id(self) ^ hash((id(obj), name)), None)
        undo(self)

    MonkeyPatch.setattr = watched_setattr  # type: ignore[method-assign]
    MonkeyPatch.undo = watched_undo  # type: ignore[method-assign]
    MonkeyPatch.__audit_watched__ = True  # type: ignore[attr-defined]


def watch() -> None:
    """Start watching (idempotent): ``unittest.mock``, the ``mock`` backport, monkeypatch."""
    import unittest.mock

    _watch_mock(unittest.mock, "mock.patch")
    if "mock" in sys.modules:
        _watch_mock(sys.modules["mock"], "mock.patch")
    _watch_monkeypatch()
