"""Each test's level (unit, integration, end-to-end) and the pyramid against its target.

- **unit**: the test used no real resource;
- **integration**: it used one (a database, a socket, an HTTP request, a
  subprocess, a file written outside the temporary folders);
- **end-to-end**: a marker says so, or it ran the project's own entry point
  in a subprocess (a ``[project.scripts]`` command, or ``python -m`` on one of
  its packages) and used a socket.

A marker (``[tool.audit.dependencies] markers``) or a node-id pattern
(``levels``) overrides what was seen: the team knows a test that only looks
like a unit test.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from auditor.dependencies.records import TestRecord

UNIT = "unit"
INTEGRATION = "integration"
E2E = "e2e"
LEVELS = (UNIT, INTEGRATION, E2E)
DEFAULT_TARGET = {UNIT: 70.0, INTEGRATION: 20.0, E2E: 10.0}
DEFAULT_MARKERS = {
    E2E: ["e2e", "end_to_end", "endtoend"],
    INTEGRATION: ["integration"],
    UNIT: ["unit"],
}
_REAL_KINDS = frozenset({"socket", "database", "http", "subprocess", "file"})


@dataclass(frozen=True)
class Level:
    level: str
    reason: str


@dataclass(frozen=True)
class EntryPoints:
    """How the project is started: its console scripts and its package names."""

    scripts: frozenset[str]
    packages: frozenset[str]

    def started_by(self, argv: tuple[str, ...]) -> bool:
        if not argv:
            return False
        if os.path.basename(argv[0]) in self.scripts:
            return True
        for flag, value in itertools.pairwise(argv):
            if flag == "-m" and value.split(".")[0] in self.packages:
                return True
        return False


def entry_points(root: Path, packages: list[str]) -> EntryPoints:
    """The project's ``[project.scripts]`` names (from its pyproject.toml) and packages."""
    scripts: set[str] = set()
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        data = {}
    project = data.get("project", {})
    for table in ("scripts", "gui-scripts"):
        value = project.get(table, {}) if isinstance(project, dict) else {}
        if isinstance(value, dict):
            scripts.update(str(name) for name in value)
    return EntryPoints(frozenset(scripts), frozenset(p.split(".")[0] for p in packages))


def classify(record: TestRecord, entry: EntryPoints, markers: dict[str, list[str]],
             patterns: dict[str, str]) -> Level:
    """The level of one test, and why."""
    for pattern, level in patterns.items():
        if fnmatch.fnmatchcase(record.nodeid, pattern):
            return Level(level, f"[tool.audit.dependencies] levels: {pattern}")
    for level in (E2E, INTEGRATION, UNIT):
        marked = sorted(set(markers.get(level, [])) & set(record.markers))
        if marked:
            return Level(level, f"marker {marked[0]}")
    real = [u for u in record.uses if u.kind in _REAL_KINDS]
    if not real:
        return Level(UNIT, "no real dependency")
    own = [u for u in real if u.kind == "subprocess" and entry.started_by(u.argv)]
    if own and any(u.kind in ("socket", "http") for u in real):
        return Level(E2E, f"runs the project's entry point ({own[0].key[:80]}) and a socket")
    kinds = sorted({u.kind for u in real})
    return Level(INTEGRATION, "real " + ", ".join(kinds))


def percentages(counts: dict[str, int]) -> dict[str, float | None]:
    """Each level's share of the tests (exact fractions, rounded later by the one rule)."""
    total = sum(counts.values())
    return {level: float(Fraction(counts.get(level, 0) * 100, total)) if total else None
            for level in LEVELS}  # fmt: skip


def off_target_points(counts: dict[str, int], target: dict[str, float]) -> float | None:
    """How far the pyramid is from its target: half the sum of the gaps, in points.

    0 is exactly on target; 100 is as far as it gets (every test on a level
    the target gives 0%). It is the share of tests that would have to change
    level to reach the target.
    """
    total = sum(counts.values())
    if not total:
        return None
    gaps = sum(abs(Fraction(counts.get(level, 0) * 100, total) - Fraction(str(target[level])))
               for level in LEVELS)  # fmt: skip
    return float(gaps / 2)
