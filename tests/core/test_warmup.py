"""The warm-up while the suite runs (auditor/testrun/warmup.py) changes nothing but speed.

- The thread itself: ``finish`` lets the step under way end and skips the
  rest; a failing step is skipped; ``abandon`` does not wait.
- Rendering: every report file written after the warm-up steps equals,
  byte for byte, the one written without them, each in a fresh interpreter,
  from the same result (with the template and highlighting caches of
  ``.audit/`` warm, and cold); the steps themselves write no file.
- A whole audit with the warm-up and one with ``AUDIT_NO_WARM_UP`` give the
  same ``report.json`` apart from what every run measures anew (timings,
  durations, the run folder's name, the time it was made).
- SIGINT during the suite, and the suite's timeout, stop the run while a
  warm-up step is still under way (it never holds the audit).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from auditor.errors import EXIT_INTERRUPTED
from auditor.testrun.runner import NO_WARM_UP
from auditor.testrun.warmup import WarmUp
from tests.faults.processes import (
    MEETING_ENV,
    MEETING_TEST,
    finish,
    is_alive,
    started_pid,
    wait_until,
)
from tests.support.projects import (
    REPO_ROOT,
    make_calc_project,
    measured_anew_removed,
    run_audit,
    tree_digest,
)


def test_finish_lets_the_step_under_way_end_and_skips_the_rest() -> None:
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def first() -> None:
        started.set()
        release.wait(60)
        ran.append("first")

    warming = WarmUp([first, lambda: ran.append("second")]).start()
    assert started.wait(60)
    finisher = threading.Thread(target=warming.finish)
    finisher.start()
    wait_until(lambda: warming.stopping, "finish() asking the thread to stop")
    assert ran == []  # finish() is waiting for the step under way
    release.set()
    finisher.join(60)
    assert not finisher.is_alive()
    assert ran == ["first"]
    assert warming.done == [0]


def test_a_failing_step_is_skipped_and_the_next_ones_run() -> None:
    last = threading.Event()
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("a library that does not import")

    warming = WarmUp([broken, lambda: ran.append("second"), last.set]).start()
    assert last.wait(60)
    warming.finish()
    assert ran == ["second"]
    assert warming.done == [1, 2]


def test_abandon_does_not_wait_for_the_step_under_way() -> None:
    started, release = threading.Event(), threading.Event()
    ended: list[str] = []

    def stuck() -> None:
        started.set()
        release.wait(60)
        ended.append("stuck")

    warming = WarmUp([stuck, lambda: ended.append("next")]).start()
    assert started.wait(60)
    warming.abandon()
    assert ended == []  # abandon() returned while the step is still under way
    release.set()
    warming.finish()
    assert ended == ["stuck"]  # and what came after it never ran


RENDER = """
import json, sys, threading
from pathlib import Path

from auditor.model import AuditResult
from auditor.registry import result_types
from auditor.reports import warm_up_steps, write_reports

document, root, output, warm = sys.argv[1:5]
root = Path(root)
result = AuditResult.from_dict(json.loads(Path(document).read_text()), result_types())
if warm == "warm":  # every step, in a thread of its own, before anything renders
    steps = warm_up_steps(root, list(result.analyses))
    thread = threading.Thread(target=lambda: [step() for step in steps])
    thread.start()
    thread.join()
    from auditor.reports.templates import html_environment, markdown_environment
    if (root / ".audit" / "templates").is_dir():  # (building one would make its folder)
        print("templates loaded:", len(html_environment(root).cache),
              len(markdown_environment(root).cache))
    else:
        print("templates loaded: 0 0 (no cache folder)")
