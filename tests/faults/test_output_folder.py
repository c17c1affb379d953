"""The output folder is ours alone (issue 9, part 8): real ``audit`` runs on real projects.

A folder that is not ours is refused with exit 2 before anything runs (no
``.audit/`` folder, no run folder appears, the tree is byte-identical); only
the files our manifest names are replaced or removed; a failed run leaves no
old report that could be read as new; unwritable output and history paths
are exit 2 up front; report files follow the umask.

The tests that start from a project already audited once share that first
audit: it runs once per module (:func:`audited_once`) and each test gets a
copy of the project, its reports and its ``.audit/`` state.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from auditor.output_folder import MANIFEST_NAME
from tests.faults.processes import finish, no_traceback, start_audit
from tests.support.projects import (
    AuditRun,
    make_calc_project,
    read_report,
    run_audit,
    tree_digest,
)

pytestmark = pytest.mark.slow

# A coverage-only audit (SARIF and the GitLab report are written for any analysis: an empty
# list says "nothing found").
REPORTS = {"index.html", "report.md", "report.json", "junit.xml", "report.sarif",
           "gl-code-quality-report.json"}


def _project(tmp_path: Path) -> Path:
    return make_calc_project(tmp_path / "p")


@pytest.fixture(scope="module")
def audited_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The calc project after one successful ``audit report`` (copy it, never change it)."""
    project = _project(tmp_path_factory.mktemp("audited-once"))
    first = run_audit("report", project)
    assert first.exit_code == 0, first.stderr
    return project


def _audited_copy(audited_once: Path, tmp_path: Path) -> Path:
    """A copy of the once-audited project: its tree, its reports, its history and state."""
    return shutil.copytree(audited_once, tmp_path / "p", symlinks=True)


def _refused_before_running(project: Path, done: AuditRun, before: dict[str, str],
                            *phrases: str) -> None:
    assert done.exit_code == 2, done.stderr
    assert len(done.error_lines) == 1 and done.stderr.count("\n") == 1, done.stderr
    for phrase in phrases:
        assert phrase in done.error_lines[0]
    assert no_traceback(done)
    assert not (project / ".audit").exists()  # nothing ran: not even our state folder
    assert tree_digest(project, ignore=()) == before


def _manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / MANIFEST_NAME).read_text())
    return data


