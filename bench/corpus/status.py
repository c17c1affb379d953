"""The committed coverage status of each corpus project, and the ratchet over it.

``coverage_status.json`` says, per project, what the comparison of the
audit's coverage totals with coverage.py's own by-hand run gave when it was
last raised: ``equal``, ``differs`` (the audit completed, but its totals or
the project tree differ; the reason says which) or ``fails`` (the audit did
not complete, or printed a traceback). CI fails when a project's result is
worse than its committed status, so fixes land one project at a time and
nothing slides back.

Stdlib only: the corpus scripts and a unit test both read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

STATUS_FILE = Path(__file__).resolve().parent / "coverage_status.json"
SCHEMA = 1
# Worst first: a result ranks "worse" when its index is lower.
RANKS = ("fails", "differs", "equal")


class StatusError(Exception):
    """The status file is missing, malformed, or disagrees with projects.toml."""


@dataclass(frozen=True)
class Totals:
    """Line and branch counts of one measurement."""

    statements: int
    covered_lines: int
    branches: int
    covered_branches: int

    @staticmethod
    def percent(covered: int, total: int) -> float:
        # Same convention as coverage.py's report: nothing to cover is 100%.
        return 100.0 * covered / total if total else 100.0

    @property
    def line_percent(self) -> float:
        return self.percent(self.covered_lines, self.statements)

    @property
    def branch_percent(self) -> float:
        return self.percent(self.covered_branches, self.branches)

    def as_json(self) -> dict[str, int]:
        return {
            "statements": self.statements, "covered_lines": self.covered_lines,
            "branches": self.branches, "covered_branches": self.covered_branches,
        }

    @classmethod
    def from_json(cls, data: object, where: str) -> Totals:
        if not isinstance(data, dict):
            raise StatusError(f"{where}: expected an object of counts")
        values = {}
        for key in ("statements", "covered_lines", "branches", "covered_branches"):
            value = data.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise StatusError(f"{where}: {key} must be a non-negative integer")
            values[key] = value
        return cls(**values)


@dataclass(frozen=True)
class Status:
    """One project's committed (or just measured) result."""

    status: str  # one of RANKS
    reason: str  # why it is not equal ("" when equal)
    audit: Totals | None = None  # our totals, when the audit completed
    coverage_py: Totals | None = None  # coverage.py's by-hand totals, when it ran
    # The diagnosis written by hand (what setting or mechanism causes it);
    # kept by --update while the status stays the same.
    cause: str = ""
    # A project whose own suite is nondeterministic: --update leaves it as
    # committed (an "equal" by luck would make later runs fail the ratchet).
    pinned: bool = False

    @property
    def rank(self) -> int:
        return RANKS.index(self.status)

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"status": self.status, "reason": self.reason}
        if self.cause:
            data["cause"] = self.cause
        if self.pinned:
            data["pinned"] = True
        if self.audit is not None:
            data["audit"] = self.audit.as_json()
        if self.coverage_py is not None:
            data["coverage.py"] = self.coverage_py.as_json()
        return data


def parse_status(data: object, where: str) -> Status:
    if not isinstance(data, dict):
        raise StatusError(f"{where}: expected an object")
    status, reason = data.get("status"), data.get("reason")
    if status not in RANKS:
        raise StatusError(f"{where}: status must be one of {', '.join(RANKS)}, not {status!r}")
    if not isinstance(reason, str):
        raise StatusError(f"{where}: reason must be a string")
    cause = data.get("cause", "")
    if not isinstance(cause, str):
        raise StatusError(f"{where}: cause must be a string")
    if status != "equal" and not reason.strip():
        raise StatusError(f"{where}: a {status!r} status needs its reason")
    audit = Totals.from_json(data["audit"], f"{where}.audit") if "audit" in data else None
    oracle = (
        Totals.from_json(data["coverage.py"], f"{where}.coverage.py")
        if "coverage.py" in data else None
    )
    if status == "equal" and (audit is None or audit != oracle):
        raise StatusError(f"{where}: an 'equal' status needs equal audit and coverage.py totals")
    pinned = data.get("pinned", False)
    if not isinstance(pinned, bool):
        raise StatusError(f"{where}: pinned must be true or false")
    if pinned and not cause.strip():
        raise StatusError(f"{where}: a pinned status needs its cause")
    return Status(str(status), reason, audit, oracle, cause, pinned)


def load_status(path: Path = STATUS_FILE) -> dict[str, Status]:
    """Project name -> committed status."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise StatusError(f"{path.name}: {error}") from error
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise StatusError(f"{path.name}: expected an object with \"schema\": {SCHEMA}")
    projects = data.get("projects")
    if not isinstance(projects, dict):
        raise StatusError(f"{path.name}: \"projects\" must be an object")
    return {name: parse_status(entry, f"{path.name}: {name}") for name, entry in projects.items()}


def write_status(statuses: dict[str, Status], path: Path = STATUS_FILE) -> None:
    document = {
        "schema": SCHEMA,
        "about": "Expected result of bench/corpus_coverage.py per project (a ratchet: "
                 "CI fails when a result is worse; --update raises it).",
        "projects": {name: statuses[name].as_json() for name in sorted(statuses)},
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
