"""The smallest analysis result of the findings contract, for tests of generic formats.

Any analysis could hand out these findings; tests build them by hand so the
expected output of a format is countable by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from auditor.findings import Finding
from auditor.metrics import Metric


@dataclass
class FoundResult:
    """The smallest analysis result of the contract: findings and nothing else."""

    name: ClassVar[str] = "found"
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FoundResult:
        return cls()

    def headline_metrics(self) -> dict[str, Metric]:
        return {}

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        return {}

    def finding_counts(self) -> dict[str, int]:
        return {}

    def report_findings(self) -> list[Finding]:
        return list(self.findings)
