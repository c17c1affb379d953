"""``[tool.audit]`` configuration: loading, validation, command-line overrides.

The schema is composed from a core part (below) and the parts each analysis
declares (its own ``[tool.audit.<name>]`` table and its keys in
``[tool.audit.gate]``), so an analysis adds configuration without touching
this module. Unknown keys, wrong types and impossible values are
:class:`~auditor.errors.ConfigError` with one line naming the file and key.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.config_cache import checked_before, remember, table_key
from auditor.errors import ConfigError
from auditor.history_location import PENDING_FILE, server_url_of
from auditor.inference import describe, infer_settings, read_document
from auditor.schema_parts import COUNT, PERCENT, STRINGS
from auditor.thresholds import thresholds_problem

if TYPE_CHECKING:  # imported where a table is validated: `audit --help` needs none of it
    import jsonschema

__all__ = ["COUNT", "PERCENT", "STRINGS", "AuditConfig", "SchemaParts", "load_config"]

CORE_SCHEMA: dict[str, Any] = {
    "packages": {**STRINGS, "minItems": 1},
    "tests": {**STRINGS, "minItems": 1},
    "output": {"type": "string", "minLength": 1},
    "base": {"type": ["string", "null"], "minLength": 1},
    "analyses": {"type": "array", "items": {"enum": []}, "uniqueItems": True},
    "python": {"type": "string", "minLength": 1},
    "pytest_args": STRINGS,
    "test_timeout": {"type": "number", "exclusiveMinimum": 0},
    "tolerate_test_failures": {"type": "boolean"},
    "history": {"type": "string", "minLength": 1},
    "beside_suite": {"type": "boolean"},
}

DEFAULTS: dict[str, Any] = {
    "tests": ["tests"],
    "output": "audit-report",
    "base": None,
    "pytest_args": [],
    "test_timeout": 1800,
    "tolerate_test_failures": False,
    "history": ".audit/history.db",
    "beside_suite": True,
}

# One line, like every error: the README's "Configuration reference" has the full example.
SETUP_HINT = (
    'add a [tool.audit] table with packages = ["yourpackage"] '
    '(see README "Configuration reference")'
)


@dataclass
class AuditConfig:
    """The effective configuration of one audit (file values, then CLI overrides)."""

    root: Path
    source: str  # the file the values came from, for error messages
    packages: list[str]
    tests: list[str]
    output: Path
    base: str | None
    analyses: list[str]
    python: str | None
    pytest_args: list[str]
    test_timeout: float
    tolerate_test_failures: bool
    history: Path  # the SQLite file; with a server URL, the local fallback for unsent runs
    gate: dict[str, Any] = field(default_factory=dict)
    gate_enabled: bool = True
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A postgresql:// URL: the history is on that server (kept out of repr: it holds a password).
    history_url: str | None = field(default=None, repr=False)
    # Zero-config start: what was inferred without a [tool.audit] table, as lines to print.
    inferred: list[str] = field(default_factory=list)
    # [project].name of the project's pyproject.toml ("" when it has none)
    project_name: str = ""
    # Analyses that need nothing from the suite run beside it on an idle core
    # (auditor.beside); false: after it, one at a time.
    beside_suite: bool = True

    @property
    def project(self) -> str:
        """The project's name in reports and the history: ``[project].name``, else the folder."""
        return self.project_name or self.root.name

    def section(self, name: str) -> dict[str, Any]:
        """The ``[tool.audit.<name>]`` table of an analysis ({} when absent)."""
        return self.sections.get(name, {})

    def fingerprint(self) -> str:
        """A stable hash of everything that changes what is measured.

        The output folder and the gate switch are left out: moving the report
        or disabling the gate does not make two runs incomparable.
        """
        payload = {
            "packages": sorted(self.packages),
            "tests": sorted(self.tests),
            "base": self.base,
            "analyses": sorted(self.analyses),
            "pytest_args": self.pytest_args,
            "gate": self.gate,
            "sections": self.sections,
        }
        blob = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


