"""The whole mocks analysis as one function, independent of the audit context
(the analysis, the rule examples, the corpus tests and the benchmark call it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from auditor.mocks.collect import cache_folder, discover, load_facts
from auditor.mocks.evaluate import Settings, add_code_and_fingerprints, evaluate
from auditor.mocks.extract import decode
from auditor.mocks.result import MocksResult
from auditor.model import TestRun
from auditor.project import PackageLocation

_LINE_END = re.compile(r"\r\n|\r|\n")


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
) -> MocksResult:
    """Analyse the tests under ``test_paths`` against the code in ``packages``.

    ``state_dir`` (the project's ``.audit/``) enables the parse cache; without
    it every file is parsed.
    """
    refs = discover(root, test_paths, packages, exclude or [])
    cache_dir = cache_folder(state_dir) if state_dir is not None else None
    facts, stats = load_facts(refs, cache_dir, workers, on_progress)
    result = evaluate(facts, settings, test_run)
    result.cache_hits = stats.cached

    def read_lines(relative: str) -> list[str]:
        try:
            # Python's own line ends: splitlines() would also split on form feeds
            return _LINE_END.split(decode((root / relative).read_bytes()))
        except (OSError, UnicodeDecodeError, SyntaxError, LookupError):
            return []

    add_code_and_fingerprints(result.findings, read_lines)
    return result
