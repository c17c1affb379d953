"""Find every module of the configured packages by walking their folders.

Discovery is static: it never imports anything, so a module that no test
imports, or one that breaks on import, is found all the same. Regular
packages (with ``__init__.py``) and namespace packages (PEP 420, without it)
are walked alike. Left out: ``__pycache__`` and hidden folders, names that
cannot be imported (``my-script.py``), ``__main__.py`` (importing it runs the
program), ``conftest.py`` and any folder or file that is one of the
configured test paths.
"""

from __future__ import annotations

import importlib.machinery
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from auditor.project import PackageLocation

_SKIPPED_STEMS = frozenset({"__main__", "conftest"})


@dataclass(frozen=True, order=True)
class ModuleFile:
    """One importable module: its dotted name and the file that defines it."""

    name: str
    path: Path
    is_package: bool  # an ``__init__.py``: relative imports resolve from the module itself

    @property
    def is_source(self) -> bool:
        return self.path.suffix == ".py"


def _module_stem(filename: str) -> str | None:
    """The module name a file defines, or None when it is not a module file."""
    if filename.endswith(".py"):
        return filename[:-3]
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        if filename.endswith(suffix):
            return filename[: -len(suffix)]
    return None


def _is_inside(path: Path, folders: Iterable[Path]) -> bool:
    return any(path == folder or folder in path.parents for folder in folders)


def discover_package(location: PackageLocation, excluded: list[Path]) -> list[ModuleFile]:
    """Every module of one configured package (or the single module it names)."""
    base = location.path.resolve()
    if location.is_module:
        return [ModuleFile(location.name, base, is_package=False)]
    found: list[ModuleFile] = []
    for folder, subfolders, files in os.walk(base):
        here = Path(folder)
        relative = here.relative_to(base).parts
        # Prune in place so os.walk never descends into skipped folders.
        subfolders[:] = sorted(
            d
            for d in subfolders
            if d.isidentifier() and d != "__pycache__" and not _is_inside(here / d, excluded)
        )
        package = ".".join((location.name, *relative))
        for filename in sorted(files):
            stem = _module_stem(filename)
            path = here / filename
            if stem is None or stem in _SKIPPED_STEMS or _is_inside(path, excluded):
                continue
            if stem == "__init__":
                found.append(ModuleFile(package, path, is_package=True))
            elif stem.isidentifier():
                found.append(ModuleFile(f"{package}.{stem}", path, is_package=False))
    return found


def discover_modules(packages: list[PackageLocation], test_paths: list[Path]) -> list[ModuleFile]:
    """Every module of all configured packages, sorted by name, without duplicates.

    A compiled extension and a source file of the same name can coexist; the
    source file is kept (it is what cycle detection can read).
    """
    excluded = [p.resolve() for p in test_paths]
    by_name: dict[str, ModuleFile] = {}
    for location in packages:
        for module in discover_package(location, excluded):
            known = by_name.get(module.name)
            if known is None or (module.is_source and not known.is_source):
                by_name[module.name] = module
    return [by_name[name] for name in sorted(by_name)]