write_reports(result, Path(output), root)
"""


def _render(document: Path, root: Path, output: Path, warm: bool) -> dict[str, bytes]:
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(document), str(root), str(output),
         "warm" if warm else "cold"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    # every report file; not the folder's manifest, which records when it was written
    return {p.name: p.read_bytes() for p in sorted(output.iterdir())
            if p.is_file() and not p.name.startswith(".")}


def _everything(root: Path) -> dict[str, str]:
    """Every file and folder under ``root``, ``.audit/`` included."""
    return tree_digest(root, ignore=())


@pytest.mark.slow
def test_reports_rendered_after_the_warm_up_equal_those_without(tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "p")
    assert run_audit("report", project, "--no-gate").exit_code == 0
    document = tmp_path / "result.json"
    document.write_text((project / "audit-report" / "report.json").read_text())
    for state in ("warm caches", "cold caches"):
        if state == "cold caches":  # no compiled templates, no highlighted lines kept
            for cache in (project / ".audit" / "templates", project / ".audit" / "highlight.json"):
                subprocess.run(["rm", "-rf", str(cache)], check=True)
        # the steps alone write nothing, anywhere in the project
        before = _everything(project)
        warm_only = subprocess.run(
            [sys.executable, "-c", RENDER.replace("write_reports(result", "(result"),
             str(document), str(project), str(tmp_path / "unused"), "warm"],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
        assert warm_only.returncode == 0, warm_only.stderr
        loaded = warm_only.stdout.split("templates loaded:")[1].split()
        if state == "warm caches":  # the page, its pieces and partials; the summary, its partial
            assert int(loaded[0]) >= 3 and int(loaded[1]) >= 2, warm_only.stdout
        else:  # nothing compiled in .audit/: the rendering compiles (and caches) them
            assert loaded[:2] == ["0", "0"], warm_only.stdout
        assert _everything(project) == before, state
        assert not (tmp_path / "unused").exists()
        # each state rendered twice, each time from the same .audit/ state
        snapshot = tmp_path / f"audit-{state.split()[0]}"
        subprocess.run(["cp", "-a", str(project / ".audit"), str(snapshot)], check=True)
        without = _render(document, project, tmp_path / f"{state}-without", warm=False)
        subprocess.run(["rm", "-rf", str(project / ".audit")], check=True)
        subprocess.run(["cp", "-a", str(snapshot), str(project / ".audit")], check=True)
        with_warm_up = _render(document, project, tmp_path / f"{state}-with", warm=True)
        assert set(with_warm_up) >= {"index.html", "report.md", "report.json", "junit.xml"}
        assert with_warm_up == without, state


@pytest.mark.slow
def test_an_audit_with_the_warm_up_reports_what_one_without_reports(tmp_path: Path) -> None:
    reports = {}
    for label, env in (("with", {}), ("without", {NO_WARM_UP: "1"})):
        project = make_calc_project(tmp_path / label)
        done = run_audit("report", project, "--no-gate", env=env)
        assert done.exit_code == 0, done.stderr
        reports[label] = json.loads((project / "audit-report" / "report.json").read_text())
    assert reports["with"]["tests"]["counts"]["passed"] > 0
    with_warm_up = measured_anew_removed(reports["with"], tmp_path / "with")
    without = measured_anew_removed(reports["without"], tmp_path / "without")
    assert with_warm_up == without


STUCK_AUDIT = """
import sys, threading
from pathlib import Path

from auditor.errors import IncompleteAuditError
from auditor.progress import Progress
from auditor.registry import load_config
from auditor.runner import AuditRequest, run_audit

project, meeting = Path(sys.argv[1]), Path(sys.argv[2])
held = threading.Event()


def stuck() -> None:  # a warm-up step that does not end by itself
    (meeting / "warming").write_text("")
    held.wait()


try:
    run_audit(load_config(project), AuditRequest(analyses=["coverage"], warm_up=[stuck]),
              Progress())
except KeyboardInterrupt:
    print("interrupted; the step still under way:", not held.is_set())
    sys.exit(130)
except IncompleteAuditError as exc:
    print("incomplete; the step still under way:", not held.is_set(), exc.message)
    sys.exit(3)
print("finished")
"""


def _start_stuck(project: Path, meeting: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", STUCK_AUDIT, str(project), str(meeting)],
        cwd=REPO_ROOT, env={**os.environ, MEETING_ENV: str(meeting)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


@pytest.mark.slow
def test_sigint_during_the_suite_stops_it_while_a_warm_up_step_is_under_way(
        tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "p", **{"tests/test_meet.py": MEETING_TEST})
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    audit = _start_stuck(project, meeting)
    wait_until(lambda: (meeting / "started-run").exists() and (meeting / "warming").exists(),
               "the suite and the warm-up step", process=audit)
    suite = started_pid(meeting)
    os.killpg(audit.pid, signal.SIGINT)  # as Ctrl-C in a terminal
    done = finish(audit)
    assert done.exit_code == EXIT_INTERRUPTED, done.stderr
    assert "interrupted; the step still under way: True" in done.stdout
    assert not is_alive(suite)


@pytest.mark.slow
def test_the_suites_timeout_stops_it_while_a_warm_up_step_is_under_way(tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "p", **{"tests/test_meet.py": MEETING_TEST})
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        "[tool.audit]\n", "[tool.audit]\ntest_timeout = 2\n", 1))
    meeting = tmp_path / "meeting"  # nobody releases the meeting test: it waits past 2 s
    meeting.mkdir()
    audit = _start_stuck(project, meeting)
    done = finish(audit)
    assert done.exit_code == 3, done.stdout + done.stderr
    assert "incomplete; the step still under way: True" in done.stdout
    assert "did not finish within 2 s" in done.stdout
    assert not is_alive(started_pid(meeting))
