"""The report folder is ours alone: a manifest of what we wrote, checked before anything runs.

``--output docs`` used to overwrite and delete the user's own files. Now the
folder holds ``.audit-manifest.json``, the list of files the auditor wrote
there, and the rules are:

- a folder that does not exist, or is empty, becomes ours;
- a non-empty folder without our manifest is refused (exit 2) before the
  suite runs: ``--output .`` and ``--output docs`` with user files;
- only files named in the manifest are ever replaced or removed; a file of
  ours that the user replaced by hand while it was not in the manifest makes
  the folder refused too;
- a folder written by an auditor from before manifests (only names the
  auditor writes, one of them distinctive: ``report.json``, ``flaky.json``,
  ``review-charts``) is adopted, so upgrading does not break CI;
- ``audit review`` and ``audit flaky`` write their own files
  (:data:`OTHER_COMMAND_OUTPUTS`) into the same folder: they are never
  foreign, and a report run never replaces or removes them;
- on a failed or interrupted audit the reports of the previous run are
  removed and the manifest records the failure, so nobody reads an old
  result as the new one.

The manifest is rewritten (atomically) *before* reports are written, naming
the old and new files, and again after, naming the new ones: a write killed
halfway never leaves a file of ours that the manifest does not name.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor.errors import UsageError
from auditor.writable import unwritable_folder_reason

MANIFEST_NAME = ".audit-manifest.json"
_WRITTEN_BY = "test-auditor"
COMPLETE, WRITING, FAILED = "complete", "writing", "failed"
OTHER_COMMAND_OUTPUTS = frozenset(
    {"review.html", "review.md", "review-charts", "flaky.json", "flaky.md", "flaky"}
)
"""What ``audit review`` and ``audit flaky`` write into the output folder."""
_DISTINCTIVE = frozenset({"report.json", "flaky.json", "review-charts"})
"""Names no user folder is likely to hold: one of them marks a pre-manifest folder as ours."""


@dataclass
class Manifest:
    """What the auditor wrote into one output folder, and how the last audit ended."""

    files: list[str] = field(default_factory=list)
    status: str = COMPLETE
    updated: str = ""
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"written_by": _WRITTEN_BY, "files": sorted(set(self.files)),
                "status": self.status, "updated": self.updated, "error": self.error}


def read_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest; None when there is none. A broken one is an error (exit 2)."""
    path = folder / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: unreadable report manifest ({exc}); "
                         "remove the folder or choose another --output") from None
    files = data.get("files") if isinstance(data, dict) else None
    if (not isinstance(data, dict) or data.get("written_by") != _WRITTEN_BY
            or not isinstance(files, list) or not all(_plain_name(f) for f in files)):
        raise UsageError(f"{path}: not a test-auditor report manifest; "
                         "remove the folder or choose another --output")
    return Manifest(files=list(files), status=str(data.get("status", COMPLETE)),
                    updated=str(data.get("updated", "")), error=str(data.get("error", "")))


def _plain_name(name: object) -> bool:
    """A file directly in the folder: a manifest never names anything elsewhere."""
    return isinstance(name, str) and name not in ("", ".", "..", MANIFEST_NAME) and "/" not in name


def _is_our_temp(name: str, ours: set[str]) -> bool:
    """A temporary file of :func:`~auditor.reports.write_atomic` left by a killed write."""
    return name.endswith(".tmp") and any(name.startswith(f".{n}.") for n in ours | {MANIFEST_NAME})


def claim(folder: Path, our_names: set[str]) -> Manifest:
    """Check that ``folder`` may receive our reports; return its (possibly empty) manifest.

    ``our_names``: every file name a report format may write. Raises
    :class:`UsageError` (exit 2) naming the folder and the reason.
    """
    check_writable_folder(folder, "--output")
    if not folder.exists():
        return Manifest()
    entries = sorted(os.listdir(folder))
    manifest = read_manifest(folder)
    if manifest is None:
        known = our_names | OTHER_COMMAND_OUTPUTS
        foreign = [n for n in entries if n not in known and not _is_our_temp(n, our_names)]
        if not entries:
            return Manifest()
        if not foreign and _DISTINCTIVE & set(entries):  # written before manifests existed
            return Manifest(files=[n for n in entries if n in our_names])
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise UsageError(
            f"--output {folder}: folder is not empty and holds files the auditor did not "
            f"write ({shown}); choose a new or empty folder"
        )
    clashing = sorted((our_names & set(entries)) - set(manifest.files))
    if clashing:
        raise UsageError(
            f"--output {folder}: {', '.join(clashing)} was not written by the auditor "
            f"(not in {MANIFEST_NAME}); move it away or choose another folder"
        )
    return manifest


def check_writable_folder(folder: Path, what: str) -> None:
    """``folder`` is, or can be created as, a folder we can write (else exit 2)."""
    reason = unwritable_folder_reason(folder)
    if reason:
        raise UsageError(f"{what} {folder}: {reason}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Replace the manifest atomically (a reader sees the old or the new one, whole)."""
    manifest.updated = _now()
    text = json.dumps(manifest.to_dict(), indent=2) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{MANIFEST_NAME}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp_name, 0o666 & ~current_umask())
        os.replace(temp_name, folder / MANIFEST_NAME)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def current_umask() -> int:
    """The process umask (read by setting and restoring it; we are single-threaded here)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def mark_failed(folder: Path, reason: str) -> list[str]:
    """After a failed or interrupted audit: remove our old reports, record why; return them.

    Only a folder with our manifest is touched, and only the files it names.
    """
    if not folder.is_dir():
        return []
    try:
        manifest = read_manifest(folder)
    except UsageError:
        return []
    if manifest is None:
        return []
    removed = []
    for name in manifest.files:
        path = folder / name
        if path.is_file() or path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(name)
    write_manifest(folder, Manifest(files=[], status=FAILED, error=reason))
    return removed
