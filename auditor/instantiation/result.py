"""Instantiation results: each public class of the packages and whether a test built one.

``status`` of a class: ``instantiated`` (an instance of exactly this class
was created during the test run), ``at-import`` (no test built one, but its
module built instances when it was imported: module constants the tests
use), ``never`` (its module was imported, no
instance was made), ``not-imported`` (no test imported its module) or
``excluded`` (an enum, protocol, abstract class or typed dict: ``reason``
says which; nobody instantiates those directly).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import ClassVar

from auditor.findings import Finding, fingerprint
from auditor.metrics import COUNT, HIGHER, LOWER, PERCENT, Metric, MetricSpec
from auditor.model import JSONDict

INSTANTIATED = "instantiated"
AT_IMPORT = "at-import"
BUILT = (INSTANTIATED, AT_IMPORT)
NEVER = "never"
NOT_IMPORTED = "not-imported"
EXCLUDED = "excluded"
UNTESTED = (NEVER, NOT_IMPORTED)

METRICS: dict[str, MetricSpec] = {
    "public_classes": MetricSpec(COUNT, HIGHER, "public classes"),
    "uninstantiated_classes": MetricSpec(COUNT, LOWER, "public classes no test instantiates"),
    "instantiated_percent": MetricSpec(PERCENT, HIGHER, "public classes instantiated by tests"),
}

_TITLE = "no test instantiates this public class"
_HELP = (
    "During the test run no instance of this class was created (its __init__ never ran "
    "for it), so no test checks how it is built or used. Write a test that constructs it, "
    "or make it private if it is not part of the module's interface."
)


@dataclass(frozen=True)
class ClassStatus:
    module: str
    name: str
    path: str
    line: int
    status: str
    reason: str = ""


@dataclass
class InstantiationResult:
    name: ClassVar[str] = "instantiation"

    classes: list[ClassStatus] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def counted(self) -> list[ClassStatus]:
        return [c for c in self.classes if c.status != EXCLUDED]

    @property
    def untested(self) -> list[ClassStatus]:
        return [c for c in self.classes if c.status in UNTESTED]

    def percent(self) -> float | None:
        counted = self.counted
        if not counted:
            return None
        done = sum(1 for c in counted if c.status in BUILT)
        return float(Fraction(done * 100, len(counted)))

    def modules(self) -> dict[str, JSONDict]:
        """Per file: its module and the public classes no test instantiates."""
        out: dict[str, JSONDict] = {}
        for c in self.classes:
            entry = out.setdefault(c.path, {"module": c.module, "classes": 0, "uninstantiated": []})
            if c.status != EXCLUDED:
                entry["classes"] += 1
            if c.status in UNTESTED:
                entry["uninstantiated"].append(c.name)
        return dict(sorted(out.items()))

    def to_dict(self) -> JSONDict:
        return {
            "class_count": len(self.counted),
            "uninstantiated_count": len(self.untested),
            "instantiated_percent": self.percent(),
            "classes": [asdict(c) for c in self.classes],
            "modules": self.modules(),
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: JSONDict) -> InstantiationResult:
        return cls(
            classes=[ClassStatus(str(c["module"]), str(c["name"]), str(c["path"]),
                                 int(c["line"]), str(c["status"]), str(c.get("reason", "")))
                     for c in data.get("classes", [])],
            notes=[str(n) for n in data.get("notes", [])],
        )

    def headline_metrics(self) -> dict[str, Metric]:
        values: dict[str, float] = {"public_classes": len(self.counted),
                                    "uninstantiated_classes": len(self.untested)}
        percent = self.percent()
        if percent is not None:
            values["instantiated_percent"] = percent
        return {name: METRICS[name].of(value) for name, value in values.items()}

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        spec = METRICS["uninstantiated_classes"]
        return {path: {"uninstantiated_classes": spec.of(len(m["uninstantiated"]))}
                for path, m in self.modules().items() if m["classes"]}

    def finding_counts(self) -> dict[str, int]:
        return {"class-never-instantiated": len(self.untested)} if self.untested else {}

    def report_findings(self) -> list[Finding]:
        return [
            Finding(
                analysis="instantiation", rule="class-never-instantiated", severity="warning",
                path=c.path, line=c.line,
                message=f"{c.module}.{c.name}: no test instantiates it"
                        + (" (no test imports its module)" if c.status == NOT_IMPORTED else ""),
                fingerprint=fingerprint("class-never-instantiated", c.module, c.name),
                title=_TITLE, help=_HELP,
            )
            for c in self.untested
        ]
