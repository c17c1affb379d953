"""Settling patch targets by importing their module: "when in doubt, look".

Static reading gives up on some targets: a module that binds names at import
time (star imports, ``globals()``, a module ``__getattr__``), a class with a
base outside the package or a metaclass. ``mock.patch`` decides with
``getattr`` on the imported object, so the analysis does the same, in the
import-validation worker (:mod:`auditor.imports.checker`: the project's own
interpreter, each module imported in its own child, in a scratch working
directory behind the write guard). Only classes and modules are looked at,
never an instance: what a base class's ``__init__`` puts on an instance only
the run knows, and such a stub is not reported.
"""

from __future__ import annotations

from pathlib import Path

from auditor.errors import ConfigError, IncompleteAuditError
from auditor.imports.checker import CheckRequest, check_imports
from auditor.mocks.engine import LookUp
from auditor.project import PackageLocation

LOOKUP_TIMEOUT = 10.0  # seconds per module, as the imports analysis's default


def importing_look_up(python: str, root: Path, packages: list[PackageLocation],
                      timeout: float = LOOKUP_TIMEOUT) -> LookUp:
    """A look-up for :func:`auditor.mocks.engine.analyse_project` that imports the
    modules of the code under audit with ``python``."""

    def look_up(pairs: list[tuple[str, str]]) -> tuple[dict[str, bool | None], str]:
        paths: dict[str, list[str]] = {}
        for module, path in pairs:
            paths.setdefault(module, []).append(path)
        request = CheckRequest(
            python=python, root=root,
            import_roots=list(dict.fromkeys(p.import_root.resolve() for p in packages)),
            modules=sorted(paths), package_tops=sorted({p.name.split(".")[0] for p in packages}),
            timeout=timeout, workers=1, lookups=paths,
        )
        what = (f"{len(pairs)} patch target(s) that static reading cannot settle "
                f"(dynamic modules, bases outside the package)")
        try:
            run = check_imports(request)
        except (IncompleteAuditError, ConfigError) as error:
            return {}, f"mock-unresolved: {what} were not checked ({error}); none is reported"
        seen: dict[str, bool | None] = {}
        failed = sorted(m for m, outcome in run.outcomes.items() if not outcome.ok)
        for module, outcome in run.outcomes.items():
            for path, found in outcome.lookups.items():
                seen[f"{module}.{path}"] = found
        absent = sum(1 for found in seen.values() if found is False)
        note = (f"mock-unresolved: {what} were looked up by importing {len(paths)} "
                f"module(s): {absent} do not exist")
        if failed:
            note += (f"; {len(failed)} module(s) did not import ({', '.join(failed[:3])}), "
                     "their targets are not reported")
        return seen, note

    return look_up


__all__ = ["importing_look_up"]
