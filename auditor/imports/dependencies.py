"""The project's declared dependencies, read without running anything of the project.

To tell a missing *required* dependency (an environment error) from a
missing *optional* one (declared only in an extra) or an *undeclared*
third-party import, the imports analysis needs what the project declares.
It is read from, in this order, and merged:

* ``pyproject.toml``: ``[project] dependencies`` / ``optional-dependencies``
  (PEP 621), or Poetry's ``[tool.poetry.dependencies]`` (``optional = true``
  entries are extras); dependency groups are development-only, not runtime;
* ``setup.cfg``: ``[options] install_requires`` / ``[options.extras_require]``
  (including ``file:`` references);
* ``setup.py``, **parsed, never executed**: the literal ``install_requires=``
  and ``extras_require=`` of the ``setup(...)`` call, following names bound to
  literals at module level; a computed value is skipped (and named);
* the project's installed distribution in its own interpreter
  (``Requires-Dist`` via ``importlib.metadata``, see ``_environment.py``),
  which covers any build backend and any computed ``setup.py``.

A name required anywhere is required; names are normalised (PEP 503).
"""

from __future__ import annotations

import ast
import configparser
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

_EXTRA_MARKER = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]""")


@dataclass
class Declared:
    """What the project declares: required and optional (extra) distributions.

    ``required`` maps a normalised name to its requirement as written (its
    environment marker decides whether it applies to this interpreter);
    ``optional`` maps a normalised name to the extras that name it.
    """

    names: list[str] = field(default_factory=list)  # the project's own distribution names
    required: dict[str, Requirement] = field(default_factory=dict)
    optional: dict[str, list[str]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what could not be read, and why
    spelled: dict[str, str] = field(default_factory=dict)  # normalised -> as first written

    def add(self, text: str, extra: str | None, source: str) -> None:
        """One requirement string; ``extra`` is the extra it belongs to, None when required."""
        text = text.strip()
        if not text or text.startswith(("#", "-")):
            return
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            self.skipped.append(f"{source}: not a requirement: {text!r}")
            return
        name = canonicalize_name(requirement.name)
        self.spelled.setdefault(name, requirement.name)
        marker_extras = _EXTRA_MARKER.findall(str(requirement.marker or ""))
        if extra is None and marker_extras:  # Requires-Dist: ...; extra == "x"
            extra = marker_extras[0]
        if extra is None:
            self.required.setdefault(name, requirement)
        elif extra not in self.optional.setdefault(name, []):
            self.optional[name].append(extra)

    def status(self, name: str) -> str:
        """``required``, ``optional`` or ``undeclared`` for a distribution name."""
        canonical = canonicalize_name(name)
        if canonical in self.required:
            return "required"
        return "optional" if canonical in self.optional else "undeclared"

    def add_installed(self, requires: dict[str, list[str]]) -> None:
        """``Requires-Dist`` of the project's installed distributions (in its interpreter)."""
        for dist_name, lines in sorted(requires.items()):
            source = f"installed metadata of {dist_name}"
            for line in lines:
                self.add(line, None, source)
            if source not in self.sources:
                self.sources.append(source)
            if dist_name not in self.names:
                self.names.append(dist_name)


def _from_pyproject(root: Path, declared: Declared) -> None:
    path = root / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return  # a broken pyproject is the configuration's error, reported there
    project = data.get("project")
    if isinstance(project, dict):
        if isinstance(project.get("name"), str):
            declared.names.append(project["name"])
        found = "dependencies" in project or "optional-dependencies" in project
        for text in _strings(project.get("dependencies")):
            declared.add(text, None, "pyproject.toml")
        extras = project.get("optional-dependencies")
        for extra, items in (extras.items() if isinstance(extras, dict) else []):
            for text in _strings(items):
                declared.add(text, str(extra), "pyproject.toml")
        if found:
            declared.sources.append("pyproject.toml [project]")
    poetry = data.get("tool", {}).get("poetry")
    if isinstance(poetry, dict) and isinstance(poetry.get("dependencies"), dict):
        if isinstance(poetry.get("name"), str):
            declared.names.append(poetry["name"])
        extras_of: dict[str, str] = {}
        for extra, items in (poetry.get("extras") or {}).items():
            for item in _strings(items):
                extras_of.setdefault(canonicalize_name(item), str(extra))
        for name, spec in poetry["dependencies"].items():
            if name.lower() == "python":
                continue
            optional = isinstance(spec, dict) and bool(spec.get("optional"))
            extra = extras_of.get(canonicalize_name(name), "optional") if optional else None
            declared.add(name, extra, "pyproject.toml")
        declared.sources.append("pyproject.toml [tool.poetry]")


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _cfg_lines(root: Path, value: str) -> list[str]:
    """A setup.cfg list value: lines or ``;``-separated, or ``file: a.txt, b.txt``."""
    value = value.strip()
    if value.startswith("file:"):
        lines: list[str] = []
        for name in value[len("file:") :].split(","):
            try:
                lines.extend((root / name.strip()).read_text(encoding="utf-8").splitlines())
            except (OSError, UnicodeDecodeError):
                continue
        return lines
    return [part for line in value.splitlines() for part in line.split(";") if part.strip()]


