"""Changed-lines coverage: which added or modified statements did the tests run?

The diff is taken from the merge base of ``base`` and HEAD to the working
tree (what a pull request changes, plus uncommitted work), with no context
lines, and parsed with ``unidiff``. Only lines that coverage.py counts as
statements are "changed lines": a changed comment or blank line cannot be
covered or missed.
"""

from __future__ import annotations

from pathlib import Path

from unidiff.patch import PatchSet

from auditor.coverage.result import CoverageResult, DiffCoverage
from auditor.project import git_diff


def added_lines(diff_text: str) -> dict[str, set[int]]:
    """Line numbers (in the new file) of every added line, by new file path."""
    changed: dict[str, set[int]] = {}
    for patched in PatchSet(diff_text):
        if patched.is_removed_file:
            continue
        path = patched.target_file
        path = path[2:] if path.startswith("b/") else path
        lines = {
            line.target_line_no
            for hunk in patched
            for line in hunk
            if line.is_added and line.target_line_no is not None
        }
        if lines:
            changed[Path(path).as_posix()] = lines
    return changed


def diff_coverage(
    result: CoverageResult,
    changed: dict[str, set[int]],
    base: str,
    base_commit: str,
    min_statements: int,
) -> DiffCoverage:
    """Intersect changed lines with coverage's statements of each measured file."""
    files: dict[str, dict[str, list[int]]] = {}
    total = covered = 0
    for path, lines in sorted(changed.items()):
        module = result.modules.get(path)
        if module is None:
            continue
        missing = set(module.missing_lines)
        statements = missing | set(module.executed_lines)
        changed_statements = sorted(lines & statements)
        if not changed_statements:
            continue
        uncovered = [n for n in changed_statements if n in missing]
        files[path] = {"changed": changed_statements, "uncovered": uncovered}
        total += len(changed_statements)
        covered += len(changed_statements) - len(uncovered)
    skipped = ""
    if total == 0:
        skipped = "no changed statements in the code under audit"
    elif total < min_statements:
        skipped = (
            f"only {total} changed statement(s), fewer than {min_statements}: "
            "the changed-lines rule does not apply"
        )
    return DiffCoverage(
        base=base,
        base_commit=base_commit,
        changed_lines=total,
        covered_changed_lines=covered,
        files=files,
        min_statements=min_statements,
        skipped_reason=skipped,
    )


def changed_lines_since(root: Path, base_commit: str) -> dict[str, set[int]]:
    return added_lines(git_diff(root, base_commit))
