"""What an analysis gets to work with while an audit runs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.config import AuditConfig
from auditor.model import TestRun
from auditor.progress import Progress
from auditor.project import PackageLocation
from auditor.timings import PhaseTimings


@dataclass
class AuditContext:
    """Shared state of one audit.

    ``test_run`` and ``coverage_data`` are set when a selected analysis needs
    the project's suite to run (it runs once, under coverage). ``options``
    holds the analysis-specific command-line options of the subcommand.
    """

    config: AuditConfig
    root: Path
    state_dir: Path
    python: str
    packages: list[PackageLocation]
    progress: Progress
    test_run: TestRun | None = None
    coverage_data: Path | None = None
    options: dict[str, Any] = field(default_factory=dict)
    run_dir: Path = field(default=Path())
    """This audit's own scratch folder under ``.audit/`` (test events, logs, coverage
    data); ``state_dir/run`` unless the caller gives one."""
    timings: PhaseTimings = field(default_factory=PhaseTimings)
    """The audit's phase profile: the test run records its phases here."""
    cores: int = field(default_factory=lambda: os.cpu_count() or 1)
    """The CPUs an analysis may keep busy (its default number of workers): all of
    them, or beside the suite the ones it leaves idle (:mod:`auditor.beside`)."""

    def __post_init__(self) -> None:
        if self.run_dir == Path():
            self.run_dir = self.state_dir / "run"

    @property
    def test_paths(self) -> list[Path]:
        return [(self.root / t).resolve() for t in self.config.tests]
