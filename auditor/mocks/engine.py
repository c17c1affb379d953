"""The whole mocks analysis as one function, independent of the audit context
(the analysis, the rule examples, the corpus tests and the benchmark call it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from auditor.mocks.collect import cache_folder, discover, load_facts
from auditor.mocks.evaluate import Settings, evaluate
from auditor.mocks.extract import decode
from auditor.mocks.findings import add_code_and_fingerprints, run_facts
from auditor.mocks.result import MocksResult
from auditor.model import TestRun
from auditor.project import PackageLocation

_LINE_END = re.compile(r"\r\n|\r|\n")
# (module, attribute path) pairs -> ("module.path" -> found or None, a note for the report)
LookUp = Callable[[list[tuple[str, str]]], tuple[dict[str, bool | None], str]]


def analyse_project(
    root: Path,
    packages: list[PackageLocation],
    test_paths: list[Path],
    settings: Settings,
    *,
    state_dir: Path | None = None,
    test_run: TestRun | None = None,
    workers: int | None = None,
    exclude: list[str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    look_up: LookUp | None = None,
) -> MocksResult:
    """Analyse the tests under ``test_paths`` against the code in ``packages``.

    ``state_dir`` (the project's ``.audit/``) enables the parse cache; without
    it every file is parsed. ``look_up`` imports modules of the code under audit
    (safely, see :mod:`auditor.mocks.lookup`) to settle patch targets that static
    reading cannot: the analysis is then evaluated once more with the answers.
    """
    collected = run_facts(test_run).files()
    refs = discover(root, test_paths, packages, exclude or [], collected)
    cache_dir = cache_folder(state_dir) if state_dir is not None else None
    facts, stats = load_facts(refs, cache_dir, workers, on_progress)
    doubts: set[tuple[str, str]] = set()
    result = evaluate(facts, settings, test_run, doubts=doubts)
    if doubts and look_up is not None:
        seen, note = look_up(sorted(doubts))
        result = evaluate(facts, settings, test_run, seen=seen)
        result.notes.append(note)
    result.cache_hits = stats.cached
    result.notes += empty_test_path_notes(root, test_paths, result, collected,
                                          test_run is not None)

    def read_lines(relative: str) -> list[str]:
        try:
            # Python's own line ends: splitlines() would also split on form feeds
            return _LINE_END.split(decode((root / relative).read_bytes()))
        except (OSError, UnicodeDecodeError, SyntaxError, LookupError):
            return []

    add_code_and_fingerprints(result.findings, read_lines)
    return result


def prepare_cache(root: Path, packages: list[PackageLocation], test_paths: list[Path],
                  state_dir: Path, *, workers: int | None = None,
                  exclude: list[str] | None = None) -> None:
    """Fill the parse cache with the files :func:`analyse_project` will read, as far
    as they are known before the suite runs (the run may add files pytest collected
    under other names); an unchanged file already cached costs one read."""
    refs = discover(root, test_paths, packages, exclude or [], set())
    # no pruning: the run's own pass knows every file (those pytest collected too)
    load_facts(refs, cache_folder(state_dir), workers, None, prune=False)


def empty_test_path_notes(root: Path, test_paths: list[Path], result: MocksResult,
                          collected: set[str], ran: bool) -> list[str]:
    """A note for each configured test path in which no test was analysed, so
    that a suite the analysis missed never shows as a silent 0."""
    notes: list[str] = []
    analysed = [root / t.path for t in result.tests]
    for test_path in test_paths:
        if any(p == test_path or test_path in p.parents for p in analysed):
            continue
        shown = test_path.relative_to(root).as_posix() if test_path.is_relative_to(root) else (
            str(test_path))
        in_run = sum(1 for f in collected
                     if (root / f) == test_path or test_path in (root / f).parents)
        if not test_path.exists():
            why = "it does not exist"
        elif ran:
            why = (f"pytest collected tests from {in_run} file(s) there, none could be read"
                   if in_run else "the audit's pytest run collected no test there")
        else:
            why = ("the suite did not run in this audit, and no file there is named "
                   "test_*.py or *_test.py")
        notes.append(f"test path {shown!r}: no test analysed ({why})")
    return notes
