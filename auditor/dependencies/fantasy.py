"""The mock fantasy: production code that talks to a dependency no covering test let it meet.

For each module of the code under audit and each dependency it imports
(:mod:`auditor.dependencies.production`), the tests that covered its use
sites come from the coverage contexts of the one test run (one context per
test, switched by the plugin). The dependency was *met for real* when one of
those tests used it (a recorded use of the right kind: a ``sqlite3.connect``
for sqlite3, a socket or an HTTP request for an HTTP client or kubernetes, a
subprocess for ``subprocess``). When none did and some had it patched, the
module is "never tested for real": every test that ran its database code ran
it against a mock.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from auditor.dependencies.production import ProductionUse, evidence_for
from auditor.dependencies.records import TestRecord

REAL = "real"
PATCHED = "patched"
NOT_MET = "not-met"
NOT_COVERED = "not-covered"


@dataclass
class DependencyUse:
    """One dependency of one module and what its covering tests did with it."""

    path: str
    module: str
    dependency: str
    kind: str
    import_line: int
    use_lines: int
    covering_tests: int
    real_tests: int
    patched_tests: int
    status: str
    patch_targets: list[str] = field(default_factory=list)
    example_test: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DependencyUse:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class Contexts:
    """Which tests (coverage contexts) ran which lines of which file."""

    def __init__(self, data_file: Path | None, nodeids: set[str]) -> None:
        self._by_file: dict[str, dict[int, list[str]]] = {}
        self.error = ""
        self._nodeids = nodeids
        self._data: Any = None
        self._files: dict[str, str] = {}
        if data_file is None or not data_file.exists():
            self.error = "no coverage data"
            return
        try:
            from coverage import CoverageData

            data = CoverageData(basename=str(data_file))
            data.read()
            self._files = {os.path.realpath(f): f for f in data.measured_files()}
            if data.measured_files() and not set(data.measured_contexts()) - {""}:
                self.error = "the run recorded no per-test coverage contexts"
                return
            self._data = data
        except Exception as error:  # another coverage.py's data file, or a damaged one
            self.error = f"coverage contexts unreadable: {error}"

    @property
    def available(self) -> bool:
        return self._data is not None

    def _test(self, context: str) -> str:
        if context in self._nodeids:
            return context
        return context.partition("|")[2]  # a project's static context comes first

    def by_line(self, path: Path) -> dict[int, set[str]]:
        measured = self._files.get(os.path.realpath(path))
        if measured is None or self._data is None:
            return {}
        if measured not in self._by_file:
            self._by_file[measured] = self._data.contexts_by_lineno(measured)
        return {line: {t for t in map(self._test, contexts) if t in self._nodeids}
                for line, contexts in self._by_file[measured].items()}  # fmt: skip

    def tests_of(self, path: Path, lines: set[int] | None = None) -> set[str]:
        """The tests that ran ``lines`` of the file (any line when ``None``)."""
        found: set[str] = set()
        for line, tests in self.by_line(path).items():
            if lines is None or line in lines:
                found |= tests
        return found


def judge(path: str, module: str, use: ProductionUse, covering: set[str],
          records: dict[str, TestRecord]) -> DependencyUse:
    """What the covering tests of one dependency's use sites did with it."""
    tests = [records[t] for t in sorted(covering) if t in records]
    evidence = evidence_for(use.dependency)
    real = [t for t in tests if t.used(evidence)]
    patched = [t for t in tests if t.patched(use.dependency)]
    targets = sorted({p.target for t in patched for p in t.patched(use.dependency)})
    if not tests:
        status = NOT_COVERED
    elif real:
        status = REAL
    elif patched:
        status = PATCHED
    else:
        status = NOT_MET
    shown = real or patched or tests
    return DependencyUse(
        path=path, module=module, dependency=use.dependency, kind=use.kind,
        import_line=use.import_line, use_lines=len(use.lines), covering_tests=len(tests),
        real_tests=len(real), patched_tests=len(patched), status=status,
        patch_targets=targets[:10], example_test=shown[0].nodeid if shown else "",
    )
