"""The audit history: every ``audit report`` remembered in SQLite, reviewed over time.

Public entry points used by the core:

- :func:`record_run` — store one :class:`~auditor.model.AuditResult` (the runner
  calls it after ``audit report``);
- :func:`regression_rules` — gate rules comparing the current report with the
  latest run on the baseline branch, and the flaky-test limit;
- :data:`HISTORY_GATE_SCHEMA` — the ``[tool.audit.gate]`` keys those rules read.

``audit history``, ``audit review`` and ``audit flaky`` live in :mod:`auditor.history.cli`.
"""

from auditor.history.db import HistoryError
from auditor.history.record import record_run
from auditor.history.regression import HISTORY_GATE_SCHEMA, regression_rules

__all__ = ["HISTORY_GATE_SCHEMA", "HistoryError", "record_run", "regression_rules"]
