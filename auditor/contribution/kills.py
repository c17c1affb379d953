"""Per test: the mutants it kills, those only it kills, and who adds nothing.

Input is the kill matrix as two maps over the *valid* mutants: which tests
cover each mutant and which tests kill it. From these:

- a test's **unique kills**: mutants it kills and no other test kills;
- **redundant** tests: they kill something, but every mutant they kill is
  killed by another test too (for mutation purposes, deleting one of them
  alone loses nothing; two tests that repeat each other are both redundant,
  and deleting both does lose their kills);
- tests **killing nothing**: they cover mutated code and kill no mutant.

A leaf module: it imports nothing of ours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class KillsOfTest:
    """One test's part of the kill matrix (mutant ids, sorted)."""

    test: str
    covered: tuple[str, ...] = ()
    killed: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()

    @property
    def redundant(self) -> bool:
        return bool(self.killed) and not self.unique

    @property
    def kills_nothing(self) -> bool:
        return bool(self.covered) and not self.killed


@dataclass
class Contribution:
    """Every test of the kill matrix with its kills, by node id (sorted)."""

    tests: dict[str, KillsOfTest] = field(default_factory=dict)

    def with_unique_kills(self) -> list[str]:
        return [name for name, t in self.tests.items() if t.unique]

    def redundant(self) -> list[str]:
        return [name for name, t in self.tests.items() if t.redundant]

    def killing_nothing(self) -> list[str]:
        return [name for name, t in self.tests.items() if t.kills_nothing]


def contribution(
    covered_by: Mapping[str, Iterable[str]], killed_by: Mapping[str, Iterable[str]]
) -> Contribution:
    """The contribution of each test, from ``mutant -> covering tests`` and
    ``mutant -> killing tests`` (both over the same valid mutants)."""
    covers: dict[str, set[str]] = {}
    kills: dict[str, set[str]] = {}
    unique: dict[str, set[str]] = {}
    for mutant, tests in covered_by.items():
        for test in tests:
            covers.setdefault(test, set()).add(mutant)
    for mutant, tests in killed_by.items():
        killers = set(tests)
        for test in killers:
            kills.setdefault(test, set()).add(mutant)
        if len(killers) == 1:
            unique.setdefault(next(iter(killers)), set()).add(mutant)
    names = sorted(set(covers) | set(kills))
    return Contribution(
        {
            name: KillsOfTest(
                name,
                tuple(sorted(covers.get(name, ()))),
                tuple(sorted(kills.get(name, ()))),
                tuple(sorted(unique.get(name, ()))),
            )
            for name in names
        }
    )


def base_name(nodeid: str) -> str:
    """A node id without its parameters: ``t.py::test_f[1]`` -> ``t.py::test_f``."""
    head, sep, _ = nodeid.partition("[")
    return head if sep else nodeid


def new_kills(kills: Mapping[str, Iterable[str]], is_new: set[str]) -> dict[str, list[str]]:
    """Per new test (a node id in ``kills`` whose :func:`base_name` or itself is in
    ``is_new``), the mutants it kills that no older test of ``kills`` kills.

    "Older" is every other test of the map. Two new tests that kill the same
    mutant no older test kills both count: each of them catches something
    the old suite did not.
    """
    new = {t for t in kills if t in is_new or base_name(t) in is_new}
    old_kills = {m for test, mutants in kills.items() if test not in new for m in mutants}
    return {test: sorted(set(kills[test]) - old_kills) for test in sorted(new)}
