"""The coverage.py configuration of our test run: the project's own, narrowed to our packages.

The project's coverage settings can live in ``.coveragerc``, ``setup.cfg``,
``tox.ini`` or ``pyproject.toml`` (or ``COVERAGE_RCFILE``). Rather than
translating some of them into ``coverage run`` flags (which reach only the
main process: subprocesses started through ``COVERAGE_PROCESS_START`` or
``multiprocessing`` re-read a config *file*), we write one generated rc file
under the run folder that holds every ``[run]``, ``[report]``, ``[paths]``
and plugin option coverage.py resolved for the project, with these changes:

- ``source`` is the project's selection intersected with our packages
  (ours narrow, never widen; a project ``source`` inside one of our packages
  wins); ``include`` (ignored by coverage.py once ``source`` is set) moves to
  the report side, so it still narrows what is reported;
- ``omit`` keeps the project's patterns and adds tests that live inside a
  package;
- ``branch`` is always on; ``data_file`` and ``debug_file`` point into the
  run folder (never the user's tree); ``fail_under`` is 0 (the gate judges)
  and ``ignore_errors`` is on, so a file coverage.py cannot parse is listed
  instead of aborting the report.

The same file is used by ``coverage run``, ``coverage combine`` and
``coverage json``, so exclusions, partial-branch rules, ``[paths]`` and
plugins apply exactly as in a hand run with the project's config.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.errors import ConfigError
from auditor.project import PackageLocation

TOML_NAME = "coveragerc.toml"
INI_NAME = "coveragerc"


@dataclass(frozen=True)
class ProjectCoverageConfig:
    """What coverage.py resolved for the project (read by the probe with ``get_option``)."""

    config_file: str | None = None
    options: dict[str, Any] = field(default_factory=dict)  # "run:branch" -> value
    paths: dict[str, list[str]] = field(default_factory=dict)
    plugin_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    toml: bool = True  # can the project's coverage.py read a TOML rc file?

    @classmethod
    def from_probe(cls, data: dict[str, Any]) -> ProjectCoverageConfig:
        return cls(
            config_file=data.get("config_file"),
            options=dict(data.get("options", {})),
            paths={k: list(v) for k, v in data.get("paths", {}).items()},
            plugin_options={k: dict(v) for k, v in data.get("plugin_options", {}).items()},
            toml=bool(data.get("toml", True)),
        )

    def option(self, name: str) -> Any:
        return self.options.get(name)

    @property
    def where(self) -> str:
        """The config file, for messages."""
        return os.path.basename(self.config_file) if self.config_file else "coverage.py defaults"

    @property
    def selection(self) -> list[str]:
        """The project's ``source`` + ``source_pkgs`` + ``source_dirs`` (empty: none)."""
        chosen: list[str] = []
        for name in ("run:source", "run:source_pkgs", "run:source_dirs"):
            chosen += list(self.option(name) or [])
        return chosen


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def _our_entry(loc: PackageLocation) -> str:
    """A package as a directory (never-imported files count as 0%), a module by name."""
    return loc.name if loc.is_module else str(loc.path)


def narrowed_source(
    project: ProjectCoverageConfig, packages: list[PackageLocation], root: Path
) -> list[str]:
    """``[run] source`` of our run: our packages, narrowed by the project's own selection.

    A project entry is a directory (relative to the root) or an import name, as
    in coverage.py. An entry wider than one of our packages leaves the package
    whole; an entry inside one of our packages replaces it (the project measures
    less, so do we); the package's own import name stays as the project wrote
    it. A selection that holds none of our packages is an error: the audit
    would measure nothing.
    """
    selection = project.selection
    if not selection:
        return [_our_entry(loc) for loc in packages]
    chosen: list[str] = []
    for loc in packages:
        for entry in selection:
            directory = (root / entry).resolve()
            if directory.is_dir():
                if _within(loc.path, directory):
                    chosen.append(_our_entry(loc))
                elif _within(directory, loc.path):
                    chosen.append(str(directory))
            elif entry == loc.name:
                # Kept by name: coverage.py then measures the package wherever it is
                # imported from (an installed copy, remapped by [paths]), as by hand.
                chosen.append(entry)
            elif loc.name.startswith(entry + "."):
                chosen.append(_our_entry(loc))
            elif entry.startswith(loc.name + ".") and not loc.is_module:
                inner = loc.path.joinpath(*entry.split(".")[1:])
                chosen.append(str(inner) if inner.is_dir() else entry)
    unique = list(dict.fromkeys(chosen))
    if not unique:
        raise ConfigError(
            f"{project.where}: coverage.py [run] source = {selection} holds none of the "
            f"packages under audit ({', '.join(loc.name for loc in packages)}); "
            "fix [tool.audit] packages or the coverage source"
        )
    return unique


