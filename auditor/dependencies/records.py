"""The plugin's per-test records (``dependencies.jsonl``) read into dataclasses.

One JSON line per test, written by ``audit_dependencies.py`` during the one
test run: the real resources the test used (``uses``: kind, key, count and
details) and the patches active while it ran (``patches``: target, the
module of the value replaced, and by what).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.errors import IncompleteAuditError

RECORDS_FILE = "dependencies.jsonl"


@dataclass(frozen=True)
class Use:
    """One real resource a test used (``kind``: socket, database, http, subprocess, file)."""

    kind: str
    key: str
    count: int = 1
    loopback: bool | None = None
    argv: tuple[str, ...] = ()

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Use:
        loopback = data.get("loopback")
        return cls(str(data["kind"]), str(data["key"]), int(data.get("count", 1)),
                   None if loopback is None else bool(loopback),
                   tuple(str(a) for a in data.get("argv", ())))  # fmt: skip


@dataclass(frozen=True)
class Patch:
    """A patch active during a test: ``target`` (``module.attr``) and what it replaced."""

    target: str
    replaces: str
    by: str

    def concerns(self, dependency: str) -> bool:
        """Whether this patch stands in for ``dependency`` (or a part of it)."""
        return any(name == dependency or name.startswith(dependency + ".")
                   for name in (self.target, self.replaces))  # fmt: skip


@dataclass
class TestRecord:
    nodeid: str
    markers: list[str] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.nodeid.split("::", 1)[0]

    def used(self, kinds: frozenset[str]) -> bool:
        return any(u.kind in kinds for u in self.uses)

    def patched(self, dependency: str) -> list[Patch]:
        return [p for p in self.patches if p.concerns(dependency)]


def read_records(path: Path) -> list[TestRecord]:
    """The records of a run; a missing file means the plugin never ran."""
    if not path.is_file():
        raise IncompleteAuditError(
            f"dependencies: the test run wrote no {path.name} (did pytest start?)")
    records: dict[str, TestRecord] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        data = json.loads(line)
        records[data["nodeid"]] = TestRecord(
            nodeid=str(data["nodeid"]),
            markers=[str(m) for m in data.get("markers", [])],
            uses=[Use.from_record(u) for u in data.get("uses", [])],
            patches=[Patch(str(p["target"]), str(p.get("replaces", "")), str(p["by"]))
                     for p in data.get("patches", [])],
        )  # fmt: skip
    return list(records.values())
