"""The pre-commit hooks (issue 14, part 5): the manifest as pre-commit reads it, and a real run.

The manifest is loaded by pre-commit's own loader (``pre_commit.clientlib``:
its schema, its defaults). The run uses the real ``pre-commit`` command in a
git repository in ``tmp_path``: the hooks are the manifest's own entries,
declared as ``repo: local`` with ``language: system`` so that no virtualenv
is built from the network; everything else (the ``files`` pattern, the file
names appended after ``args``, ``pass_filenames``, the manual stage) is
pre-commit's doing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pre_commit.clientlib import load_manifest

from tests.support.projects import REPO_ROOT, git, init_repo, write_files

MANIFEST = REPO_ROOT / ".pre-commit-hooks.yaml"


def hooks() -> dict[str, dict[str, Any]]:
    return {hook["id"]: hook for hook in load_manifest(str(MANIFEST))}


def test_the_manifest_is_valid_for_pre_commit_and_says_what_each_hook_runs() -> None:
    found = hooks()  # raises InvalidManifestError on any schema violation
    assert set(found) == {"audit-mocks", "audit-report"}
    fast, full = found["audit-mocks"], found["audit-report"]
    assert fast["pass_filenames"] and fast["require_serial"]
    assert fast["entry"].split()[:2] == ["audit", "mocks"]
    assert full["stages"] == ["manual"] and not full["pass_filenames"] and full["always_run"]
    assert full["entry"] == "audit report"


@pytest.mark.parametrize(
    "path, selected",
    [
        ("tests/test_cart.py", True),
        ("pkg/tests/cart_test.py", True),
        ("test_top.py", True),
        ("src/shop/cart.py", False),
        ("tests/conftest.py", False),
        ("tests/test_data/readme.txt", False),
    ],
)
def test_the_fast_hook_selects_test_modules_by_pytest_default_names(
    path: str, selected: bool
) -> None:
    # pytest's default python_files are test_*.py and *_test.py
    pattern = hooks()["audit-mocks"]["files"]
    assert bool(re.search(pattern, path)) is selected


SHOP = {
    "pyproject.toml": '[project]\nname = "shop"\nversion = "0.1"\n',
    "src/shop/__init__.py": "",
    "src/shop/cart.py": "def total(prices):\n    return sum(prices)\n",
    "tests/test_cart.py": """
        from shop.cart import total


        def test_total():
            assert total([1, 2]) == 3
    """,
}
# Line 7 patches shop.cart.total with a MagicMock that has no spec: one finding.
SMELLY = """
    from unittest import mock

    from shop import cart


    def test_total_mocked():
        with mock.patch("shop.cart.total") as fake:
            fake.return_value = 3
            assert cart.total([1, 2]) == 3
"""


def local_config(root: Path) -> None:
    """``.pre-commit-config.yaml`` with the manifest's hooks as local, system-language hooks."""
    local = []
    for hook in yaml.safe_load(MANIFEST.read_text()):
        local.append({**hook, "language": "system"})
    (root / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]})
    )


def pre_commit(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(root.parent / "pre-commit-home"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.slow
def test_the_fast_hook_fails_on_a_staged_smelly_test_and_passes_a_clean_one(
    tmp_path: Path,
) -> None:
    root = write_files(tmp_path / "shop", SHOP)
    local_config(root)
    init_repo(root)

    write_files(root, {"tests/test_mocked.py": SMELLY, "src/shop/cart.py":
                       "def total(prices):\n    return sum(prices) + 0\n"})
    git(root, "add", "tests/test_mocked.py", "src/shop/cart.py")
    run = pre_commit(root, "run", "audit-mocks")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "tests/test_mocked.py:7" in run.stdout
    assert "mock_findings" in run.stdout
    # Only the staged test module was audited: the committed, clean one did not run.
    assert "1 tests in 1 files" in run.stdout
    # pre-commit's `files` pattern kept the staged source file out of the hook's arguments.
    assert "left out" not in run.stdout
    status = git(root, "status", "--porcelain", "--untracked-files=all")
    assert ".audit" not in status  # the reports went to the ignored .audit/pre-commit

    git(root, "rm", "-q", "--cached", "tests/test_mocked.py")
    write_files(root, {"tests/test_more.py": "from shop.cart import total\n\n\n"
                                             "def test_empty():\n    assert total([]) == 0\n"})
    git(root, "add", "tests/test_more.py")
    run = pre_commit(root, "run", "audit-mocks")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Passed" in run.stdout


@pytest.mark.slow
def test_the_full_report_hook_runs_only_in_the_manual_stage(tmp_path: Path) -> None:
    configured = (SHOP["pyproject.toml"]
                  + '[tool.audit]\npackages = ["shop"]\nanalyses = ["coverage"]\n')
    root = write_files(tmp_path / "shop", {**SHOP, "pyproject.toml": configured})
    local_config(root)
    init_repo(root)

    skipped = pre_commit(root, "run", "--all-files")
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert "audit report" not in skipped.stdout

    run = pre_commit(root, "run", "--hook-stage", "manual", "audit-report")
    assert "audit report (every configured analysis)" in run.stdout
    assert (root / "audit-report" / "report.json").is_file()
    # No gate configured: a passing audit (exit 0), the hook passes.
    assert run.returncode == 0, run.stdout + run.stderr
