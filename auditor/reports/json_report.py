"""``report.json``: the result model as data, and its JSON Schema validation.

The schema is split like the analyses: ``auditor/schema/report.schema.json``
describes the envelope (project, commit, tests, gate) and refers to each
analysis section by ``$ref: "urn:test-auditor:<name>"``; each analysis owns
``auditor/schema/<name>.schema.json`` with that ``$id``; an analysis of
another distribution names its own file in ``report_schema`` (same ``$id``
rule), and its section is referred to from the envelope here. An analysis
whose schema file is not written yet is accepted as any object, so adding an
analysis never breaks validation of the others.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.errors import UsageError
from auditor.model import AuditResult
from auditor.registry import report_schemas
from auditor.reports.sources import SourceReader

if TYPE_CHECKING:  # imported where a report is validated: writing one needs neither
    import jsonschema
    from jsonschema.exceptions import ValidationError

FILENAME = "report.json"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
URN_PREFIX = "urn:test-auditor:"
TOP_LEVEL_SCHEMA = "report"


class InvalidReportError(UsageError):
    """A ``report.json`` document does not match the schema (exit code 2 when read as input)."""


def render(result: AuditResult, sources: SourceReader) -> str:
    del sources
    return json.dumps(result.to_dict(), indent=2, sort_keys=True) + "\n"


def _referenced_urns(schema: Any) -> set[str]:
    """Every ``urn:test-auditor:*`` that ``schema`` refers to."""
    found: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(URN_PREFIX):
            found.add(ref)
        for value in schema.values():
            found |= _referenced_urns(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _referenced_urns(value)
    return found


@cache
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema
    import referencing
    import referencing.jsonschema

    schemas: dict[str, Any] = {}
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        expected = URN_PREFIX + path.name.removesuffix(".schema.json")
        if schema.get("$id") != expected:
            raise ValueError(f"{path}: $id must be {expected!r}, not {schema.get('$id')!r}")
        schemas[expected] = schema
    top = schemas[URN_PREFIX + TOP_LEVEL_SCHEMA]
    for name, path in report_schemas().items():
        schema = json.loads(path.read_text(encoding="utf-8"))
        expected = URN_PREFIX + name
        if schema.get("$id") != expected:
            raise ValueError(f"{path}: $id must be {expected!r}, not {schema.get('$id')!r}")
        schemas[expected] = schema
        top["properties"]["analyses"]["properties"][name] = {"$ref": expected}
    for urn in _referenced_urns(top) - set(schemas):
        # An analysis whose schema is not written yet: any object.
        schemas[urn] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": urn,
            "type": "object",
        }
    registry: referencing.Registry[Any] = referencing.Registry().with_resources(
        (urn, referencing.jsonschema.DRAFT202012.create_resource(schema))
        for urn, schema in schemas.items()
    )
    cls = jsonschema.validators.validator_for(top)
    cls.check_schema(top)
    validator: jsonschema.protocols.Validator = cls(
        top, registry=registry, format_checker=cls.FORMAT_CHECKER
    )
    return validator


def _location(error: ValidationError) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def report_errors(document: Any) -> list[str]:
    """Every schema violation of ``document``, as ``$.path: message`` lines."""
    errors = sorted(_validator().iter_errors(document), key=_location)
    return [f"${_location(e)}: {e.message}" for e in errors]


def validate_report(document: Any, source: str = FILENAME) -> None:
    """Raise :class:`InvalidReportError` naming the first violation (and how many more)."""
    errors = report_errors(document)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidReportError(f"{source}: does not match the report schema: {errors[0]}{more}")
