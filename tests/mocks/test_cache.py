"""The content-hash cache, parse failures, and the rest analysed anyway."""

from __future__ import annotations

from pathlib import Path

from auditor.mocks.collect import CACHE_DIR_NAME, cache_folder, discover, load_facts
from auditor.project import PackageLocation
from tests.mocks.projects import analyse_example, example_project, write_files

GOOD = "from app.pricing import net_total\n\n\ndef test_total():\n    assert net_total([2]) == 2\n"


def _refs(root: Path) -> list:  # type: ignore[type-arg]
    return discover(root, [root / "tests"], [PackageLocation("app", root / "app", root)], [])


def test_warm_run_parses_only_changed_files(tmp_path: Path) -> None:
    example_project(tmp_path, GOOD)
    write_files(tmp_path, {"tests/test_other.py": GOOD.replace("test_total", "test_two")})
    cache = cache_folder(tmp_path / ".audit")
    refs = _refs(tmp_path)
    cold, cold_stats = load_facts(refs, cache, workers=1)
    warm, warm_stats = load_facts(refs, cache, workers=1)
    assert (cold_stats.parsed, cold_stats.cached) == (len(refs), 0)
    assert (warm_stats.parsed, warm_stats.cached) == (0, len(refs))
    assert [f.to_dict() for f in warm] == [f.to_dict() for f in cold]
    (tmp_path / "tests" / "test_other.py").write_text(GOOD.replace("[2]) == 2", "[3]) == 3"))
    _facts, changed_stats = load_facts(refs, cache, workers=1)
    assert (changed_stats.parsed, changed_stats.cached) == (1, len(refs) - 1)
    # the stale entry of the old content is pruned: one entry per file
    assert len(list(cache.glob("*.json"))) == len(refs)


def test_cache_folder_has_its_own_gitignore(tmp_path: Path) -> None:
    folder = cache_folder(tmp_path / ".audit")
    assert folder.name == CACHE_DIR_NAME
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"


def test_corrupt_cache_entry_is_parsed_again(tmp_path: Path) -> None:
    example_project(tmp_path, GOOD)
    cache = cache_folder(tmp_path / ".audit")
    refs = _refs(tmp_path)
    load_facts(refs, cache, workers=1)
    for entry in cache.glob("*.json"):
        entry.write_text("{not json")
    _facts, stats = load_facts(refs, cache, workers=1)
    assert stats.parsed == len(refs)


def test_syntax_error_and_bad_bytes_reported_rest_analysed(tmp_path: Path) -> None:
    example_project(tmp_path, GOOD)
    write_files(tmp_path, {
        "tests/test_broken.py": "def test_x(:\n    assert 1 == 1\n",
        "tests/test_bytes.py": b"def test_y():\n    assert '\xff' == 1\n",
        "tests/test_latin.py": b"# -*- coding: latin-1 -*-\ndef test_z():\n"
                               b"    assert '\xe9' != 'e'\n",
    })
    result = analyse_example(tmp_path)
    errors = {(e.path, e.line) for e in result.parse_errors}
    assert errors == {("tests/test_broken.py", 1), ("tests/test_bytes.py", 2)}
    assert {f.path for f in result.findings if f.rule == "parse-error"} == {
        "tests/test_broken.py", "tests/test_bytes.py"}
    assert sorted(t.test for t in result.tests) == [
        "tests/test_example.py::test_total", "tests/test_latin.py::test_z"]
    assert result.files_analyzed == 4  # the four test modules, broken ones included
