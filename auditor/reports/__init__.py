"""Report formats: pure functions of an :class:`~auditor.model.AuditResult`.

A format is a module with ``FILENAME`` (relative to the output folder) and
``render(result, sources) -> str``, and optionally ``applies(result) -> bool``
(a format for one analysis, e.g. SARIF or mutation elements, applies only
when that analysis ran). :func:`write_reports` renders every format that
applies, then writes each file atomically (a temporary file in the same
folder, then ``os.replace``), so a reader never sees half a report. The
folder is ours alone (:mod:`auditor.output_folder`): its manifest names what
we wrote, and nothing else in it is ever replaced or removed.

Formats are listed in :data:`FORMATS` by module name and imported when
reports are written: the generic ones here, then the formats each analysis
declares in ``report_formats`` (e.g. the mutation analysis's
mutation-testing-elements JSON), so this package names no analysis.
A listed module that does not exist (yet) is left out, so engineers can
land formats independently; a module that exists but fails to import is
an error like any other bug.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from auditor.model import AuditResult
from auditor.output_folder import WRITING, Manifest, claim, current_umask, write_manifest
from auditor.reports.sources import SourceReader
from auditor.timings import PhaseTimings, report_phase

__all__ = ["FORMATS", "SourceReader", "available_formats", "report_file_names", "warm_up_steps",
           "write_reports"]

FORMATS: list[str] = [
    "auditor.reports.html",  # index.html
    "auditor.reports.markdown",  # report.md
    "auditor.reports.json_report",  # report.json
    "auditor.reports.junit",  # junit.xml
    "auditor.reports.sarif",  # every analysis's findings as SARIF
    "auditor.reports.gitlab",  # gl-code-quality-report.json: the findings for GitLab
]


def available_formats() -> list[ModuleType]:
    """The format modules of :data:`FORMATS` and of the analyses that exist, imported."""
    from auditor.registry import report_formats

    modules = []
    for name in [*FORMATS, *report_formats()]:
        if importlib.util.find_spec(name) is None:
            continue
        modules.append(importlib.import_module(name))
    return modules


def warm_up_steps(root: Path, analyses: list[str]) -> list[Callable[[], object]]:
    """What writing the reports needs, as steps of the warm-up while the suite runs.

    The analyses' partial folders (their declarations, read from source or
    class), then each format's ``prepare(root, analyses)`` where it has one
    (it imports the libraries :func:`render` needs and loads what ``.audit/``
    has cached, writing nothing; see :mod:`auditor.testrun.warmup`). A format
    module stays cheap to import: the CLI imports each before the suite runs,
    for its ``FILENAME``.
    """
    from auditor.registry import template_dirs

    steps: list[Callable[[], object]] = [template_dirs]
    for module in available_formats():
        prepare = getattr(module, "prepare", None)
        if callable(prepare):
            steps.append(functools.partial(prepare, root, list(analyses)))
    return steps


def _applies(module: ModuleType, result: AuditResult) -> bool:
    applies = getattr(module, "applies", None)
    return True if applies is None else bool(applies(result))


def report_file_names() -> set[str]:
    """Every file name a format may write into the output folder."""
    return {str(module.FILENAME) for module in available_formats()}


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that ``path`` is always either old or new, whole.

    The file gets the permissions of a plain ``open()`` under the umask
    (``mkstemp`` alone would make it 0600, unreadable to a web server or a
    CI artifact uploader running as another user).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(temp_name, 0o666 & ~current_umask())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_reports(result: AuditResult, output_dir: Path, root: Path,
                  timings: PhaseTimings | None = None) -> list[Path]:
    """Render every applicable format and write it into ``output_dir``; return the paths.

    Everything is rendered before anything is written, so a failing format
    leaves the previous reports untouched. The file of a format that does
    not apply this time (its analysis did not run) is removed if the
    manifest says we wrote it, so the folder never mixes reports of two
    audits. A folder that is not ours is refused (:func:`auditor.output_folder.claim`).
    ``timings``: each format's rendering is recorded there as a phase.
    """
    timings = timings or PhaseTimings()
    previous = claim(output_dir, report_file_names())
    sources = SourceReader(root)
    rendered: list[tuple[Path, str]] = []
    stale: list[Path] = []
    for module in available_formats():
        path = output_dir / module.FILENAME
        if _applies(module, result):
            with timings.phase(report_phase(str(module.FILENAME))):
                rendered.append((path, module.render(result, sources)))
        elif path.name in previous.files:
            stale.append(path)
    new_names = [path.name for path, _ in rendered]
    # Name old and new files before writing any, so that a write killed halfway
    # leaves no file of ours that the manifest does not name.
    write_manifest(output_dir, Manifest(files=previous.files + new_names, status=WRITING))
    with timings.phase(report_phase("(writing the files)")):
        for path, text in rendered:
            write_atomic(path, text)
    for path in stale:
        path.unlink(missing_ok=True)
    write_manifest(output_dir, Manifest(files=new_names))
    return [path for path, _ in rendered]
