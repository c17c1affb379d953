"""Benchmark of the mocks analysis: cold and warm runs against a naive libcst pass.

Generates a project with at least 50,000 lines of test code (the labelled
corpus's shop package, and test modules built from the corpus's test files
with renamed tests), then times, side by side in one run:

* naive: one process, every file parsed with libcst, positions resolved, one
  visitor over the tree (the least any libcst-based analysis must do);
* cold: ``audit mocks``'s analysis with an empty cache (parallel parse);
* warm: the same with the cache filled (nothing changed);
* warm, one file changed.

Usage: python bench/bench_mocks.py [--lines 50000] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from auditor.mocks.engine import analyse_project  # noqa: E402
from auditor.mocks.evaluate import Settings  # noqa: E402
from auditor.project import PackageLocation  # noqa: E402

CORPUS = REPO / "tests" / "mocks" / "corpus"


def generate(root: Path, min_lines: int) -> tuple[int, int]:
    """Write the project; return (test files, lines of test code)."""
    for source in (CORPUS / "src").rglob("*.txt"):
        target = root / "src" / str(source.relative_to(CORPUS / "src"))[: -len(".txt")]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    tests = root / "tests"
    tests.mkdir()
    (tests / "__init__.py").write_text("")
    shutil.copy(CORPUS / "tests" / "conftest.py.txt", tests / "conftest.py")
    templates = [
        p.read_text(encoding="utf-8") for p in sorted((CORPUS / "tests").glob("test_*.txt"))
        if "broken" not in p.name and "bad_bytes" not in p.name
    ]
    lines = files = 0
    while lines < min_lines:
        text = templates[files % len(templates)]
        text = re.sub(r"def (test_\w+)", rf"def \1_{files}", text)
        folder = tests / f"group_{files // 50}"
        folder.mkdir(exist_ok=True)
        (folder / "__init__.py").touch()
        (folder / f"test_gen_{files}.py").write_text(text, encoding="utf-8")
        lines += text.count("\n")
        files += 1
    return files, lines


class _Calls(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        self.count = 0

    def visit_Call(self, node: cst.Call) -> None:
        self.get_metadata(PositionProvider, node)
        self.count += 1


def naive(root: Path) -> float:
    started = time.perf_counter()
    for path in sorted((root / "tests").rglob("*.py")):
        module = cst.parse_module(path.read_bytes())
        MetadataWrapper(module, unsafe_skip_copy=True).visit(_Calls())
    for path in sorted((root / "src").rglob("*.py")):
        cst.parse_module(path.read_bytes())
    return time.perf_counter() - started


def ours(root: Path, workers: int | None) -> tuple[float, int, int]:
    settings = Settings(packages=["shop"], boundaries=["shop.adapters"])
    started = time.perf_counter()
    result = analyse_project(
        root, [PackageLocation("shop", root / "src" / "shop", root / "src")], [root / "tests"],
        settings, state_dir=root / ".audit", workers=workers,
    )
    return time.perf_counter() - started, result.cache_hits, len(result.findings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-mocks-") as folder:
        root = Path(folder)
        files, lines = generate(root, args.lines)
        naive_seconds = naive(root)
        cold, _hits, findings = ours(root, args.workers)
        warm, hits, warm_findings = ours(root, args.workers)
        changed = next((root / "tests").rglob("test_gen_0.py"))
        changed.write_text(changed.read_text() + "\n\ndef test_added():\n    assert 1 + 1 == 2\n")
        one_changed, hits_changed, _ = ours(root, args.workers)
        if warm_findings != findings:
            raise SystemExit("warm run disagrees with the cold run")
        workers = args.workers or os.cpu_count() or 1
        print(f"corpus: {files} test files, {lines} lines of test code, {findings} findings; "
              f"{workers} workers")
        print(f"{'run':<28}{'seconds':>10}{'vs naive':>10}")
        for name, seconds in (("naive libcst, 1 process", naive_seconds),
                              ("cold (parallel, no cache)", cold),
                              (f"warm ({hits} files cached)", warm),
                              (f"warm, 1 file changed ({hits_changed} cached)", one_changed)):
            print(f"{name:<28}{seconds:>10.2f}{naive_seconds / seconds:>9.1f}x")


if __name__ == "__main__":
    main()
