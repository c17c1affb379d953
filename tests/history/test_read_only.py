"""A valid history on a read-only file system is readable, and never called corrupt.

Each case runs in its own user and mount namespace (``unshare -rm``) on a real
tmpfs that is remounted read-only after the history was recorded, so the
kernel (not file modes, which root ignores) refuses every write.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.projects import REPO_ROOT, make_calc_project

pytestmark = pytest.mark.slow

_RECORD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from auditor.history import record_run
    from tests.history import builders

    for n in range(2):
        record_run(Path(sys.argv[1]), builders.audit(
            created=f"2026-11-2{n}T10:00:00+00:00",
            commit=f"{n:040d}",
            analyses={"coverage": builders.coverage({"m.py": (5 + n, 10)})},
        ))
    """
)


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return probe.returncode == 0


requires_namespaces = pytest.mark.skipif(
    not _namespaces_work(), reason="needs `unshare -rm` (user and mount namespaces)"
)


def _on_read_only_mount(tmp_path: Path, commands: str) -> subprocess.CompletedProcess[str]:
    """Record two runs on a tmpfs at ``tmp_path/ro``, remount it read-only, run ``commands``."""
    mount = tmp_path / "ro"
    mount.mkdir()
    script = tmp_path / "record.py"
    script.write_text(_RECORD)
    bindir = Path(sys.executable).parent
    shell = textwrap.dedent(
        f"""
        set -e
        mount -t tmpfs tmpfs {mount}
        cd {REPO_ROOT}
        {sys.executable} {script} {mount}/history.db
        mount -o remount,ro {mount}
        export PATH={bindir}:$PATH
        set +e
        {commands}
        """
    )
    return subprocess.run(
        ["unshare", "-rm", "bash", "-c", shell],
        capture_output=True, text=True, timeout=300, check=False,
    )


@requires_namespaces
def test_history_list_reads_a_history_on_a_read_only_file_system(tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "proj")
    done = _on_read_only_mount(
        tmp_path,
        f"audit history list --json --history {tmp_path}/ro/history.db {project}; echo EXIT=$?",
    )
    assert "EXIT=0" in done.stdout, done.stdout + done.stderr
    listing = json.loads(done.stdout.split("EXIT=")[0])
    assert [run["commit"] for run in listing["runs"]] == [f"{n:040d}" for n in range(2)]
    assert "corrupt" not in done.stderr


@requires_namespaces
def test_review_reads_a_history_on_a_read_only_file_system(tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "proj")
    out = tmp_path / "review-out"
    done = _on_read_only_mount(
        tmp_path,
        f"audit review --since 2026-11-01 --history {tmp_path}/ro/history.db "
        f"--output {out} {project}; echo EXIT=$?",
    )
    assert "EXIT=0" in done.stdout, done.stdout + done.stderr
    assert (out / "review.html").is_file()
    assert "corrupt" not in done.stderr


@requires_namespaces
def test_recording_into_a_read_only_history_says_read_only(tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "proj")
    done = _on_read_only_mount(
        tmp_path,
        f"audit report --only coverage --history {tmp_path}/ro/history.db {project}; "
        "echo EXIT=$?",
    )
    assert "EXIT=2" in done.stdout, done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("audit: error:")]
    assert len(errors) == 1, done.stderr
    assert "read-only" in errors[0] and "corrupt" not in errors[0]
    assert f"{tmp_path}/ro/history.db" in errors[0]
    assert "Traceback" not in done.stderr