def _from_setup_cfg(root: Path, declared: Declared) -> None:
    path = root / "setup.cfg"
    if not path.is_file():
        return
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        declared.skipped.append(f"setup.cfg: {type(exc).__name__}")
        return
    if parser.has_option("metadata", "name"):
        declared.names.append(parser.get("metadata", "name"))
    found = False
    if parser.has_option("options", "install_requires"):
        found = True
        for text in _cfg_lines(root, parser.get("options", "install_requires")):
            declared.add(text, None, "setup.cfg")
    if parser.has_section("options.extras_require"):
        found = True
        for extra, value in parser.items("options.extras_require"):
            for text in _cfg_lines(root, value):
                declared.add(text, extra, "setup.cfg")
    if found:
        declared.sources.append("setup.cfg [options]")


def _literal(node: ast.expr, names: dict[str, ast.expr], depth: int = 0) -> Any:
    """The value of a literal expression, following module-level names; raises ValueError."""
    if depth > 5:
        raise ValueError("too deep")
    if isinstance(node, ast.Name) and node.id in names:
        return _literal(names[node.id], names, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal(node.left, names, depth + 1) + _literal(node.right, names, depth + 1)
    if isinstance(node, ast.Dict):
        return {
            _literal(k, names, depth + 1): _literal(v, names, depth + 1)
            for k, v in zip(node.keys, node.values, strict=True)
            if k is not None
        }
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e, names, depth + 1) for e in node.elts]
    return ast.literal_eval(node)


def _from_setup_py(root: Path, declared: Declared) -> None:
    path = root / "setup.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
        declared.skipped.append(f"setup.py: cannot be parsed ({type(exc).__name__})")
        return
    names: dict[str, ast.expr] = {}
    for statement in tree.body:  # module-level NAME = <expr>; the last binding wins
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                names[target.id] = statement.value
    calls = [
        node for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) == "setup"
    ]  # fmt: skip
    found = False
    for call in calls:
        for keyword in call.keywords:
            if keyword.arg not in ("install_requires", "extras_require", "name"):
                continue
            try:
                value = _literal(keyword.value, names)
            except (ValueError, TypeError, SyntaxError, KeyError):
                declared.skipped.append(f"setup.py: {keyword.arg}= is computed, not a literal")
                continue
            if keyword.arg == "name" and isinstance(value, str):
                declared.names.append(value)
            elif keyword.arg == "install_requires":
                found = True
                for text in _as_lines(value):
                    declared.add(text, None, "setup.py")
            elif keyword.arg == "extras_require" and isinstance(value, dict):
                found = True
                for extra, items in value.items():
                    # "extra:marker" keys (setuptools) name the extra before the colon
                    for text in _as_lines(items):
                        declared.add(text, str(extra).split(":")[0], "setup.py")
    if found:
        declared.sources.append("setup.py (read, not run)")


def _as_lines(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.splitlines()
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def read_declared(root: Path) -> Declared:
    """Everything the project's files declare (the installed metadata is added later)."""
    declared = Declared()
    _from_pyproject(root, declared)
    _from_setup_cfg(root, declared)
    _from_setup_py(root, declared)
    declared.names = list(dict.fromkeys(declared.names))
    return declared
