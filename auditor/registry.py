"""The registry of analyses: which exist, in which order, and what they add to the core.

An analysis is one package and one line in :data:`_REGISTRY`
(``name -> "module:Class"``). Everything the core needs from it is read
from its class (:class:`auditor.analysis.Analysis`): its subcommand, its
configuration and gate schema parts, its result type (for reading
``report.json`` back), its metrics and findings, and (optionally) a
``template_dir`` holding its report partials (``html/<name>.html.j2``,
``md/<name>.md.j2``). An analysis of another distribution registers through
the ``test_auditor.analyses`` entry point group (``name = "module:Class"``);
:func:`register` adds one in this process (a test's own analysis).

This module sits above the configuration loader: it hands the loader the
schema parts (:func:`schema_parts`), so that :mod:`auditor.config` never
imports the analyses (which import the context, which imports the
configuration: the cycle this order avoids).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor import registry_source
from auditor.config import AuditConfig, SchemaParts
from auditor.config import load_config as _load_config
from auditor.config import validate_table as _validate_table

if TYPE_CHECKING:
    from auditor.analysis import Analysis

# name -> "module:Class". Listing them here (rather than scanning) keeps the
# order stable and makes a missing analysis an import error, not a silent gap.
_REGISTRY: dict[str, str] = {
    "coverage": "auditor.coverage.analysis:CoverageAnalysis",
    "imports": "auditor.imports.analysis:ImportsAnalysis",
    "mocks": "auditor.mocks.analysis:MocksAnalysis",
    "mutation": "auditor.mutation.analysis:MutationAnalysis",
    "typecheck": "auditor.typecheck.analysis:TypecheckAnalysis",
    "suite": "auditor.suite.analysis:SuiteAnalysis",
    "instantiation": "auditor.instantiation.analysis:InstantiationAnalysis",
    "dependencies": "auditor.dependencies.analysis:DependenciesAnalysis",
}
_ADDED: dict[str, type[Any]] = {}
ENTRY_POINT_GROUP = "test_auditor.analyses"


@cache
def _plugins() -> dict[str, str]:
    """``name -> "module:Class"`` of the installed distributions' analyses."""
    found = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return {name: value for name, value in sorted(found.items()) if name not in _REGISTRY}


def register(cls: type[Any]) -> None:
    """Add the analysis class ``cls`` (after the built-in ones) for this process."""
    _ADDED[cls.name] = cls


def unregister(name: str) -> None:
    """Remove an analysis added with :func:`register` (a test cleans up after itself)."""
    _ADDED.pop(name, None)


def analysis_names() -> list[str]:
    """All analyses, in the order they run and appear in reports."""
    plugins = [name for name in _plugins() if name not in _ADDED]
    return [*_REGISTRY, *plugins, *(name for name in _ADDED if name not in _REGISTRY)]


def analysis_location(name: str) -> str | type[Any]:
    """Where the analysis ``name`` is: ``"module:Class"``, or the class :func:`register` added.

    The CLI reads an analysis's subcommand and help from its module's source
    without importing it (``audit --help`` loads no analysis's libraries).
    """
    if name in _ADDED:
        return _ADDED[name]
    return _REGISTRY[name] if name in _REGISTRY else _plugins()[name]


def get_analysis(name: str) -> Analysis:
    """An instance of the analysis called ``name`` (``KeyError`` if unknown)."""
    if name in _ADDED:
        instance: Analysis = _ADDED[name]()
        return instance
    where = _REGISTRY[name] if name in _REGISTRY else _plugins()[name]
    module_name, _, class_name = where.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    found: Analysis = cls()
    return found


def all_analyses() -> list[Analysis]:
    return [get_analysis(name) for name in analysis_names()]


def result_types() -> dict[str, Any]:
    """``name -> result class`` of every analysis (for ``AuditResult.from_dict``)."""
    return {analysis.name: analysis.result_type for analysis in all_analyses()}


