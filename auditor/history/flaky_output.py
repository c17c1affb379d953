"""What ``audit flaky`` leaves behind: ``flaky.json``, ``flaky.md``, replay files, history.

For each flaky test the output folder gets ``flaky/<n>-failing-order.json``
(every test that ran before it in the failing run, then the test) and, when a
cause was found, ``flaky/<n>-minimal-order.json`` (polluter, then the test):
both replay with ``--audit-order-from``. The findings are also recorded in
the history, so that ``audit review`` lists them and ``max_flaky`` counts them.
"""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime
from pathlib import Path

from auditor.config import AuditConfig
from auditor.history.flaky import FlakyReport
from auditor.history.record import flaky_row, record_flaky
from auditor.history.suite import PLUGIN_DIR, SuiteRunner
from auditor.history.url import HistoryTarget


def replay_command(
    runner: SuiteRunner, *, seed: int | None = None, order_file: Path | None = None
) -> str:
    """A shell command that replays a shuffled run or an explicit order."""
    cmd = runner.replay_command(seed=seed, order_file=order_file)
    return f"cd {shlex.quote(str(runner.root))} && PYTHONPATH={shlex.quote(str(PLUGIN_DIR))} " + (
        " ".join(shlex.quote(part) for part in cmd)
    )


def write_flaky_report(report: FlakyReport, config: AuditConfig, runner: SuiteRunner) -> Path:
    """Write ``flaky.json``, ``flaky.md`` and the replay files; return the JSON path."""
    out = config.output
    replay_dir = out / "flaky"
    replay_dir.mkdir(parents=True, exist_ok=True)
    document = report.to_json()
    lines = [
        "# Flaky tests",
        "",
        f"{len(report.runs)} shuffled runs, master seed {report.master_seed}, "
        f"{report.runs_made} suite runs in all (with bisection).",
        "",
    ]
    if not report.findings:
        lines.append("No test changed outcome between runs.")
    for number, (finding, entry) in enumerate(
        zip(report.findings, document["flaky"], strict=True), start=1
    ):
        failing_file = replay_dir / f"{number}-failing-order.json"
        failing_file.write_text(json.dumps(finding.failing_order, indent=1), encoding="utf-8")
        entry["replay_seed"] = replay_command(runner, seed=finding.seed)
        entry["replay_failing_order"] = replay_command(runner, order_file=failing_file)
        lines += [
            f"## {finding.nodeid}",
            "",
            f"- {finding.kind}: {finding.description}",
            f"- passed {finding.passed}×, failed {finding.failed}× in the shuffled runs",
            f"- failing run seed {finding.seed}: `{entry['replay_seed']}`",
            f"- failing order ({len(finding.failing_order)} tests): "
            f"`{entry['replay_failing_order']}`",
        ]
        if finding.minimal_order:
            minimal_file = replay_dir / f"{number}-minimal-order.json"
            minimal_file.write_text(json.dumps(finding.minimal_order, indent=1), encoding="utf-8")
            entry["replay_minimal_order"] = replay_command(runner, order_file=minimal_file)
            lines.append(f"- minimal order: `{entry['replay_minimal_order']}`")
        lines.append("")
    target = out / "flaky.json"
    target.write_text(json.dumps(document, indent=1), encoding="utf-8")
    (out / "flaky.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def record_findings(
    history: HistoryTarget,
    report: FlakyReport,
    commit: str | None,
    branch: str | None,
    project: str | None = None,
) -> int:
    """Store the findings in the history; return how many were new.

    ``project`` is given for a shared (server) history, which holds many projects.
    """
    if not report.findings:
        return 0
    created = datetime.now(UTC).isoformat()
    rows = [
        flaky_row(
            project=project,
            nodeid=f.nodeid,
            kind=f.kind,
            commit=commit,
            branch=branch,
            created=created,
            partner=", ".join(f.partners) or None,
            seed=f.seed,
            detail=f.description,
        )
        for f in report.findings
    ]
    return record_flaky(history, rows)
