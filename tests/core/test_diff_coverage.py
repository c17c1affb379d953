"""Changed-lines coverage against a real git base, and the small-diff guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.coverage.diff import added_lines
from tests.support.projects import git, init_repo, make_calc_project, read_report, run_audit

pytestmark = pytest.mark.slow

NEW_FUNCTIONS = '''

def double(x):
    return 2 * x


def halve(x):
    if x % 2:
        raise ValueError("odd")
    return x // 2


def triple(x):
    # a comment is not a statement
    return 3 * x
'''


def test_changed_statements_and_their_coverage(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path, "[tool.audit.gate]\nchanged_lines = 50\n")
    init_repo(root)
    ops = root / "src/calc/ops.py"
    ops.write_text(ops.read_text() + NEW_FUNCTIONS)
    (root / "tests/test_new.py").write_text(
        "from calc.ops import double, halve\n\n"
        "def test_double():\n    assert double(2) == 4\n\n"
        "def test_halve():\n    assert halve(4) == 2\n"
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "new functions")
    run = run_audit("report", root, "--base", "HEAD~1")
    diff = read_report(root)["analyses"]["coverage"]["diff"]
    old_lines = len(ops.read_text().splitlines()) - len(NEW_FUNCTIONS.splitlines()) + 1
    # Counted by hand from NEW_FUNCTIONS: statements are the 3 defs and 5 body lines
    # (the comment does not count). Not run: `raise ValueError` and `return 3 * x`.
    def line(text: str) -> int:
        return ops.read_text().splitlines().index(text) + 1

    assert diff["changed_lines"] == 8
    assert diff["covered_changed_lines"] == 6
    assert diff["files"]["src/calc/ops.py"]["uncovered"] == sorted(
        [line('        raise ValueError("odd")'), line("    return 3 * x")]
    )
    assert min(diff["files"]["src/calc/ops.py"]["changed"]) > old_lines
    rule = next(r for r in read_report(root)["gate"]["rules"] if r["id"] == "changed_lines")
    assert rule["measured"] == 75.0  # 6/8
    assert rule["status"] == "passed"
    assert run.exit_code == 0, run.stderr


def test_small_diff_guard_skips_the_rule(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path, "[tool.audit.gate]\nchanged_lines = 100\n")
    init_repo(root)
    ops = root / "src/calc/ops.py"
    ops.write_text(ops.read_text() + "\n\ndef untested():\n    return 0\n")
    run = run_audit("report", root, "--base", "main")
    report = read_report(root)
    diff = report["analyses"]["coverage"]["diff"]
    assert (diff["changed_lines"], diff["covered_changed_lines"]) == (2, 1)
    rule = next(r for r in report["gate"]["rules"] if r["id"] == "changed_lines")
    assert rule["status"] == "skipped"
    assert "only 2 changed statement(s), fewer than 5" in rule["reason"]
    assert run.exit_code == 0, run.stderr


def test_added_lines_parses_new_and_renamed_files() -> None:
    diff = (
        "diff --git a/new.py b/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/new.py\n"
        "@@ -0,0 +1,2 @@\n+a = 1\n+b = 2\n"
        "diff --git a/old.py b/old.py\n--- a/old.py\n+++ b/old.py\n"
        "@@ -3,1 +3,0 @@\n-gone = 1\n@@ -9,0 +9,1 @@\n+added = 1\n"
    )
    assert added_lines(diff) == {"new.py": {1, 2}, "old.py": {9}}
