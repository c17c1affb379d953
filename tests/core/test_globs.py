"""Module globs are gitignore-style, for every analysis; a glob matching nothing is a skipped rule.

The expected matches are git's own: each case is checked against
``git check-ignore`` on a real repository holding the same files, so the
oracle is git, not our matcher.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from auditor.globs import glob_matches
from tests.support.projects import make_calc_project, read_report, run_audit

FILES = ["src/shop/cart.py", "src/shop/sub/deep.py", "src/a.py", "pkg/shop/cart.py"]
PATTERNS = ["src/shop/*.py", "src/**/*.py", "*.py", "cart.py", "src/shop", "src/shop/",
            "**/cart.py", "shop/*.py", "src/*.py", "src/shop/**", "src/?.py", "[ab].py"]


def _git_matches(root: Path, pattern: str) -> set[str]:
    """The files git itself ignores with ``pattern`` as the only .gitignore line."""
    (root / ".gitignore").write_text(pattern + "\n")
    done = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=root,
                          input="\n".join(FILES) + "\n", capture_output=True, text=True,
                          check=False)
    assert done.returncode in (0, 1), done.stderr  # 1: nothing ignored
    return set(done.stdout.split())


def test_globs_match_as_git_does(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    for pattern in PATTERNS:
        ours = {f for f in FILES if glob_matches(pattern, f)}
        assert ours == _git_matches(tmp_path, pattern), pattern


def test_star_stays_in_its_folder() -> None:
    # fnmatch's * crossed "/": this pattern took every file below src/shop
    assert glob_matches("src/shop/*.py", "src/shop/cart.py")
    assert not glob_matches("src/shop/*.py", "src/shop/sub/deep.py")
    assert glob_matches("src/**/*.py", "src/shop/sub/deep.py")


@pytest.mark.slow
def test_coverage_module_globs_in_a_real_audit(tmp_path: Path) -> None:
    # calc's modules are src/calc/ops.py and src/calc/unused.py (and the empty __init__)
    root = make_calc_project(tmp_path, extra_config="""
        [tool.audit.gate.modules]
        "src/*.py" = 90
        "src/**/ops.py" = 10
    """)
    run = run_audit("coverage", root)
    assert run.exit_code == 0, run.stderr
    rules = {r["id"]: r for r in read_report(root)["gate"]["rules"]}
    # src/*.py: nothing directly in src/ (fnmatch matched all three files)
    nothing = rules["modules[src/*.py]"]
    assert nothing["status"] == "skipped"
    assert "no module matches 'src/*.py'" in nothing["reason"]
    assert [i for i in rules if i.startswith("modules[src/**/ops.py]")] == [
        "modules[src/**/ops.py]:src/calc/ops.py"
    ]
    # the skipped rule shows in the terminal summary too, with its reason
    assert "no module matches 'src/*.py'" in run.stdout


@pytest.mark.slow
def test_impossible_thresholds_are_a_config_error(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path, extra_config="""
        [tool.audit.mutation]
        thresholds = {high = 50, low = 70}
    """)
    run = run_audit("coverage", root)
    assert run.exit_code == 2, run.stderr
    assert run.error_lines == [
        "audit: error: pyproject.toml: [tool.audit.mutation] thresholds: low (70) is above "
        "high (50); low must be at most high"
    ]
    assert "Traceback" not in run.stderr
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace("high = 50, low = 70", "high = 101"))
    run = run_audit("coverage", root)
    assert run.exit_code == 2
    assert len(run.error_lines) == 1 and "thresholds" in run.error_lines[0]
