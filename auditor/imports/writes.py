"""Writes at import: what the worker saw, and a check of the tree that needs no worker.

The worker's guard (``_guard.py``) blocks and logs every write into the
project tree made through Python's file functions, and lists what each
module left in its scratch working directory and home. Two things it cannot
see: C code writing with ``fopen`` and subprocesses. For those,
:func:`snapshot` records every file of the package folders (where
``__file__`` writes land) and the files at the top of the project root,
before and after the check; :func:`changes` lists what differs. Bytecode
caches are left out (other tools on the same tree write them), and so is
anything that is not ours to judge: ``.audit/``, ``.git/``.
"""

from __future__ import annotations

import os
from pathlib import Path

from auditor.imports.checker import ModuleOutcome
from auditor.imports.result import ImportWrite
from auditor.project import PackageLocation

Stamp = tuple[int, int, int]  # size, mtime in ns, inode


def _stamp(path: Path) -> Stamp | None:
    try:
        info = path.lstat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino)


def snapshot(root: Path, packages: list[PackageLocation]) -> dict[str, Stamp]:
    """Stamps of the package files and the project root's own files, by relative path."""
    stamps: dict[str, Stamp] = {}
    resolved = root.resolve()

    def record(path: Path) -> None:
        if path.suffix == ".pyc":
            return
        stamp = _stamp(path)
        if stamp is not None:
            stamps[path.resolve().relative_to(resolved).as_posix()] = stamp

    for entry in sorted(root.iterdir()):
        if not entry.is_dir():
            record(entry)
    for location in packages:
        if location.is_module:
            record(location.path)
            continue
        for folder, subfolders, files in os.walk(location.path):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in files:
                record(Path(folder) / name)
    return stamps


def changes(before: dict[str, Stamp], after: dict[str, Stamp]) -> list[ImportWrite]:
    """Files created, changed or removed between two snapshots, as unattributed writes."""
    found = []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        action = "created" if old is None else "removed" if new is None else "changed"
        found.append(ImportWrite(module="", where="project", path=path, action=action))
    return found


def relative_to_root(path: str, root: Path) -> str:
    """A path inside the project relative to its root; anything else as it is."""
    if not path:
        return ""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return path


def writes_of(outcome: ModuleOutcome, root: Path) -> list[ImportWrite]:
    """The writes the worker reported for one module.

    When the import stopped at a blocked write, that is the last one it blocked.
    """
    blocked = [i for i, entry in enumerate(outcome.writes) if entry.get("blocked")]
    stopped_at = blocked[-1] if outcome.blocked_write and blocked else None
    return [
        ImportWrite(
            module=outcome.module,
            where=str(entry["where"]),
            path=str(entry["path"]),
            action=str(entry["action"]),
            blocked=bool(entry.get("blocked")),
            file=relative_to_root(str(entry.get("file") or ""), root),
            line=entry.get("line") if isinstance(entry.get("line"), int) else None,
            stopped_import=index == stopped_at,
        )
        for index, entry in enumerate(outcome.writes)
    ]
