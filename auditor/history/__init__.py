"""The audit history: every ``audit report`` remembered in SQLite, reviewed over time.

Public entry points used by the core:

- :func:`record_run` — store one :class:`~auditor.model.AuditResult` (the runner
  calls it after ``audit report``);
- :func:`regression_rules` — gate rules comparing the current report with the
  latest run on the baseline branch, and the flaky-test limit;
- :data:`HISTORY_GATE_SCHEMA` — the ``[tool.audit.gate]`` keys those rules read.

``audit history``, ``audit review`` and ``audit flaky`` live in :mod:`auditor.history.cli`.

Each name is imported from its module when first asked for (PEP 562): a
module of the package (``auditor.history.db``) can be imported without the
stores and queries the others bring.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.history.db import HistoryError
    from auditor.history.gate_schema import HISTORY_GATE_SCHEMA
    from auditor.history.record import record_run
    from auditor.history.regression import regression_rules

__all__ = ["HISTORY_GATE_SCHEMA", "HistoryError", "record_run", "regression_rules"]

_WHERE = {
    "HistoryError": "auditor.history.db",
    "HISTORY_GATE_SCHEMA": "auditor.history.gate_schema",
    "record_run": "auditor.history.record",
    "regression_rules": "auditor.history.regression",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
