"""Zero-config start: the packages and tests of a project without ``[tool.audit]``.

A new user runs ``audit report`` in a project that has never heard of the
auditor. Instead of stopping at "add a table", the settings are read from
what the project already declares, in the order a packaging tool would use
them: the build backend's package list (setuptools, hatch, poetry), then
``[project].name`` as an import name, then the layout on disk (src/, then
flat); the tests from pytest's own ``testpaths``, then a ``tests/`` or
``test/`` folder. Every inferred value carries the reason it was chosen, so
the audit can print what it assumed and the table to paste to keep it.

Only reads files; imports nothing of the project.
"""

from __future__ import annotations

import configparser
import fnmatch
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import ConfigError

# Folders of a flat layout that are never the code under audit.
_NOT_PACKAGES = {"tests", "test", "testing", "docs", "doc", "examples", "example", "scripts",
                 "build", "dist", "benchmarks", "bench", "site-packages", "node_modules"}
# pytest's own order for its configuration files (the first one with a pytest section wins).
_PYTEST_INI_FILES = (("pytest.ini", "pytest"), (".pytest.ini", "pytest"),
                     ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest"))


@dataclass(frozen=True)
class Inferred:
    """What was inferred for one key, and why (shown to the user as it is)."""

    key: str
    value: list[str]
    reason: str

    def toml(self) -> str:
        return f"{self.key} = {json.dumps(self.value)}"


def import_name(distribution: str) -> str:
    """``My-Project.core`` -> ``my_project_core``: a project name as Python would import it."""
    return re.sub(r"[-_.]+", "_", distribution).lower()


def _exists(root: Path, name: str) -> bool:
    """Import name ``name`` is a package or module in the src or flat layout."""
    parts = name.split(".")
    for base in (root / "src", root):
        candidate = base.joinpath(*parts)
        if candidate.is_dir() or candidate.with_suffix(".py").is_file():
            return True
    return False


def _top_level(names: list[str]) -> list[str]:
    """``["shop", "shop.cart", "util"]`` -> ``["shop", "util"]`` (sub-packages come along)."""
    tops: list[str] = []
    for name in names:
        top = name.split(".")[0]
        if top not in tops:
            tops.append(top)
    return tops


def _packages_in(folder: Path) -> list[str]:
    """Regular packages (a folder with ``__init__.py``) directly inside ``folder``."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and (p / "__init__.py").is_file() and p.name.isidentifier()
                  and p.name not in _NOT_PACKAGES)


def _setuptools(root: Path, tool: dict[str, Any]) -> tuple[list[str], str] | None:
    settings = tool.get("setuptools")
    if not isinstance(settings, dict):
        return None
    declared = settings.get("packages")
    modules = settings.get("py-modules")
    if isinstance(declared, list) or isinstance(modules, list):
        names = [str(n) for n in [*(declared or []), *(modules or [])] if isinstance(n, str)]
        return _top_level(names), "[tool.setuptools] packages/py-modules in pyproject.toml"
    find = declared.get("find") if isinstance(declared, dict) else None
    if isinstance(find, dict):
        wheres = find.get("where", ["."])
        include = find.get("include", ["*"])
        exclude = find.get("exclude", [])
        found = [name for where in wheres for name in _packages_in(root / str(where))
                 if any(fnmatch.fnmatchcase(name, str(p)) for p in include)
                 and not any(fnmatch.fnmatchcase(name, str(p)) for p in exclude)]
        return found, "[tool.setuptools.packages.find] in pyproject.toml"
    return None


def _hatch(tool: dict[str, Any]) -> tuple[list[str], str] | None:
    build = tool.get("hatch", {}).get("build", {})
    if not isinstance(build, dict):
        return None
    wheel = build.get("targets", {}).get("wheel", {})
    for table, where in ((wheel, "[tool.hatch.build.targets.wheel]"),
                         (build, "[tool.hatch.build]")):
        packages = table.get("packages") if isinstance(table, dict) else None
        if isinstance(packages, list) and packages:
            names = [Path(str(p)).name.removesuffix(".py") for p in packages]
            return names, f"{where} packages in pyproject.toml"
    return None


def _poetry(tool: dict[str, Any]) -> tuple[list[str], str] | None:
    packages = tool.get("poetry", {}).get("packages")
    if not isinstance(packages, list):
        return None
    names = [Path(str(p["include"])).name.removesuffix(".py") for p in packages
             if isinstance(p, dict) and "include" in p and "*" not in str(p["include"])]
    return names, "[tool.poetry] packages in pyproject.toml"


def infer_packages(root: Path, document: dict[str, Any]) -> Inferred:
    """The import names of the code under audit; a :class:`ConfigError` names where we looked."""
    tool = document.get("tool", {})
    for declared in (_setuptools(root, tool), _hatch(tool), _poetry(tool)):
        if declared is not None:
            names = [n for n in declared[0] if _exists(root, n)]
            if names:
                return Inferred("packages", names, declared[1])
    name = document.get("project", {}).get("name")
    if isinstance(name, str) and _exists(root, import_name(name)):
        return Inferred("packages", [import_name(name)],
                        f"[project] name {name!r} in pyproject.toml")
    for folder, layout in ((root / "src", "src layout"), (root, "flat layout")):
        found = _packages_in(folder)
        if found:
            where = ", ".join(f"{folder.relative_to(root).as_posix()}/{n}".lstrip("./")
                              for n in found)
            return Inferred("packages", found, f"{layout}: {where}")
    raise ConfigError(
        "no package found to audit (looked at [tool.setuptools], [tool.hatch], [tool.poetry], "
        "[project] name, src/ and the project folder for a folder with __init__.py)"
    )


def _pytest_testpaths(root: Path, document: dict[str, Any]) -> tuple[list[str], str] | None:
    """pytest's ``testpaths`` from the file pytest itself would read, and that file's name."""
    return pytest_option(root, document, "testpaths", str.split)


def pytest_option(root: Path, document: dict[str, Any], key: str,
                  split: Callable[[str], list[str]]) -> tuple[list[str], str] | None:
    """An ini option of pytest's (``testpaths``, ``addopts``) from the first of its
    configuration files that sets it, in pytest's order, and that file's name.

    ``document`` is the parsed ``pyproject.toml`` (``[tool.pytest.ini_options]``
    or pytest's own ``[tool.pytest]`` table, where a value may be a list);
    ``split`` splits a value given as one string, as pytest does for the key.
    """
    for file_name, section in _PYTEST_INI_FILES[:2]:
        found = _ini_option(root / file_name, section, key, split)
        if found is not None:
            return found, file_name
    pytest_tool = document.get("tool", {}).get("pytest", {})
    for table in (pytest_tool.get("ini_options"), pytest_tool):
        if isinstance(table, dict) and key in table:
            value = table[key]
            paths = split(value) if isinstance(value, str) else [str(v) for v in value]
            return paths, "pyproject.toml"
    for file_name, section in _PYTEST_INI_FILES[2:]:
        found = _ini_option(root / file_name, section, key, split)
        if found is not None:
            return found, file_name
    return None


def _ini_option(path: Path, section: str, key: str,
                split: Callable[[str], list[str]]) -> list[str] | None:
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None  # pytest will say what is wrong with it, in its own words
    if not parser.has_option(section, key):
        return None
    return split(parser.get(section, key))


def infer_tests(root: Path, document: dict[str, Any]) -> Inferred:
    """The test paths: pytest's ``testpaths`` (globs expanded), else ``tests/`` or ``test/``."""
    declared = _pytest_testpaths(root, document)
    if declared is not None:
        paths, source = declared
        existing = [match.relative_to(root).as_posix()
                    for pattern in paths for match in sorted(root.glob(pattern))
                    if match.exists()]
        if existing:
            return Inferred("tests", existing, f"pytest testpaths in {source}")
    for name in ("tests", "test"):
        if (root / name).is_dir():
            return Inferred("tests", [name], f"the {name}/ folder")
    raise ConfigError(
        "no tests found (no pytest testpaths, no tests/ or test/ folder); pass --tests PATH"
    )


def infer_settings(root: Path, document: dict[str, Any], given: set[str]) -> list[Inferred]:
    """Inferred ``packages`` and ``tests``, except the keys the command line ``given``."""
    inferred: list[Inferred] = []
    if "packages" not in given:
        inferred.append(infer_packages(root, document))
    if "tests" not in given:
        inferred.append(infer_tests(root, document))
    return inferred


def describe(inferred: list[Inferred], config_file: str, exists: bool = True) -> list[str]:
    """The lines that tell the user what was assumed, then the table that keeps it.

    The table's lines carry no ``audit:`` prefix, so they paste as they are.
    ``exists`` is False for a project without the file (setup.py only).
    """
    missing = (f"no [tool.audit] table in {config_file}" if exists
               else f"no {config_file} (a setup.py/setup.cfg project)")
    if not inferred:
        return [f"audit: {missing}: using the command line's packages and tests"]
    lines = [f"audit: {missing}; inferred:"]
    lines += [f"audit:   {item.toml()}  ({item.reason})" for item in inferred]
    where = config_file if exists else f"a new {config_file}"
    lines.append(f"audit: to keep these settings (and add a gate), paste into {where}:")
    lines.append("[tool.audit]")
    lines += [item.toml() for item in inferred]
    return lines


def read_document(path: Path) -> dict[str, Any]:
    """The parsed ``pyproject.toml`` (the caller has read it once already without error)."""
    return tomllib.loads(path.read_text(encoding="utf-8"))
