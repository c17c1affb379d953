"""In a CI job: summary and annotations on stdout, in order; progress in the log; no wrapping.

One real audit of the small calc project, run the way GitHub Actions runs
it (``GITHUB_ACTIONS=true``, ``GITHUB_STEP_SUMMARY`` naming a file, no
terminal). One of its tests sleeps 11 s, longer than the 10 s the log may
stay silent while a phase runs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.projects import make_calc_project, run_audit

pytestmark = pytest.mark.slow

SLOW_TEST = """
    import time


    def test_takes_its_time():
        time.sleep(11)
"""
LONG_OUTPUT = "reports-" + "x" * 120


def test_a_github_actions_job_log(tmp_path: Path) -> None:
    root = make_calc_project(
        tmp_path / "calc",
        extra_config="\n[tool.audit.gate]\nline = 99\n",
        **{"tests/test_slow.py": SLOW_TEST},
    )
    summary = tmp_path / "step-summary.md"
    summary.write_text("## an earlier step\n", encoding="utf-8")
    run = run_audit("coverage", root, "--output", LONG_OUTPUT,
                    env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert run.exit_code == 1, run.stderr

    # The verdict and the annotations: stdout, the verdict first; none on stderr.
    out = run.stdout.splitlines()
    verdict = next(i for i, line in enumerate(out) if line.startswith("Gate FAILED"))
    first_annotation = next(i for i, line in enumerate(out) if line.startswith("::"))
    assert verdict < first_annotation
    assert out[first_annotation].startswith("::error title=gate rule line failed::")
    assert out[first_annotation].endswith("50.00%25 < threshold 99.00%25")  # 8 of 16 statements run
    assert "Gate FAILED" not in run.stderr and "::error" not in run.stderr

    # Not a terminal: a long line is one line.
    assert f"reports: {root / LONG_OUTPUT} (" in run.stdout

    # The 11 s test: a progress line came at least every 10 s while it ran
    # (3 of the 4 tests are done then, so the line counts them).
    during = [line for line in run.stderr.splitlines()
              if re.fullmatch(r"audit: tests: 3/4 \(75%\); 1\ds elapsed", line)]
    assert during, run.stderr

    # The step summary: what was there, then report.md as written.
    report = (root / LONG_OUTPUT / "report.md").read_text(encoding="utf-8")
    assert summary.read_text(encoding="utf-8") == "## an earlier step\n" + report
