"""The review looks at one project and one branch by default, named as the project names itself.

Three real audits of the calc project (its folder is ``work``, its
``[project].name`` is ``calc``): two on ``main``, one on a feature branch.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.history.scope import branch_of_ref
from tests.support.projects import git, init_repo, make_calc_project, read_report, run_audit


def _runs_in(review_md: str) -> str:
    header = next(line for line in review_md.splitlines() if line.startswith("Since "))
    return header.split(" · ")[-1]


@pytest.mark.slow
def test_review_defaults_to_one_branch_and_the_project_name(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path / "work")
    init_repo(root)
    for _ in range(2):
        assert run_audit("report", root).exit_code == 0
    git(root, "checkout", "-q", "-b", "feature")
    assert run_audit("report", root).exit_code == 0
    assert read_report(root)["project"] == "calc"  # not the folder's name

    # On the feature branch, nothing configured: the branch checked out.
    done = run_audit("review", root, "--output", "rv")
    assert done.exit_code == 0, done.stderr
    assert "review of calc: branch feature (checked out now)" in done.stdout
    text = (root / "rv" / "review.md").read_text()
    assert text.startswith("# Test review: calc\n")
    assert "· branch feature ·" in text and _runs_in(text) == "1 run"

    # Every branch when asked: the 3 runs.
    done = run_audit("review", root, "--output", "rv", "--all-branches")
    assert done.exit_code == 0, done.stderr
    text = (root / "rv" / "review.md").read_text()
    assert "· all branches ·" in text and _runs_in(text).startswith("3 runs")

    # A base branch configured: its runs, whatever is checked out.
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        'analyses = ["coverage"]', 'analyses = ["coverage"]\nbase = "main"'))
    done = run_audit("review", root, "--output", "rv")
    assert done.exit_code == 0, done.stderr
    assert "branch main (the base branch, [tool.audit] base)" in done.stdout
    text = (root / "rv" / "review.md").read_text()
    assert "· branch main ·" in text and _runs_in(text).startswith("2 runs")

    both = run_audit("review", root, "--branch", "main", "--all-branches")
    assert both.exit_code == 2 and both.error_lines == [
        "audit: error: --branch and --all-branches: choose one"
    ]


@pytest.mark.parametrize(("ref", "branch"), [
    ("origin/main", "main"),
    ("main", "main"),
    ("refs/heads/release/2.0", "release/2.0"),
    ("refs/remotes/upstream/dev", "dev"),
    ("feature/x", "feature/x"),  # "feature" is no remote: a branch with a slash
])
def test_branch_of_ref(ref: str, branch: str) -> None:
    assert branch_of_ref(ref, {"origin", "upstream"}) == branch
