"""CI annotations: printed for GitHub when asked, or when running in GitHub Actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.projects import make_calc_project, run_audit

pytestmark = pytest.mark.slow

SMELLY_TEST = """
from calc.ops import add


def test_add_runs():
    add(1, 2)
"""


@pytest.mark.parametrize(
    "args, env",
    [(["--annotations", "github"], {}), ([], {"GITHUB_ACTIONS": "true"})],
)
def test_findings_become_github_warnings(
    tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    root = make_calc_project(tmp_path, **{"tests/test_smelly.py": SMELLY_TEST})
    run = run_audit("mocks", root, *args, env=env)
    assert run.exit_code in (0, 1), run.stderr
    # Severity picks the command: ::error for the worst rules, ::warning otherwise.
    warnings = [line for line in run.stdout.splitlines()
                if line.startswith(("::warning ", "::error "))]
    assert any(
        "file=tests/test_smelly.py,line=4," in line and "test-no-assert" in line
        for line in warnings
    ), run.stdout


def test_no_annotations_by_default(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path, **{"tests/test_smelly.py": SMELLY_TEST})
    run = run_audit("mocks", root)
    assert run.exit_code in (0, 1), run.stderr
    assert "::warning" not in run.stdout
    assert "::error" not in run.stdout