@dataclass(frozen=True)
class SchemaParts:
    """What the caller adds to the core schema: the analyses and their tables.

    ``names`` are the analyses in order; ``sections`` the properties of each
    analysis's own ``[tool.audit.<name>]`` table; ``gate`` the keys the
    analyses (and the history) add to ``[tool.audit.gate]``. The registry
    builds this (:func:`auditor.registry.schema_parts`); this module never
    imports an analysis, so the configuration sits below them all.
    """

    names: list[str]
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    gate: dict[str, Any] = field(default_factory=dict)


def full_schema(parts: SchemaParts) -> dict[str, Any]:
    """The JSON Schema of the ``[tool.audit]`` table: the core, then ``parts``."""
    props: dict[str, Any] = json.loads(json.dumps(CORE_SCHEMA))
    props["analyses"]["items"]["enum"] = list(parts.names)
    for name, section in parts.sections.items():
        props[name] = {"type": "object", "additionalProperties": False, "properties": section}
    props["gate"] = {"type": "object", "additionalProperties": False, "properties": parts.gate}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["packages"],
        "properties": props,
    }


def _table(path: list[Any]) -> str:
    return ".".join(["tool", "audit", *(str(p) for p in path)])


def _key(part: Any) -> str:
    text = str(part)
    return text if text.replace("_", "").isalnum() else json.dumps(text)


def _describe(error: jsonschema.ValidationError) -> str:
    """One line naming the table and key of a schema error."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = sorted(set(error.instance) - set(known))
        return f"[{_table(path)}] unknown key {', '.join(repr(k) for k in extra)}"
    if error.validator == "required" or not path:
        return f"[{_table(path)}] {error.message}"
    # Everything before the first list index is a table path; the part just
    # before it is the key, and list indexes follow it as [i].
    first_index = next((i for i, p in enumerate(path) if isinstance(p, int)), len(path))
    key_pos = max(first_index - 1, 0)
    key = _key(path[key_pos]) + "".join(f"[{p}]" for p in path[key_pos + 1 :])
    return f"[{_table(path[:key_pos])}] {key}: {error.message}"


def validate_table(table: dict[str, Any], source: str, parts: SchemaParts) -> None:
    """Raise :class:`ConfigError` for the first (most specific) schema violation."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(full_schema(parts))
    errors = sorted(validator.iter_errors(table), key=lambda e: (len(e.absolute_path), e.message))
    if errors:
        best = jsonschema.exceptions.best_match(errors)
        raise ConfigError(f"{source}: {_describe(best)}")


def _validate_once(root: Path, table: dict[str, Any], source: str, parts: SchemaParts) -> None:
    """:func:`validate_table`, unless this table passed this schema before in ``root``.

    See :mod:`auditor.config_cache` (it saves importing jsonschema on a re-run).
    """
    key = table_key(full_schema(parts), table)
    if checked_before(root, key):
        return
    validate_table(table, source, parts)
    remember(root, key)


def read_table(config_file: Path) -> dict[str, Any]:
    """Read ``[tool.audit]`` (or, for a file without ``tool``, the whole file)."""
    try:
        text = config_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{config_file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{config_file}: cannot read: {exc}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_file.name}: invalid TOML: {exc}") from None
    if config_file.name == "pyproject.toml" or "tool" in document:
        table = document.get("tool", {}).get("audit")
        if table is None:
            raise MissingTableError(f"{config_file}: no [tool.audit] table; {SETUP_HINT}")
        if not isinstance(table, dict):
            raise ConfigError(f"{config_file.name}: [tool.audit] must be a table")
        return table
    return document


