"""Can we write here? Asked before an audit runs, so a bad path costs nothing.

The kernel is the judge (``os.access`` and the mount's read-only flag), not
the file mode: a read-only mount refuses root too.
"""

from __future__ import annotations

import os
from pathlib import Path


def unwritable_folder_reason(folder: Path) -> str | None:
    """Why ``folder`` cannot be, or be created as, a folder we write into; None if it can."""
    if folder.exists() and not folder.is_dir():
        return "is a file, not a folder"
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if os.statvfs(existing).f_flag & os.ST_RDONLY:
        return f"{existing} is on a read-only file system"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


def unwritable_file_reason(path: Path) -> str | None:
    """Why ``path`` cannot be written or created as a file; None if it can.

    The folder must be writable too: SQLite, for one, writes its journal
    next to the database.
    """
    if path.is_dir():
        return "is a folder, not a file"
    reason = unwritable_folder_reason(path.parent)
    if reason is None and path.exists() and not os.access(path, os.W_OK):
        reason = "file is read-only"
    return reason
