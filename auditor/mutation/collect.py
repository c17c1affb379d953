"""Turn mutmut's files into :class:`MutantRecord` objects, located and scored."""

from __future__ import annotations

from pathlib import Path

from auditor.mutation import status as st
from auditor.mutation.locations import FileLocator
from auditor.mutation.notmutated import analyse_module
from auditor.mutation.reader import (
    FileMeta,
    Stats,
    local_name,
    mangled_of,
    module_of,
    qualname_of_mangled,
)
from auditor.mutation.result import ModuleInfo, MutantRecord, NotMutated
from auditor.mutation.staging import Stage


def build_records(
    stage: Stage,
    metas: dict[str, FileMeta],
    stats: Stats,
    only: set[str] | None = None,
    no_tests_fallback: bool = False,
) -> list[MutantRecord]:
    """One record per mutant (restricted to ``only`` when given), with its location.

    ``no_tests_fallback``: mutmut stopped because no test reaches any mutated
    function; its unchecked mutants are then "no tests", which is what they are.
    """
    records = []
    for rel, meta in sorted(metas.items()):
        locator = FileLocator.from_files(stage.folder / rel, stage.mutants / rel)
        for key, code in sorted(meta.exit_code_by_key.items()):
            if only is not None and key not in only:
                continue
            mangled = mangled_of(key)
            qualname = qualname_of_mangled(mangled.rsplit(".", 1)[1])
            covered = stats.tests_by_function.get(mangled, [])
            status = st.status_of(code)
            if status == st.NOT_CHECKED and no_tests_fallback and not covered:
                status = st.NO_TESTS
            record = MutantRecord(
                id=key,
                path=rel,
                module=module_of(key),
                function=qualname,
                status=status,
                exit_code=code,
                covered_by=list(covered),
                duration_seconds=meta.durations_by_key.get(key),
            )
            location = locator.locate(local_name(key), qualname) if locator else None
            if location is not None:
                record.line, record.column = location.line, location.column
                record.end_line, record.end_column = location.end_line, location.end_column
                record.original, record.mutated = location.original, location.mutated
                record.diff = location.diff
            records.append(record)
    return records


def source_files(stage: Stage) -> list[str]:
    found = []
    for rel in stage.source_paths:
        base = stage.folder / rel
        paths = [base] if base.is_file() else sorted(base.rglob("*.py"))
        for path in paths:
            if "__pycache__" in path.parts:
                continue
            found.append(path.relative_to(stage.folder).as_posix())
    return found


def not_mutated(
    stage: Stage, metas: dict[str, FileMeta]
) -> tuple[dict[str, ModuleInfo], list[NotMutated]]:
    infos: dict[str, ModuleInfo] = {}
    entries: list[NotMutated] = []
    for rel in source_files(stage):
        source = Path(stage.folder / rel).read_text(encoding="utf-8", errors="replace")
        meta = metas.get(rel)
        reason = None if meta is not None else "not mutated: excluded by configuration or no run"
        functions = set(meta.hash_by_function_name) if meta else set()
        info, found = analyse_module(rel, source, functions, reason)
        infos[rel] = info
        entries += found
    return infos, entries
