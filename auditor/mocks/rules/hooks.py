"""What the engine hands each rule hook (see :class:`auditor.mocks.rules.base.Rule`).

One context per phase: a function being extracted (its libcst scan), a patch
being judged (resolved through the project index), a test being judged (its
assertions and patches counted, the audit's run consulted). The engine builds
the context once and every rule of the registry reads it, so a rule never
walks the tree or looks up a file itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from auditor.mocks.facts import FunctionFacts, PatchFact
from auditor.mocks.resolve import ProjectIndex, Resolution
from auditor.mocks.scan import FunctionScan


@dataclass
class FunctionContext:
    """One function of a test file, after its patches were collected.

    ``bound``: id of a call -> the name its result is stored in;
    ``contained``: ids of mock constructors that are part of another mock.
    """

    scan: FunctionScan
    function: FunctionFacts
    bound: dict[int, str] = field(default_factory=dict)
    contained: set[int] = field(default_factory=set)

    @property
    def patched(self) -> set[str]:
        """The dotted targets the function patches (``time.sleep``)."""
        return {p.target for p in self.function.patches if p.target}


@dataclass
class PatchContext:
    """One patch of ``function`` (a test, fixture, helper or setUp method)."""

    index: ProjectIndex
    patch: PatchFact
    function: FunctionFacts

    @cached_property
    def name(self) -> str | None:
        """The dotted name patched (``pkg.mod.attr``), ``None`` when not static."""
        return patched_name(self.patch)

    @cached_property
    def resolution(self) -> Resolution | None:
        return None if self.name is None else self.index.resolve(self.name)


def patched_name(fact: PatchFact) -> str | None:
    """The dotted name a patch replaces (``pkg.mod.attr``), ``None`` when not static."""
    if fact.target is not None:
        return fact.target
    if fact.object_ref is None:
        return None
    if fact.attribute is None:
        return fact.object_ref if fact.api in ("dict", "multiple") else None
    return f"{fact.object_ref}.{fact.attribute}"


def patched_names(fact: PatchFact) -> list[str] | None:
    """Every dotted name the patch replaces: one, or each of a patch.multiple's
    keywords on its target; ``None`` when not static."""
    name = patched_name(fact)
    if name is None:
        return None
    return [f"{name}.{member}" for member in fact.members] if fact.members else [name]


@dataclass
class TestContext:
    """One test, with what the engine counted for it.

    ``mock_assertions``/``value_assertions``: assertions on mock call records
    (not those of a patched boundary) and on values (its helpers' included);
    ``patches``: every patch the test asks for; ``project_patches``: those that
    replace code under audit (not a boundary: what mock-density counts);
    ``executed``: assertions the audit's run counted (``None``: no run, or the
    test was not matched); ``uncounted``: it has assertions the run cannot
    count (mock ``assert_*``, parametrized expectations, ``assert_*()``
    helpers); ``no_verdict``: skipped at run time, or a benchmark.
    """

    __test__ = False  # not a pytest test class, despite the name

    function: FunctionFacts
    test_id: str
    mock_assertions: int
    value_assertions: int
    patches: int
    project_patches: int
    max_patches: int
    static_asserts: bool
    executed: int | None
    uncounted: bool
    no_verdict: bool


@dataclass(frozen=True)
class Verdict:
    """A finding on a test: its message and what decided it (static or runtime)."""

    message: str
    source: str = "static"


__all__ = ["FunctionContext", "PatchContext", "TestContext", "Verdict", "patched_name",
           "patched_names"]
