"""The worker beside the suite, driven in this process (auditor/beside.py, beside_worker.py).

A real worker process on the calc project, without a suite: what it hands
back for typecheck's ``run`` equals what that ``run`` returns here, mocks's
``prepare`` leaves the mocks parse cache filled (the audit's own pass then
reads every file from it), its phases are marked as beside the suite, and
an error the worker cannot pickle still comes back as an error that says
what it was. The whole-audit behaviour (same reports, interrupts, a dying
worker) is tests/core/test_beside.py.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from auditor.beside import PREPARE, RUN, BesideSuite, beside_work
from auditor.beside_worker import _picklable
from auditor.context import AuditContext
from auditor.progress import Progress
from auditor.registry import get_analysis, load_config
from auditor.runner import build_context
from auditor.timings import PhaseTimings
from tests.support.projects import make_calc_project


def _context(project: Path, run_dir: Path) -> AuditContext:
    ctx = build_context(load_config(project), Progress(stream=io.StringIO(), live=False), {})
    ctx.run_dir = run_dir
    run_dir.mkdir(parents=True)
    return ctx


def _without_times(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "seconds"}


def test_the_worker_hands_back_what_run_returns_and_fills_the_parse_cache(
        tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "p")
    (project / "src/calc/typed.py").write_text("def half(x: int) -> int:\n    return x / 2\n")
    ctx = _context(project, tmp_path / "run")
    work = [("mocks", PREPARE), ("typecheck", RUN)]
    assert beside_work(ctx, ["coverage", "imports", "mocks", "typecheck"]) == work
    timings = PhaseTimings()
    outcome = BesideSuite(ctx, work).start().finish(timings)

    typecheck = outcome.entries["typecheck"]
    assert typecheck.error is None
    direct = get_analysis("typecheck").run(_context(project, tmp_path / "direct"))
    assert _without_times(typecheck.result.to_dict()) == _without_times(direct.to_dict())
    assert [e["line"] for e in typecheck.result.to_dict()["errors"]] == [2]  # int / 2 is float
    assert "typecheck: mypy" in typecheck.lines  # printed by the audit at its turn

    assert outcome.entries["mocks"].result is None and outcome.entries["mocks"].error is None
    mocks = get_analysis("mocks").run(ctx)
    assert mocks.files_analyzed > 0
    assert mocks.cache_hits == mocks.files_analyzed + 4  # the test file and the 4 modules

    names = {e.phase.name: e.phase.beside for e in outcome.entries.values() if e.phase}
    assert names == {"analysis:typecheck": "test_run", "analysis:mocks:prepare": "test_run"}
    waited = [p for p in timings.phases if p.name == "beside_suite_wait"]
    assert len(waited) == 1 and not waited[0].beside


def test_nothing_runs_beside_the_suite_when_the_configuration_says_so(tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "p", "beside_suite = false\n")
    ctx = _context(project, tmp_path / "run")
    assert ctx.config.beside_suite is False
    assert beside_work(ctx, ["coverage", "imports", "mocks", "typecheck"]) == []


class _Unpicklable(Exception):
    def __init__(self, code: int, detail: str) -> None:  # two arguments: no plain unpickling
        super().__init__(f"{code}: {detail}")


def test_an_error_that_cannot_travel_comes_back_as_one_that_says_what_it_was() -> None:
    kept = ValueError("plain")
    assert _picklable(kept) is kept
    changed = _picklable(_Unpicklable(7, "seven"))
    assert isinstance(changed, RuntimeError)
    assert str(changed) == "_Unpicklable: 7: seven"


def test_a_request_that_cannot_be_pickled_leaves_every_analysis_to_the_audit(
        tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "p")
    ctx = _context(project, tmp_path / "run")
    said = io.StringIO()
    ctx.progress = Progress(stream=said, live=False)
    ctx.options = {"a hook": lambda: None}  # no option value is a function; one that is
    outcome = BesideSuite(ctx, [("typecheck", RUN)]).start().finish(PhaseTimings())
    assert outcome.entries == {}
    assert "beside the suite: not started" in said.getvalue()
    assert "every analysis runs after the suite" in said.getvalue()
