"""Incremental and diff runs: re-test exactly what a change can affect.

mutmut re-tests the mutants of functions whose source changed (it hashes
each function), but a changed *test* goes unnoticed: an edited test keeps
its old test-to-function mapping, and survivors / no-tests mutants are never
re-tested. So, before each run, for the test files whose content changed
since the last completed run:

- their tests are dropped from ``mutmut-stats.json``, so mutmut sees them as
  new and re-collects which functions they reach;
- survivors whose covering tests live in those files, and every "no tests"
  mutant, are reset to "not checked".

After the run, survivors that were not re-tested but whose function is now
reached by a test of a changed file are re-tested explicitly.

``--since REF`` maps ``git diff REF`` onto the functions of the packages
under audit, so only those functions' mutants are run and scored.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from pathlib import Path

from auditor.mutation import status as st
from auditor.mutation.reader import (
    FileMeta,
    Stats,
    mangled_of,
    meta_files,
    reset_verdicts,
)
from auditor.mutation.staging import Stage

STATE_FILE = "audit-state.json"


def test_file_hashes(stage: Stage) -> dict[str, str]:
    """Content hashes of the staged test files (and root conftest)."""
    hashes = {}
    for rel in stage.copied:
        if any(rel == t or rel.startswith(t.rstrip("/") + "/") for t in stage.test_paths) or (
            rel == "conftest.py"
        ):
            hashes[rel] = hashlib.sha256((stage.folder / rel).read_bytes()).hexdigest()[:16]
    return hashes


def load_state(stage: Stage) -> dict[str, object]:
    try:
        data = json.loads((stage.folder / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_state(
    stage: Stage,
    test_hashes: dict[str, str],
    setup: str = "",
    forced_fail_version: str | None = None,
) -> None:
    state = {
        "test_hashes": test_hashes,
        "setup": setup,
        "forced_fail_version": forced_fail_version,
    }
    (stage.folder / STATE_FILE).write_text(json.dumps(state, indent=1))


def setup_fingerprint(stage: Stage, python: str, test_hashes: dict[str, str]) -> str:
    """What decides whether mutmut's forced-fail check can pass, as one digest.

    That check proves the tests import the mutated copies (so that
    ``MUTANT_UNDER_TEST`` reaches them): it depends on the interpreter, the
    import path, the generated configuration, the staged file names and the
    content of every staged file other than the code under audit.
    """
    sources = [p.rstrip("/") for p in stage.source_paths]
    files = {}
    for rel in stage.copied:
        if any(rel == s or rel.startswith(s + "/") for s in sources):
            files[rel] = ""
        else:
            files[rel] = (
                test_hashes.get(rel)
                or hashlib.sha256((stage.folder / rel).read_bytes()).hexdigest()[:16]
            )
    config_file = stage.folder / "pyproject.toml"
    parts = {
        "python": python,
        "pythonpath": os.environ.get("PYTHONPATH", ""),
        "config": config_file.read_text() if config_file.is_file() else "",
        "files": files,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def forced_fail_version(stage: Stage, setup: str) -> str | None:
    """The mutmut version whose forced-fail check passed in the last completed run,
    when the stage setup is still the same (None: the check must run)."""
    state = load_state(stage)
    version = state.get("forced_fail_version")
    if state.get("setup") != setup or not isinstance(version, str) or not version:
        return None
    return version


def changed_test_files(stage: Stage, current: dict[str, str]) -> set[str] | None:
    """Test files added or edited since the last completed run (None: no previous run)."""
    previous = load_state(stage).get("test_hashes")
    if not isinstance(previous, dict):
        return None
    return {rel for rel, digest in current.items() if previous.get(rel) != digest}


def _in_files(nodeid: str, files: set[str]) -> bool:
    return nodeid.split("::", 1)[0] in files


def invalidate_for_test_changes(
    stage: Stage, changed: set[str], metas: dict[str, FileMeta], stats: Stats
) -> set[str]:
    """Apply the pre-run invalidation; returns the mutant keys reset to "not checked"."""
    if not changed:
        return set()
    reset: set[str] = set()
    for meta in metas.values():
        for key, code in meta.exit_code_by_key.items():
            status = st.status_of(code)
            if status == st.NO_TESTS:
                reset.add(key)
            elif status == st.SURVIVED:
                tests = stats.tests_by_function.get(mangled_of(key), [])
                if any(_in_files(t, changed) for t in tests):
                    reset.add(key)
    reset_verdicts(stage, reset)
    stats_file = stage.mutants / "mutmut-stats.json"
    try:
        data = json.loads(stats_file.read_text())
    except (OSError, ValueError):
        return reset
    data["duration_by_test"] = {
        t: d for t, d in data.get("duration_by_test", {}).items() if not _in_files(t, changed)
    }
    data["tests_by_mangled_function_name"] = {
        f: [t for t in tests if not _in_files(t, changed)]
        for f, tests in data.get("tests_by_mangled_function_name", {}).items()
    }
    stats_file.write_text(json.dumps(data, indent=4))
    return reset


def stale_survivors(
    changed: set[str], before: dict[str, int | None], metas: dict[str, FileMeta], stats: Stats
) -> list[str]:
    """Survivors carried over from before the run that a changed test now reaches."""
    stale = []
    for meta in metas.values():
        for key, code in meta.exit_code_by_key.items():
            if st.status_of(code) not in (st.SURVIVED, st.NO_TESTS) or before.get(key) is None:
                continue
            tests = stats.tests_by_function.get(mangled_of(key), [])
            if any(_in_files(t, changed) for t in tests):
                stale.append(key)
    return sorted(stale)


def current_codes(stage: Stage, metas: dict[str, FileMeta]) -> dict[str, int | None]:
    del stage
    return {k: c for m in metas.values() for k, c in m.exit_code_by_key.items()}


# -- --since ---------------------------------------------------------------

_FILE = re.compile(r"^\+\+\+ b/(.+)$")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def changed_lines(diff: str) -> dict[str, set[int]]:
    """New-file line numbers touched by a ``git diff -U0`` (deletions mark the next line)."""
    lines: dict[str, set[int]] = {}
    current: str | None = None
    for row in diff.splitlines():
        match = _FILE.match(row)
        if match:
            current = match.group(1)
            lines.setdefault(current, set())
            continue
        if row.startswith("+++ /dev/null"):
            current = None
            continue
        hunk = _HUNK.match(row)
        if hunk and current is not None:
            start, length = int(hunk.group(1)), int(hunk.group(2) or "1")
            lines[current].update(range(start, start + max(length, 1)))
    return lines


def changed_functions(root: Path, rels: list[str], touched: dict[str, set[int]]) -> list[str]:
    """``path::qualname`` of functions (and top-level methods) containing changed lines."""
    found = []
    for rel in rels:
        hits = touched.get(rel)
        if not hits:
            continue
        try:
            tree = ast.parse((root / rel).read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        for node, qualname in _functions(tree):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if any(first <= line <= (node.end_lineno or node.lineno) for line in hits):
                found.append(f"{rel}::{qualname}")
    return sorted(found)


def _functions(tree: ast.Module) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]:
    out: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out.append((node, node.name))
        elif isinstance(node, ast.ClassDef):
            out += [
                (item, f"{node.name}.{item.name}")
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
    return out


def all_keys(stage: Stage) -> list[str]:
    keys: list[str] = []
    for meta in meta_files(stage):
        try:
            keys += list(json.loads(meta.read_text())["exit_code_by_key"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(keys)


def shard_keys(keys: list[str], shard: tuple[int, int]) -> list[str]:
    """Shard K of N: every N-th mutant of the sorted keys, starting at the K-th."""
    k, n = shard
    return sorted(keys)[k - 1 :: n]


def parse_shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ValueError(f"--shard {text!r}: expected K/N, e.g. 2/4")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1 or not 1 <= k <= n:
        raise ValueError(f"--shard {text!r}: K must be between 1 and N")
    return k, n
