"""Building the projects the mocks tests analyse (no assertions in here: every
check lives in the test modules, where pytest counts it)."""

from __future__ import annotations

import re
from pathlib import Path

from auditor.mocks.engine import analyse_project
from auditor.mocks.evaluate import Settings
from auditor.mocks.result import MocksResult
from auditor.mocks.rules import opt_in_ids
from auditor.mocks.rules.base import EXAMPLE_CONFIG, EXAMPLE_PROJECT, EXAMPLE_TEST_PATH
from auditor.model import TestRun
from auditor.project import PackageLocation

CORPUS = Path(__file__).parent / "corpus"
_LABEL = re.compile(r"#\s*expect:\s*([a-z\-, ]+)")


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def example_project(root: Path, test_code: str) -> None:
    write_files(root, {**EXAMPLE_PROJECT, EXAMPLE_TEST_PATH: test_code})


def analyse_example(root: Path, test_run: TestRun | None = None,
                    state_dir: Path | None = None) -> MocksResult:
    settings = Settings(packages=["app"], boundaries=list(EXAMPLE_CONFIG["boundaries"]),
                        max_patches=4, enabled=opt_in_ids())
    return analyse_project(root, [PackageLocation("app", root / "app", root)],
                           [root / "tests"], settings, test_run=test_run, state_dir=state_dir)


def materialize_corpus(root: Path) -> None:
    """Copy the corpus (``*.py.txt``) into ``root`` as a src-layout project."""
    for source in sorted(CORPUS.rglob("*.txt")):
        relative = source.relative_to(CORPUS)
        target = root / str(relative)[: -len(".txt")]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())


def analyse_corpus(root: Path, workers: int | None = 1) -> MocksResult:
    settings = Settings(packages=["shop"], boundaries=["shop.adapters"], max_patches=4,
                        enabled=opt_in_ids())
    return analyse_project(root, [PackageLocation("shop", root / "src" / "shop", root / "src")],
                           [root / "tests"], settings, workers=workers)


def corpus_labels() -> set[tuple[str, int, str]]:
    """``(path, line, rule)`` of every ``# expect: rule`` label of the corpus tests."""
    labels: set[tuple[str, int, str]] = set()
    for source in sorted((CORPUS / "tests").glob("*.txt")):
        path = "tests/" + source.name[: -len(".txt")]
        for number, line in enumerate(source.read_bytes().split(b"\n"), start=1):
            match = _LABEL.search(line.decode("latin-1"))
            if match:
                for rule in match.group(1).split(","):
                    if rule.strip():
                        labels.add((path, number, rule.strip()))
    return labels
