"""The history's text commands load no chart library (issue 15: a library loads where used).

``audit history`` prints a table, and ``audit review`` refuses a missing
history, without matplotlib: it costs about 0.6 s of CPU to import, and only
the review's charts draw with it. Checked by ``sys.modules`` in a fresh
interpreter (as tests/core/test_startup_imports.py does), never by time; the
table's values are the recorded runs' (tests/history/review_fixture.py: run 2
has 12 of 15 lines, 80.00%).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from auditor.errors import EXIT_USAGE
from tests.history.review_fixture import record_two_runs
from tests.support.projects import make_calc_project

# `audit ARGS` in this interpreter, then whether matplotlib was imported (last line)
RUN_CLI = """
import json, runpy, sys
sys.argv = ["audit", *json.loads(sys.argv[1])]
code = 0
try:
    runpy.run_module("auditor", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
print()
print(json.dumps({"code": code, "matplotlib": "matplotlib" in sys.modules}))
"""


def _run(*args: str | Path) -> tuple[dict[str, object], str, str]:
    done = subprocess.run([sys.executable, "-c", RUN_CLI, json.dumps([str(a) for a in args])],
                          capture_output=True, text=True, timeout=120, check=False)
    *printed, last = done.stdout.rstrip("\n").splitlines()
    return json.loads(last), "\n".join(printed), done.stderr


def test_the_history_table_loads_no_chart_library(tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "calc")
    record_two_runs(project / "history.db")
    outcome, printed, stderr = _run("history", project, "--history", project / "history.db")
    assert outcome == {"code": 0, "matplotlib": False}, stderr
    assert "80.00%" in printed  # run 2's line coverage, 12 of 15 lines


def test_a_review_without_history_fails_before_loading_charts(tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "calc")
    outcome, _, stderr = _run("review", project, "--history", project / "none.db")
    assert outcome == {"code": EXIT_USAGE, "matplotlib": False}
    assert "no history yet" in stderr


def test_a_review_loads_it_to_draw(tmp_path: Path) -> None:
    """The positive control: the check sees the import where the charts are drawn."""
    project = make_calc_project(tmp_path / "calc")
    record_two_runs(project / "history.db")
    outcome, _, stderr = _run("review", project, "--history", project / "history.db",
                              "--since", "7d")
    assert outcome == {"code": 0, "matplotlib": True}, stderr
    # written as a plain open() would be, under the umask (mkstemp alone makes 0600)
    umask = os.umask(0)
    os.umask(umask)
    for name in ("review.html", "review.md"):
        mode = stat.S_IMODE((project / "audit-report" / name).stat().st_mode)
        assert mode == 0o666 & ~umask, (name, oct(mode))
