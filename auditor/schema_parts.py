"""JSON Schema pieces shared by the configuration of the core and of every analysis.

A leaf module (it imports nothing of ours), so that an analysis can use the
same ``PERCENT`` and ``COUNT`` as the core without importing the
configuration loader, which would import the registry, which imports the
analyses: the cycle this module exists to avoid.
"""

from __future__ import annotations

from typing import Any

PERCENT: dict[str, Any] = {"type": "number", "minimum": 0, "maximum": 100}
COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string", "minLength": 1}}
