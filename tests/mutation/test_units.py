"""Fast tests of the pure parts: statuses, scores, shards, locations, not-mutated, diffs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as strat
from mutmut.stats import status_by_exit_code

from auditor.errors import UsageError
from auditor.mutation import incremental as inc
from auditor.mutation import status as st
from auditor.mutation.elements_report import _replacement
from auditor.mutation.locations import FileLocator
from auditor.mutation.merge import merge_results
from auditor.mutation.notmutated import analyse_module
from auditor.mutation.reader import mangled_of_qualname, qualname_of_mangled
from auditor.mutation.records import MutantRecord, count
from auditor.mutation.result import MutationResult


@pytest.mark.parametrize("code", [*status_by_exit_code.keys(), 99, -6])
def test_status_mapping_agrees_with_mutmut(code: int | None) -> None:
    theirs = status_by_exit_code[code].replace(" ", "_").replace("segfault", "crash")
    theirs = theirs.replace("check_was_interrupted_by_user", "interrupted")
    assert st.status_of(code) == theirs


statuses = strat.sampled_from(st.ALL_STATUSES)
mutant_lists = strat.lists(
    strat.tuples(statuses, strat.booleans(), strat.sampled_from(["a.py", "b.py"])), max_size=40
).map(
    lambda rows: [
        MutantRecord(
            id=f"m.x_f__mutmut_{i}",
            path=p,
            module="m",
            function="f",
            status=s,
            covered_by=["t::a"] if cov else [],
        )
        for i, (s, cov, p) in enumerate(rows)
    ]
)


@given(mutant_lists)
def test_score_is_detected_over_valid(mutants: list[MutantRecord]) -> None:
    counts = count(mutants)
    detected = sum(m.status in ("killed", "timeout") for m in mutants)
    valid = sum(m.status not in ("skipped", "caught_by_type_check") for m in mutants)
    covered = [
        m for m in mutants if m.covered_by and m.status not in ("skipped", "caught_by_type_check")
    ]
    assert counts.score == (100 * detected / valid if valid else None)
    assert counts.covered_score == (
        100 * sum(m.status in ("killed", "timeout") for m in covered) / len(covered)
        if covered
        else None
    )


@given(mutant_lists, strat.integers(min_value=1, max_value=5))
def test_shards_partition_and_merge_back(mutants: list[MutantRecord], n: int) -> None:
    keys = [m.id for m in mutants]
    shards = [inc.shard_keys(keys, (k, n)) for k in range(1, n + 1)]
    assert sorted(k for s in shards for k in s) == sorted(keys)
    by_id = {m.id: m for m in mutants}
    parts = [
        MutationResult(mutants=[by_id[k] for k in shard], shard=f"{i}/{n}")
        for i, shard in enumerate(shards, start=1)
    ]
    whole = MutationResult(mutants=mutants).to_dict()
    merged = merge_results(parts).to_dict()
    for key in ("score", "covered_score", "counts", "modules", "survivors", "pseudo_tested"):
        assert merged[key] == whole[key]


@given(mutant_lists)
def test_result_round_trips_through_dict(mutants: list[MutantRecord]) -> None:
    result = MutationResult(mutants=mutants, kill_matrix=False)
    assert MutationResult.from_dict(result.to_dict()).to_dict() == result.to_dict()


def test_merge_rejects_mixed_splits_and_notes_missing_shards() -> None:
    with pytest.raises(UsageError, match="different splits"):
        merge_results([MutationResult(shard="1/2"), MutationResult(shard="1/3")])
    assert "missing shard(s) 2/2" in merge_results([MutationResult(shard="1/2")]).notes[0]


@pytest.mark.parametrize("text", ["0/2", "3/2", "a/b", "2"])
def test_parse_shard_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="--shard"):
        inc.parse_shard(text)


def test_qualname_mangling_round_trip() -> None:
    for qualname in ("add", "Box.grow", "_private"):
        assert qualname_of_mangled(mangled_of_qualname(qualname)) == qualname
    assert mangled_of_qualname("Box.grow") == "xǁBoxǁgrow"


ORIGINAL = (
    "import os\n\n\nclass Box:\n    def grow(self, n):\n"
    "        x = 1\n        return self.size + n * 10\n"
)
MUTATED = (
    "class Box:\n"
    "    def xǁBoxǁgrow__mutmut_orig(self, n):\n        x = 1\n        return self.size + n * 10\n"
    "    def xǁBoxǁgrow__mutmut_1(self, n):\n        x = 1\n        return self.size + n * 11\n"
    "    def xǁBoxǁgrow__mutmut_2(self, n):\n        x = 1\n        return self.size - n * 10\n"
)


def test_locator_finds_line_and_token_in_original() -> None:
    locator = FileLocator(ORIGINAL, MUTATED)
    number = locator.locate("xǁBoxǁgrow__mutmut_1", "Box.grow")
    operator = locator.locate("xǁBoxǁgrow__mutmut_2", "Box.grow")
    assert number is not None and operator is not None
    line = ORIGINAL.splitlines()[6]
    assert (number.line, line[number.column - 1 : number.end_column - 1]) == (7, "10")
    assert (operator.line, line[operator.column - 1 : operator.end_column - 1]) == (7, "+")
    assert number.original == line and number.mutated.endswith("n * 11")
    assert number.diff.startswith("@@ -6,2 +6,2 @@")  # one context line: line 6
    assert _replacement(number.original, number.mutated, number.column, number.end_column) == "11"


def test_not_mutated_lists_reasons_and_counts_statements() -> None:
    source = (
        "import os\nLIMIT = 3\n\n\n@cache\ndef cached():\n    return 1\n\n\n"
        "def plain():\n    a = 1\n    return a\n\n\nclass C:\n    size = 2\n\n"
        "    def m(self):  # pragma: no mutate\n        return 1\n"
    )
    info, found = analyse_module("m.py", source, {"x_plain"})
    assert [(n.kind, n.name, n.line) for n in found] == [
        ("module_code", "", 2),
        ("function", "cached", 5),
        ("class_body", "C", 16),
        ("function", "C.m", 18),
    ]
    assert "@cache" in found[1].reason and "pragma" in found[3].reason
    # 11 statements: import, LIMIT, def cached, return, def plain, a=, return,
    # class, size, def m, return
    assert (info.statements, info.mutable_statements) == (11, 2)


def test_changed_lines_and_functions(tmp_path: pytest.TempPathFactory) -> None:
    diff = (
        "diff --git a/p/m.py b/p/m.py\n--- a/p/m.py\n+++ b/p/m.py\n"
        "@@ -2 +2 @@ def f():\n-    return 1\n+    return 2\n"
        "@@ -9,0 +10,2 @@\n+x\n+y\n"
    )
    assert inc.changed_lines(diff) == {"p/m.py": {2, 10, 11}}