def load_config(
    root: Path,
    config_file: Path | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    parts: SchemaParts | Callable[[dict[str, Any]], SchemaParts],
) -> AuditConfig:
    """Build the effective configuration for the project at ``root``.

    ``overrides`` are command-line values (``None`` means "not given"); they
    replace the file's values and are validated by the same schema.
    ``parts``: the analyses' schema parts, or a function giving those that
    can judge a table (the registry's: it imports only the analyses the
    table configures).
    """
    parts_for = parts if callable(parts) else (lambda table: parts)
    config_path = config_file or root / "pyproject.toml"
    inferred: list[str] = []
    if config_file is None and not config_path.is_file():
        if not any((root / name).is_file() for name in LEGACY_PROJECT_FILES):
            raise ConfigError(
                f"{root}: not a Python project (no pyproject.toml); create one and {SETUP_HINT}"
            )
        # A setup.py/setup.cfg project: no file to read the table from, everything inferred.
        table, inferred = _inferred_table(root, config_path, overrides or {}, None)
    else:
        try:
            table = read_table(config_path)
        except MissingTableError as missing:
            table, inferred = _inferred_table(root, config_path, overrides or {}, missing)
    source = config_path.name if config_file is None else str(config_file)
    table_parts = parts_for(table)
    _validate_once(root, table, source, table_parts)
    _check_thresholds(table, source)
    merged = dict(table)
    for key, value in (overrides or {}).items():
        if key == "gate" and value is not None:  # --gate KEY=VALUE: one key at a time
            merged["gate"] = {**merged.get("gate", {}), **value}
        elif value is not None:
            merged[key] = value
    merged_parts = parts_for(merged) if overrides else table_parts
    if overrides:
        _validate_once(root, merged, "command line", merged_parts)
    names = merged_parts.names
    values = {**DEFAULTS, **merged}
    given = (overrides or {}).get("history") is not None
    history_url = server_url_of(values["history"], given_on_command_line=given)
    return AuditConfig(
        root=root,
        source=source,
        packages=list(values["packages"]),
        tests=list(values["tests"]),
        output=(root / values["output"]).resolve(),
        base=values["base"],
        analyses=list(values.get("analyses") or names),
        python=values.get("python"),
        pytest_args=list(values["pytest_args"]),
        test_timeout=float(values["test_timeout"]),
        tolerate_test_failures=bool(values["tolerate_test_failures"]),
        history=(root / (PENDING_FILE if history_url else values["history"])).resolve(),
        gate=dict(values.get("gate", {})),
        sections={name: dict(values.get(name, {})) for name in names},
        history_url=history_url,
        inferred=inferred,
        project_name=_project_name(root),
        beside_suite=bool(values["beside_suite"]),
    )


def _project_name(root: Path) -> str:
    """``[project].name`` of ``root/pyproject.toml``, or "" (no file, no name, unreadable)."""
    try:
        name = read_document(root / "pyproject.toml").get("project", {}).get("name")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
        return ""
    return name.strip() if isinstance(name, str) else ""


def _check_thresholds(table: dict[str, Any], source: str) -> None:
    """Stryker-style ``thresholds`` of any section: ``low`` at most ``high`` (no schema says it)."""
    for name, section in table.items():
        if isinstance(section, dict) and isinstance(section.get("thresholds"), dict):
            problem = thresholds_problem(section["thresholds"])
            if problem:
                raise ConfigError(f"{source}: [{_table([name])}] {problem}")


# Projects that declare themselves without a pyproject.toml: their settings are inferred.
LEGACY_PROJECT_FILES = ("setup.py", "setup.cfg")


class MissingTableError(ConfigError):
    """A ``pyproject.toml`` without ``[tool.audit]``: the settings may be inferred."""


def _inferred_table(root: Path, config_path: Path, overrides: dict[str, Any],
                    missing: MissingTableError | None) -> tuple[dict[str, Any], list[str]]:
    """The table inferred from the project (:mod:`auditor.inference`), and what to print.

    ``config_path`` may not exist (a setup.py project): then only the layout and
    pytest's own files tell.
    """
    given = {key for key in ("packages", "tests") if overrides.get(key) is not None}
    document = read_document(config_path) if config_path.is_file() else {}
    try:
        inferred = infer_settings(root, document, given)
    except ConfigError as exc:
        raise ConfigError(f"{config_path.name}: no [tool.audit] table and {exc}; "
                          f"{SETUP_HINT}") from missing
    table: dict[str, Any] = {key: overrides[key] for key in given}
    table.update({item.key: item.value for item in inferred})
    return table, describe(inferred, config_path.name, exists=config_path.is_file())
