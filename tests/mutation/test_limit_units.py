"""Fast tests of the physical limit's arithmetic and of the killers-first test order."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as strat

from auditor.mutation import status as st
from auditor.mutation.killmatrix import compact_killers, save_killers
from auditor.mutation.limit import COVERING_BASIS, KILL_MATRIX_BASIS, mutant_cost, run_limit
from auditor.mutation.mutmut_entry import killer_file, killers_first, read_killers
from auditor.mutation.records import MutantRecord
from auditor.mutation.result import MutationResult
from auditor.mutation.staging import Stage

TESTS = [f"tests/test_x.py::test_{i}" for i in range(6)]


def record(status: str, covered: list[str], killed: list[str] | None, i: int = 0) -> MutantRecord:
    return MutantRecord(
        id=f"m.x_f__mutmut_{i}", path="m.py", module="m", function="f", status=status,
        covered_by=covered, killed_by=killed,
    )


def test_limit_of_a_hand_computed_run() -> None:
    # a killed mutant: its fastest killer (t1, 0.1 s), not the slower killer t0 nor the
    # faster test t2 that does not kill it; a survivor: all its covering tests (0.2 + 0.3);
    # a mutant no test covers costs nothing; two cores share the 0.6 s
    durations = {TESTS[0]: 0.2, TESTS[1]: 0.1, TESTS[2]: 0.05, TESTS[3]: 0.3}
    mutants = [
        record(st.KILLED, TESTS[:3], [TESTS[0], TESTS[1]], 1),
        record(st.SURVIVED, [TESTS[0], TESTS[3]], [], 2),
        record(st.NO_TESTS, [], [], 3),
    ]
    limit = run_limit(mutants, durations, cores=2, actual_seconds=3.0)
    assert abs(limit.limit_seconds - 0.3) < 1e-12
    assert limit.basis == KILL_MATRIX_BASIS
    assert limit.mutants == 2
    assert limit.ratio is not None and abs(limit.ratio - 10.0) < 1e-9


def test_without_the_kill_matrix_the_fastest_covering_test_stands_in() -> None:
    durations = {TESTS[0]: 0.2, TESTS[1]: 0.1, TESTS[2]: 0.05}
    limit = run_limit([record(st.KILLED, TESTS[:3], None)], durations, cores=1)
    assert limit.basis == COVERING_BASIS
    assert limit.limit_seconds == 0.05


durations_st = strat.lists(strat.floats(0, 5, allow_nan=False), min_size=6, max_size=6)
mutant_st = strat.tuples(
    strat.sampled_from(st.ALL_STATUSES),
    strat.sets(strat.integers(0, 5)),  # covering tests
    strat.sets(strat.integers(0, 5)),  # killers (kept only among the covering ones)
)


@given(durations_st, strat.lists(mutant_st, max_size=25), strat.integers(1, 8))
def test_limit_is_the_sum_of_its_parts_and_bounded(
    seconds: list[float], rows: list[tuple[str, set[int], set[int]]], cores: int
) -> None:
    durations = dict(zip(TESTS, seconds, strict=True))
    mutants = [
        record(status, [TESTS[i] for i in sorted(cov)], [TESTS[i] for i in sorted(kill & cov)], n)
        for n, (status, cov, kill) in enumerate(rows)
    ]
    limit = run_limit(mutants, durations, cores)
    costs = [mutant_cost(m, durations) for m in mutants]
    assert abs(limit.test_seconds - sum(c.seconds for c in costs)) < 1e-9
    assert abs(limit.test_seconds - (limit.killed_seconds + limit.survived_seconds)) < 1e-9
    assert abs(limit.limit_seconds * cores - limit.test_seconds) < 1e-9
    # never more than running every covering test of every mutant (what -x saves from)
    everything = sum(durations[t] for m in mutants for t in m.covered_by)
    assert limit.test_seconds <= everything + 1e-9
    # not knowing the killers only lowers the limit: a lower bound
    unknown = [record(m.status, m.covered_by, None, i) for i, m in enumerate(mutants)]
    assert run_limit(unknown, durations, cores).limit_seconds <= limit.limit_seconds + 1e-9


@given(
    strat.permutations(TESTS),
    strat.sets(strat.sampled_from([*TESTS, "tests/gone.py::test_removed"])),
    durations_st,
)
def test_killers_first_reorders_the_same_tests(
    tests: list[str], killers: set[str], seconds: list[float]
) -> None:
    durations = dict(zip(TESTS, seconds, strict=True))
    ordered = killers_first(tests, sorted(killers), durations)
    assert sorted(ordered) == sorted(tests)  # same tests: a killer not covering is not added
    known = [t for t in ordered if t in killers]
    assert ordered[: len(known)] == known  # every known killer before every other test
    for group in (known, ordered[len(known):]):
        assert [durations[t] for t in group] == sorted(durations[t] for t in group)


def test_killer_files_read_most_recent_first_each_once(tmp_path: Path) -> None:
    path = killer_file(str(tmp_path), "pkg.mod.xǁBoxǁgrow")
    assert read_killers(path) == []  # no file yet: no history
    Path(path).write_text("t::a\nt::b\n\nt::a\n", encoding="utf-8")
    assert read_killers(path) == ["t::a", "t::b"]


def test_kill_matrix_killers_seed_the_function_files(tmp_path: Path) -> None:
    stage = Stage(root=tmp_path, folder=tmp_path / "stage", source_paths=["pkg"],
                  test_paths=["tests"])
    mutants = [
        record(st.KILLED, TESTS[:3], [TESTS[1], TESTS[2]], 1),
        record(st.KILLED, TESTS[:3], [TESTS[0]], 2),
        record(st.SURVIVED, TESTS[:3], [], 3),
    ]
    other = MutantRecord(id="pkg.__init__.x_g__mutmut_1", path="pkg/__init__.py",
                         module="pkg", function="g", status=st.KILLED, killed_by=[TESTS[4]])
    save_killers(stage, [*mutants, other])
    # the name mutmut gives the function when it tests the mutant ("__init__." dropped)
    assert sorted(read_killers(killer_file(str(stage.killers), "m.x_f"))) == TESTS[:3]
    assert read_killers(killer_file(str(stage.killers), "pkg.x_g")) == [TESTS[4]]


def test_terminal_line_says_a_lower_bound_is_one() -> None:
    durations = {TESTS[0]: 0.25}
    mutants = [record(st.KILLED, [TESTS[0]], None)]
    limit = run_limit(mutants, durations, cores=1, actual_seconds=5.0).to_dict()
    lines = MutationResult(mutants=mutants, limit=limit).terminal_lines()
    # 5 s of mutant phase against 0.25 s: 20x at most, the killers being unknown
    assert "mutant phase 5.0 s; physical limit 0.250 s on 1 cores (fastest covering test): " \
        "actual / limit <= 20" in lines


def test_killer_files_are_compacted_to_one_line_per_test(tmp_path: Path) -> None:
    stage = Stage(root=tmp_path, folder=tmp_path / "stage", source_paths=["pkg"],
                  test_paths=["tests"])
    stage.killers.mkdir(parents=True)
    path = Path(killer_file(str(stage.killers), "m.x_f"))
    path.write_text("t::b\nt::a\nt::b\nt::b\n", encoding="utf-8")
    compact_killers(stage)
    assert path.read_text(encoding="utf-8") == "t::a\nt::b\n"
