"""Stryker-style thresholds and gitignore-style module globs in a real mutation run.

One ``audit mutate`` of the shop project with ``thresholds = {high = 90,
low = 50}`` and two ``mutation_modules`` globs, one matching
``shop/pricing.py`` and one matching nothing. Also checks the mutation
phase's progress lines (no terminal: a line at every 10% of the mutants) and the
explanation step's (counted from the lines its child process writes). The kill
matrix's progress lines (another child-process step) are checked on the run of
tests/mutation/test_mutate_e2e.py, which runs the kill matrix anyway.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.mutation.projects import NO_HYPOTHESIS, audit, make_shop, report

pytestmark = pytest.mark.slow


def _expected_level(score: float | None) -> str | None:
    # Stryker's rule on the displayed value: >= high good, >= low warning, else bad
    if score is None:
        return None
    shown = int(score * 100) / 100
    return "high" if shown >= 90 else "medium" if shown >= 50 else "low"


def test_thresholds_colour_levels_and_globs(tmp_path: Path) -> None:
    project = make_shop(
        tmp_path / "p",
        gate='[tool.audit.gate.mutation_modules]\n"shop/*.py" = 10\n"nothing/**" = 50\n',
        # 2 survivors explained: a child-process step that reports progress
        extra="thresholds = {high = 90, low = 50}\nexplain = 2",
    )
    out = tmp_path / "out"
    done = audit("mutate", str(project), "--output", str(out), env=NO_HYPOTHESIS)
    assert done.returncode == 0, done.stderr
    mutation = report(out)["analyses"]["mutation"]

    assert mutation["thresholds"] == {"high": 90, "low": 50}
    assert mutation["score_level"] == _expected_level(mutation["score"])
    for path, module in mutation["modules"].items():
        assert module["score_level"] == _expected_level(module["score"]), path
    # Stryker's viewers get the same numbers
    elements = json.loads((out / "mutation.json").read_text())
    assert elements["thresholds"] == {"high": 90, "low": 50}
    # the colour of the score in the HTML report and its mark in the Markdown one
    level = mutation["score_level"]
    html = (out / "index.html").read_text()
    assert f'<strong class="level-{level}" title="thresholds: high 90%, low 50%">' in html
    mark = {"high": "🟢", "medium": "🟠", "low": "🔴"}[level]
    score_line = next(line for line in (out / "report.md").read_text().splitlines()
                      if line.startswith("Mutation score **"))
    assert score_line.split("**")[2].startswith(f" {mark} (")

    rules = {r["id"]: r for r in report(out)["gate"]["rules"]}
    assert rules["mutation_modules[shop/*.py]:shop/pricing.py"]["status"] == "passed"
    nothing = rules["mutation_modules[nothing/**]"]
    assert nothing["status"] == "skipped"
    assert "no module matches 'nothing/**'" in nothing["reason"]

    # progress lines of the mutation phase: counted, with a percentage, never a bar
    counted = [line for line in done.stderr.splitlines()
               if re.match(r"audit: mutation testing: \d+/\d+ \(\d+%\); ", line)]
    assert counted, done.stderr
    assert counted[-1].split(" ")[4] == "(100%);"
    # the explanation step (a child process writing one line per survivor) is counted too
    assert any(line.startswith("audit: explaining survivors: 2/2 (100%)")
               for line in done.stderr.splitlines()), done.stderr