def generated_sections(
    project: ProjectCoverageConfig,
    *,
    source: list[str],
    extra_omit: list[str],
    data_file: Path,
    debug_file: Path,
) -> dict[str, dict[str, Any]]:
    """Section name -> options of the generated rc file (see the module docstring)."""
    run = {k.split(":", 1)[1]: v for k, v in project.options.items() if k.startswith("run:")}
    report = {k.split(":", 1)[1]: v for k, v in project.options.items() if k.startswith("report:")}
    run_include = list(run.get("include") or [])
    run.update(
        branch=True,
        data_file=str(data_file),
        source=source,
        omit=[*(run.get("omit") or []), *extra_omit],
        include=[],
        command_line=None,
    )
    for folded in ("source_pkgs", "source_dirs"):
        if folded in run:
            run[folded] = []
    if run.get("debug_file") or run.get("debug"):
        run["debug_file"] = str(debug_file)
    if not project.selection and run_include and not report.get("include"):
        report["include"] = run_include
    report.update(fail_under=0.0, ignore_errors=True)
    # get_option gives the merged lists (exclude_also already appended to
    # exclude_lines): write them once, or coverage.py would append twice.
    for merged in ("exclude_also", "partial_also"):
        if merged in report:
            report[merged] = []
    sections: dict[str, dict[str, Any]] = {
        "run": {k: v for k, v in run.items() if v is not None},
        "report": {k: v for k, v in report.items() if v is not None},
    }
    if project.paths:
        sections["paths"] = {k: list(v) for k, v in project.paths.items()}
    for plugin, options in project.plugin_options.items():
        if options:
            sections[plugin] = dict(options)
    return sections


def _toml_value(value: Any, escape_dollars: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v, escape_dollars) for v in value) + "]"
    if isinstance(value, dict):  # a plugin option that is a table
        items = (f"{_toml_key(str(k))} = {_toml_value(v, escape_dollars)}"
                 for k, v in value.items() if v is not None)
        return "{" + ", ".join(items) + "}"
    text = str(value)
    if escape_dollars:  # coverage.py expands $VAR in strings; values are already expanded
        text = text.replace("$", "$$")
    # JSON string syntax is TOML basic-string syntax, except that TOML forbids a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(name: str) -> str:
    bare = name.replace("_", "").replace("-", "").isalnum() and name.isascii()
    return name if bare else json.dumps(name)


def render_toml(sections: dict[str, dict[str, Any]]) -> str:
    """The sections as ``[tool.coverage.<section>]`` tables."""
    lines = ["# Generated by test-auditor from the project's coverage configuration."]
    for section, options in sections.items():
        # coverage.py splits section names on dots (plugin "a.b" -> table a.b).
        header = ".".join(_toml_key(part) for part in ["tool", "coverage", *section.split(".")])
        lines += ["", f"[{header}]"]
        # Plugin options are read raw (no $VAR expansion); [run]/[report]/[paths] are expanded.
        escape = section in ("run", "report", "paths")
        lines += [f"{_toml_key(k)} = {_toml_value(v, escape)}" for k, v in options.items()]
    return "\n".join(lines) + "\n"


def _ini_line(value: str) -> str:
    value = value.replace("$", "$$")
    # configparser drops continuation lines that start with a comment prefix;
    # "[#]" matches the same text as "#".
    if value[:1] in ("#", ";"):
        value = f"[{value[0]}]{value[1:]}"
    return value


def render_ini(sections: dict[str, dict[str, Any]]) -> str:
    """The sections in ``.coveragerc`` syntax, for a coverage.py without TOML support."""
    lines = ["# Generated by test-auditor from the project's coverage configuration."]
    for section, options in sections.items():
        lines += ["", f"[{section}]"]
        for key, value in options.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, (list, tuple)):
                lines.append(f"{key} =")
                lines += [f"    {_ini_line(str(item))}" for item in value]
            else:
                lines.append(f"{key} = {str(value).replace('$', '$$')}")
    return "\n".join(lines) + "\n"


def rc_file_for(data_file: Path) -> Path | None:
    """The generated rc file next to ``data_file`` (TOML if written), if the run wrote one."""
    for name in (TOML_NAME, INI_NAME):
        candidate = data_file.parent / name
        if candidate.exists():
            return candidate
    return None


def process_start_file(data_file: Path) -> Path:
    """The rc file ``COVERAGE_PROCESS_START`` names for subprocesses (INI, always written)."""
    return data_file.parent / INI_NAME


def write_rc_file(directory: Path, project: ProjectCoverageConfig,
                  sections: dict[str, dict[str, Any]]) -> Path:
    """Write the rc file(s); return the one for ``coverage run``/``combine``/``json``.

    ``coveragerc`` (INI) is always written: ``COVERAGE_PROCESS_START`` is set
    before we know whether the project's coverage.py reads TOML, and every
    coverage.py reads INI. ``coveragerc.toml`` is preferred where it can be
    read: TOML keeps regexes and plugin option types exactly.
    """
    for stale in (TOML_NAME, INI_NAME):
        (directory / stale).unlink(missing_ok=True)
    ini = directory / INI_NAME
    ini.write_text(render_ini(sections), encoding="utf-8")
    if not project.toml:
        return ini
    toml = directory / TOML_NAME
    toml.write_text(render_toml(sections), encoding="utf-8")
    return toml
