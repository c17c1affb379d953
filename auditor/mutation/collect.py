"""Turn mutmut's files into :class:`MutantRecord` objects, located and scored."""

from __future__ import annotations

import hashlib
import json
from dataclasses import astuple
from pathlib import Path
from typing import Any

from auditor.mutation import status as st
from auditor.mutation.locations import FileLocator, Location
from auditor.mutation.notmutated import analyse_module
from auditor.mutation.reader import (
    FileMeta,
    Stats,
    local_name,
    mangled_of,
    module_of,
    qualname_of_mangled,
)
from auditor.mutation.records import ModuleInfo, MutantRecord, NotMutated
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
    cache = _LocationCache(stage)
    for rel, meta in sorted(metas.items()):
        locate = cache.locator(rel)
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
            location = locate(local_name(key), qualname)
            if location is not None:
                record.line, record.column = location.line, location.column
                record.end_line, record.end_column = location.end_line, location.end_column
                record.original, record.mutated = location.original, location.mutated
                record.diff = location.diff
            records.append(record)
    cache.save()
    return records


LOCATION_CACHE = "audit-locations.json"


class _LocationCache:
    """Mutant locations per file, kept while the source and its mutated copy are unchanged.

    Locating every mutant parses and diffs each mutated module; on a re-run
    most files are untouched, so their locations are read back instead. An
    entry is used only under the digest of both files' current bytes.
    """

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.file = stage.folder / LOCATION_CACHE
        try:
            loaded = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = {}
        self.old: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
        self.new: dict[str, Any] = {}

    def locator(self, rel: str) -> Any:
        """``locate(local_key, qualname) -> Location | None`` for the mutants of ``rel``."""
        try:
            original = (self.stage.folder / rel).read_bytes()
            mutated = (self.stage.mutants / rel).read_bytes()
        except OSError:
            return lambda local_key, qualname: None
        digest = hashlib.sha256(original + b"\0" + mutated).hexdigest()
        entry = self.old.get(rel)
        known: dict[str, Any] = {}
        if isinstance(entry, dict) and entry.get("digest") == digest:
            known = dict(entry.get("locations") or {})
        self.new[rel] = {"digest": digest, "locations": known}
        built: list[FileLocator | None] = []

        def locate(local_key: str, qualname: str) -> Location | None:
            if local_key in known:
                row = known[local_key]
                return Location(*row) if row is not None else None
            if not built:
                built.append(
                    FileLocator.from_files(self.stage.folder / rel, self.stage.mutants / rel)
                )
            location = built[0].locate(local_key, qualname) if built[0] else None
            known[local_key] = list(astuple(location)) if location is not None else None
            return location

        return locate

    def save(self) -> None:
        if self.new != self.old:
            self.file.write_text(json.dumps(self.new), encoding="utf-8")


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
