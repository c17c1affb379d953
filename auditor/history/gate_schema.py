"""The ``[tool.audit.gate]`` keys the history's rules read (:mod:`auditor.history.regression`).

A module of its own, importing nothing of the history: the configuration
check needs these keys on every audit, before the suite runs, and the rules'
module imports the history's stores and queries.
"""

from __future__ import annotations

from auditor.model import JSONDict
from auditor.schema_parts import COUNT

HISTORY_GATE_SCHEMA: dict[str, JSONDict] = {
    "no_regression": {
        "type": "object",
        "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$"},
        "additionalProperties": {"type": "number", "minimum": 0},
    },
    "baseline_branch": {"type": "string", "minLength": 1},
    "max_flaky": COUNT,
}
"""Keys the history adds to ``[tool.audit.gate]`` (merged by ``config.full_schema``)."""
