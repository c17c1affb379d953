"""Running the project's suite in a chosen order (for ``audit flaky``).

Each run is a real ``python -m pytest`` subprocess with the standalone
``audit_shuffle_plugin`` on ``PYTHONPATH``, in the project root, with the
project's interpreter and environment (:func:`auditor.project.tool_environment`),
``-p no:cacheprovider`` and no bytecode writing: nothing is written into the
user's tree except the run's own files under ``.audit/flaky/``. Each run is
bounded by ``[tool.audit] test_timeout`` and runs in its own session, so a
hanging test is stopped together with every process it started.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import IncompleteAuditError
from auditor.project import tool_environment
from auditor.testrun.process_group import stop_process_group

PLUGIN_DIR = Path(__file__).resolve().parent / "flaky_plugin"
PLUGIN = "audit_shuffle_plugin"
FAILING = ("failed", "error")
# pytest's exit codes: 0 all passed, 1 some failed, 5 nothing collected.
_PYTEST_OK = (0, 1, 5)


@dataclass
class SuiteRun:
    """One run: its seed (or explicit order), the executed order and outcomes."""

    seed: int | None
    order: list[str]
    outcomes: dict[str, str]
    exit_code: int
    explicit_order: list[str] | None = None

    def failed(self, nodeid: str) -> bool:
        return self.outcomes.get(nodeid) in FAILING

    def passed(self, nodeid: str) -> bool:
        return self.outcomes.get(nodeid) == "passed"


@dataclass
class SuiteRunner:
    """Runs the project's suite; counts the runs it made (for the report)."""

    root: Path
    python: str
    test_paths: list[str]
    work_dir: Path
    pytest_args: list[str] = field(default_factory=list)
    timeout: float = 1800.0
    import_roots: list[Path] = field(default_factory=list)
    """Folders the packages import from besides the root (``src/``), as in the audit's run."""
    runs_made: int = 0

    def command(self, *, seed: int | None, order_file: Path | None, report: Path) -> list[str]:
        """The recorded run: quiet, with the executed order written to ``report``."""
        quiet = ["-q", "--no-header", "-rN", f"--audit-order-report={report}"]
        return self._pytest(seed, order_file, quiet)

    def replay_command(self, *, seed: int | None, order_file: Path | None) -> list[str]:
        """The same run for a person to replay, with pytest's normal output."""
        return self._pytest(seed, order_file, [])

    def _pytest(self, seed: int | None, order_file: Path | None, extra: list[str]) -> list[str]:
        cmd = [
            self.python, "-m", "pytest",
            "-p", PLUGIN, "-p", "no:cacheprovider", "-p", "no:randomly",
            *extra,
        ]
        if seed is not None:
            cmd.append(f"--audit-shuffle-seed={seed}")
        if order_file is not None:
            cmd.append(f"--audit-order-from={order_file}")
        return [*cmd, *self.pytest_args, *self.test_paths]

    def run(self, *, seed: int | None = None, order: list[str] | None = None) -> SuiteRun:
        """Run once, shuffled with ``seed`` or in exactly ``order``."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.runs_made += 1
        report = self.work_dir / f"run-{self.runs_made}.json"
        order_file = None
        if order is not None:
            order_file = self.work_dir / f"order-{self.runs_made}.json"
            order_file.write_text(json.dumps(order), encoding="utf-8")
        cmd = self.command(seed=seed, order_file=order_file, report=report)
        returncode, output = self._execute(cmd)
        if returncode not in _PYTEST_OK or not report.is_file():
            # no report with a "good" exit code: the session was cut short
            # (os._exit in a test), which is not a run whose order we can judge
            tail = output.strip().splitlines()[-5:]
            raise IncompleteAuditError(
                f"pytest exited with code {returncode}"
                + ("" if report.is_file() else " before it finished its session")
                + f" ({' / '.join(tail) or 'no output'})"
            )
        data = json.loads(report.read_text(encoding="utf-8"))
        return SuiteRun(
            seed=seed,
            order=list(data["order"]),
            outcomes=dict(data["outcomes"]),
            exit_code=returncode,
            explicit_order=order,
        )

    def _execute(self, cmd: list[str]) -> tuple[int, str]:
        """Run one pytest in its own session; at ``timeout`` stop it and all it started."""
        process = subprocess.Popen(
            cmd,
            cwd=self.root,
            env=tool_environment(self.python, [PLUGIN_DIR, *self.import_roots]),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            stop_process_group(process)
            process.communicate()
            raise IncompleteAuditError(
                f"shuffled test run {self.runs_made} did not finish within {self.timeout:g} s "
                f"([tool.audit] test_timeout); it was stopped; replay: {' '.join(cmd)}"
            ) from None
        except BaseException:
            stop_process_group(process)
            raise
        return process.returncode, output