def declared(name: str, attribute: str, default: Any = None) -> Any:
    """Class attribute ``attribute`` of the analysis ``name``, imported only if need be.

    A built-in analysis's module source usually tells (a literal, or no such
    attribute: :mod:`auditor.registry_source`), so an audit that runs one
    analysis does not import the others' libraries to list their report
    formats; otherwise the class is imported and asked.
    """
    if name in _REGISTRY:
        value = registry_source.attribute(_REGISTRY[name], attribute, default)
        if value is not registry_source.UNKNOWN:
            return value
    return getattr(get_analysis(name), attribute, default)


def template_dirs() -> list[Path]:
    """The folders of report partials the analyses bring along (after our own templates)."""
    dirs: list[Path] = []
    for name in analysis_names():
        folder = declared(name, "template_dir")
        if folder is not None:
            dirs.append(Path(folder))
    return dirs


def report_schemas() -> dict[str, Path]:
    """``name -> schema file`` of the analyses that bring their report-schema part along."""
    found: dict[str, Path] = {}
    for name in analysis_names():
        path = declared(name, "report_schema")
        if path is not None:
            found[name] = Path(path)
    return found


def report_formats() -> list[str]:
    """Module names of the report formats the analyses bring along (``report_formats``)."""
    names: list[str] = []
    for analysis in analysis_names():
        names += [n for n in declared(analysis, "report_formats", ()) if n not in names]
    return names


def _needed_for(table: Mapping[str, Any], names: list[str]) -> list[str]:
    """The analyses whose schema parts can judge ``table``: those it has a section for,
    and those that own a key of its ``gate`` table (read from the source when it
    tells: :func:`auditor.registry_source.dict_keys`). A gate key no source
    claims makes it all of them, so an unknown key is still named as one."""
    from auditor.history.gate_schema import HISTORY_GATE_SCHEMA

    needed = {name for name in names if name in table}
    gate = table.get("gate")
    keys = set(gate) - set(HISTORY_GATE_SCHEMA) if isinstance(gate, dict) else set()
    claimed: set[str] = set()
    unread: list[str] = []  # analyses whose source does not tell their gate keys
    for name in names if keys else ():
        owned = (registry_source.dict_keys(_REGISTRY[name], "gate_schema")
                 if name in _REGISTRY else registry_source.UNKNOWN)
        if owned is registry_source.UNKNOWN:
            unread.append(name)
        elif keys & owned:
            needed.add(name)
            claimed |= owned
    for name in unread if keys - claimed else ():  # only their classes can tell: ask them
        owned = set(get_analysis(name).gate_schema)
        if keys & owned:
            needed.add(name)
            claimed |= owned
    if keys - claimed:
        return names
    return [name for name in names if name in needed]


def schema_parts(table: Mapping[str, Any] | None = None) -> SchemaParts:
    """What the analyses and the history add to the ``[tool.audit]`` schema.

    With ``table``, only the parts that can judge that table (see
    :func:`_needed_for`): validating it gives the same answer as with every
    part, without importing the analyses it does not configure.
    """
    from auditor.history.gate_schema import HISTORY_GATE_SCHEMA

    names = analysis_names()
    chosen = names if table is None else _needed_for(table, names)
    analyses = [get_analysis(name) for name in chosen]
    gate: dict[str, Any] = dict(HISTORY_GATE_SCHEMA)
    for analysis in analyses:
        gate.update(analysis.gate_schema)
    return SchemaParts(
        names=names,
        sections={a.name: a.config_schema for a in analyses if a.config_schema},
        gate=gate,
    )


def load_config(
    root: Path, config_file: Path | None = None, overrides: dict[str, Any] | None = None
) -> AuditConfig:
    """:func:`auditor.config.load_config` with the registered analyses' schema parts
    (those the table configures: :func:`schema_parts`)."""
    return _load_config(root, config_file, overrides, parts=schema_parts)


def validate_table(table: dict[str, Any], source: str) -> None:
    """:func:`auditor.config.validate_table` with the registered analyses' schema parts."""
    _validate_table(table, source, schema_parts(table))