def _without_dac_override() -> list[str]:
    """As root, permission bits do not stop writes: drop that capability for the audit."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a folder read-only")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def _audit_without_dac_override(*args: str | Path) -> AuditRun:
    return finish(start_audit(*args, prefix=_without_dac_override()))


def test_project_root_as_output_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    before = tree_digest(project, ignore=())
    done = run_audit("report", project, "--output", ".", cwd=project)
    _refused_before_running(project, done, before, f"--output {project}:",
                            "did not write", "pyproject.toml")


def test_a_folder_with_user_files_is_refused_and_left_alone(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "docs").mkdir()
    (project / "docs" / "guide.md").write_text("# our guide\n")
    before = tree_digest(project, ignore=())
    done = run_audit("report", project, "--output", project / "docs")
    _refused_before_running(project, done, before, "docs", "guide.md", "not empty")


def test_an_existing_file_as_output_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "notes.txt").write_text("mine\n")
    before = tree_digest(project, ignore=())
    done = run_audit("report", project, "--output", project / "notes.txt")
    _refused_before_running(project, done, before, "notes.txt", "is a file, not a folder")
    below = run_audit("report", project, "--output", project / "notes.txt" / "out")
    _refused_before_running(project, below, before, "notes.txt is a file, not a folder")


def test_an_output_below_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    locked = project / "locked"
    locked.mkdir()
    before = tree_digest(project, ignore=())
    locked.chmod(0o555)
    try:
        done = _audit_without_dac_override("report", project, "--output", locked / "out")
    finally:
        locked.chmod(0o755)
    _refused_before_running(project, done, before, f"{locked} is not writable")


def test_an_unwritable_history_is_refused_before_the_suite_runs(tmp_path: Path) -> None:
    project = _project(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "history.db").write_bytes(b"")
    before = tree_digest(project, ignore=())
    locked.chmod(0o555)
    try:
        done = _audit_without_dac_override("report", project, "--history",
                                           locked / "history.db")
    finally:
        locked.chmod(0o755)
    assert done.exit_code == 2, done.stderr
    assert done.error_lines == [
        f"audit: error: history database {locked / 'history.db'}: {locked} is not writable; "
        "point [tool.audit] history / --history at a writable path"
    ]
    assert not (project / "audit-report").exists()
    assert not (project / ".audit" / "runs").exists()  # the suite never started
    assert tree_digest(project) == before


def test_only_files_in_the_manifest_are_replaced_or_removed(
    audited_once: Path, tmp_path: Path
) -> None:
    project = _audited_copy(audited_once, tmp_path)  # after a first audit, exit 0
    output = project / "audit-report"
    assert set(_manifest(output)["files"]) == REPORTS
    assert set(os.listdir(output)) == REPORTS | {MANIFEST_NAME}
    (output / "notes.txt").write_text("my notes\n")  # a file of the user's, in our folder
    second = run_audit("report", project)
    assert second.exit_code == 0, second.stderr
    assert (output / "notes.txt").read_text() == "my notes\n"
    # A report name we did not write (mutation.json needs the mutation analysis) is
    # the user's: the next audit refuses rather than replace or remove it.
    (output / "mutation.json").write_text("their own mutation report\n")
    before = tree_digest(project, ignore=(".audit",))
    third = run_audit("report", project)
    assert third.exit_code == 2
    assert third.error_lines == [
        f"audit: error: --output {output}: mutation.json was not written by the auditor "
        f"(not in {MANIFEST_NAME}); move it away or choose another folder"
    ]
    assert tree_digest(project, ignore=(".audit",)) == before


def test_a_failed_run_removes_the_old_reports(audited_once: Path, tmp_path: Path) -> None:
    project = _audited_copy(audited_once, tmp_path)  # after a first audit, exit 0
    output = project / "audit-report"
    (output / "notes.txt").write_text("my notes\n")
    (project / "tests" / "test_broken.py").write_text("def test_broken():\n    assert 0\n")
    failed = run_audit("report", project)
    assert failed.exit_code == 3
    assert "tests/test_broken.py::test_broken" in failed.error_lines[0]
    # nothing left that could be read as this run's result; the user's file stays
    assert sorted(os.listdir(output)) == sorted([MANIFEST_NAME, "notes.txt"])
    manifest = _manifest(output)
    assert manifest["status"] == "failed" and manifest["files"] == []
    assert "tests/test_broken.py::test_broken" in str(manifest["error"])
    (project / "tests" / "test_broken.py").unlink()
    again = run_audit("report", project)
    assert again.exit_code == 0, again.stderr
    assert read_report(project)["tests"]["counts"]["passed"] == 3  # the calc suite's 3 tests


def test_a_folder_written_before_manifests_is_adopted(audited_once: Path, tmp_path: Path) -> None:
    project = _audited_copy(audited_once, tmp_path)  # after a first audit, exit 0
    output = project / "audit-report"
    (output / MANIFEST_NAME).unlink()  # as an auditor from before manifests left it
    again = run_audit("report", project)
    assert again.exit_code == 0, again.stderr
    assert set(_manifest(output)["files"]) == REPORTS


def test_a_foreign_manifest_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "out").mkdir()
    (project / "out" / MANIFEST_NAME).write_text('{"files": ["../pyproject.toml"]}')
    before = tree_digest(project, ignore=())
    done = run_audit("report", project, "--output", project / "out")
    _refused_before_running(project, done, before, "not a test-auditor report manifest")


@pytest.mark.parametrize("umask", [0o022, 0o027], ids=["umask-022", "umask-027"])
def test_report_files_follow_the_umask(tmp_path: Path, umask: int) -> None:
    project = _project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "auditor", "report", str(project)],
        capture_output=True, text=True, timeout=300, check=False,
        preexec_fn=lambda: os.umask(umask),
    )
    assert done.returncode == 0, done.stderr
    # what open() creates under this umask: rw for everyone, minus the umask's bits
    expected = 0o666 & ~umask
    output = project / "audit-report"
    for name in REPORTS | {MANIFEST_NAME}:
        assert stat.S_IMODE((output / name).stat().st_mode) == expected, name


def test_review_files_share_the_folder_and_review_refuses_a_foreign_one(
    audited_once: Path, tmp_path: Path
) -> None:
    project = _audited_copy(audited_once, tmp_path)  # after a first audit, exit 0
    output = project / "audit-report"
    review = run_audit("review", project)
    assert review.exit_code == 0, review.stderr
    review_files = {n: (output / n).read_bytes() for n in ("review.html", "review.md")}
    again = run_audit("report", project)
    assert again.exit_code == 0, again.stderr
    # the report run neither refused the review's files nor replaced them
    assert {n: (output / n).read_bytes() for n in review_files} == review_files
    (project / "docs").mkdir()
    (project / "docs" / "guide.md").write_text("# our guide\n")
    before = tree_digest(project, ignore=(".audit",))
    refused = run_audit("review", project, "--output", project / "docs")
    assert refused.exit_code == 2
    assert len(refused.error_lines) == 1 and "guide.md" in refused.error_lines[0]
    assert tree_digest(project, ignore=(".audit",)) == before


def test_an_output_on_a_read_only_file_system_is_refused(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rm", "true"], check=False).returncode:
        pytest.skip("needs `unshare -rm` (user and mount namespaces) for a read-only mount")
    project = _project(tmp_path)
    mount = tmp_path / "ro"
    mount.mkdir()
    before = tree_digest(project, ignore=())
    # a real tmpfs, remounted read-only: the kernel refuses every write, root or not
    script = (f"mount -t tmpfs tmpfs {mount} && mount -o remount,ro {mount} && "
              f"exec {sys.executable} -m auditor report {project} --output {mount / 'out'}")
    done = subprocess.run([unshare, "-rm", "sh", "-c", script],
                          capture_output=True, text=True, timeout=120, check=False)
    _refused_before_running(project, AuditRun(done.returncode, done.stdout, done.stderr),
                            before, f"{mount} is on a read-only file system")
