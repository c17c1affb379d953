"""The dependencies analysis on real fixture suites, by the real ``audit`` command.

Expected levels of the shop project (``fixtures.SHOP``), read off its tests:

- unit: ``test_total`` (pure arithmetic, and a ``TemporaryFile``), ``test_git_version_patched`` and
  ``test_git_version_monkeypatched`` (``subprocess.run`` replaced: nothing real);
- integration: ``test_roundtrip`` (a SQLite file in tmp_path),
  ``test_fetch_from_a_local_server`` (an HTTP server on a loopback socket it
  connects to), ``test_writes_a_price_list_into_the_project`` (a file written
  outside the temporary folders);
- end-to-end: ``test_entry_point_against_a_local_server`` (``python -m shop``
  in a subprocess, and the server's socket), ``test_marked_end_to_end`` (marker).

So 3 / 3 / 2 of 8 tests: 37.5% / 37.5% / 25%; against 70/20/10 the gaps are
32.5, 17.5 and 15 points, half their sum 32.5 points off target. The mock
fantasy: ``shop/runner.py`` imports ``subprocess`` and both tests that ran it
had it patched; ``store.py`` (sqlite3) and ``client.py`` (urllib.request)
were met for real.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from auditor.dependencies.classify import off_target_points
from auditor.dependencies.production import production_uses
from auditor.dependencies.records import Patch
from tests.dependencies.fixtures import FANTASY, REAL_DB_TEST, SHOP
from tests.support.projects import git, init_repo, read_report, run_audit, tree_digest, write_files

IGNORED = (".audit", "audit-report", "build", "review-out")


def _levels(section: dict[str, object]) -> dict[str, str]:
    tests = section["tests"]
    assert isinstance(tests, list)
    return {t["nodeid"].split("::")[1]: t["level"] for t in tests}


@pytest.mark.slow
def test_every_level_of_the_pyramid_and_the_mock_fantasy(tmp_path: Path) -> None:
    root = write_files(tmp_path / "shop", SHOP)
    before = tree_digest(root, IGNORED)
    run = run_audit("report", root)
    assert run.exit_code == 1, run.stderr  # runner.py never tested for real > 0
    report = read_report(root)
    assert report["tests"]["counts"]["passed"] == 8  # recording changed nothing the tests do
    section = report["analyses"]["dependencies"]
    assert _levels(section) == {
        "test_total": "unit", "test_git_version_patched": "unit",
        "test_git_version_monkeypatched": "unit", "test_roundtrip": "integration",
        "test_fetch_from_a_local_server": "integration",
        "test_writes_a_price_list_into_the_project": "integration",
        "test_entry_point_against_a_local_server": "e2e", "test_marked_end_to_end": "e2e",
    }  # fmt: skip
    assert section["counts"] == {"unit": 3, "integration": 3, "e2e": 2}
    assert section["percent"] == {"unit": 37.5, "integration": 37.5, "e2e": 25.0}
    assert section["off_target_points"] == 32.5
    reasons = {t["nodeid"].split("::")[1]: t["reason"] for t in section["tests"]}
    assert reasons["test_writes_a_price_list_into_the_project"] == "real file"
    assert reasons["test_roundtrip"] == "real database"  # its tmp_path file is no "file" use
    assert reasons["test_marked_end_to_end"] == "marker e2e"
    patches = {t["nodeid"].split("::")[1]: t["patches"] for t in section["tests"]}
    assert patches["test_git_version_patched"] == ["subprocess.run"]
    assert patches["test_git_version_monkeypatched"] == ["subprocess.run"]
    assert patches["test_total"] == []  # pytest's own session patches are not the suite's
    uses = {(u["path"], u["dependency"]): (u["status"], u["covering_tests"])
            for u in section["dependency_uses"]}  # fmt: skip
    assert uses == {
        ("shop/store.py", "sqlite3"): ("real", 1),
        ("shop/client.py", "urllib.request"): ("real", 1),  # the e2e child is not measured
        ("shop/runner.py", "subprocess"): ("patched", 2),
    }
    assert section["modules"]["shop/pricing.py"] == {"unit": 1, "integration": 1, "e2e": 1}
    assert section["test_files"]["tests/test_runner.py"] == {"unit": 2, "integration": 0,
                                                             "e2e": 0}  # fmt: skip

    # The contract: metrics, the finding on the import line, the gate, every format.
    metrics = report["metrics"]["dependencies"]
    assert metrics["modules_never_tested_for_real"]["value"] == 1.0
    assert metrics["modules_never_tested_for_real"]["direction"] == "lower"
    assert metrics["pyramid_off_target"]["value"] == 32.5
    findings = [f for f in report["findings"] if f["analysis"] == "dependencies"]
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [
        ("never-tested-for-real", "shop/runner.py", 1)]
    rule = next(r for r in report["gate"]["rules"] if r["id"] == "modules_never_tested_for_real")
    assert (rule["measured"], rule["status"]) == (1, "failed")
    out = root / "audit-report"
    sarif = json.loads((out / "report.sarif").read_text())["runs"][0]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["results"] if r["ruleId"] == "never-tested-for-real"] == [
        "shop/runner.py"]  # fmt: skip
    assert 'id="dependencies-uses"' in (out / "index.html").read_text()
    markdown = (out / "report.md").read_text()
    assert "### Dependencies" in markdown and "| shop/runner.py:1 | subprocess" in markdown
    junit = ET.parse(out / "junit.xml").getroot()
    names = {(c.get("classname"), c.get("name")) for c in junit.iter("testcase")}
    assert ("audit.gate.dependencies", "modules_never_tested_for_real") in names
    assert tree_digest(root, IGNORED) == before


@pytest.mark.slow
def test_markers_patterns_and_target_override_what_was_seen(tmp_path: Path) -> None:
    files = dict(SHOP)
    files["pyproject.toml"] = SHOP["pyproject.toml"].replace(
        "[tool.audit.gate]\n        modules_never_tested_for_real = 0\n", """
        [tool.audit.dependencies]
        target = {unit = 50, integration = 25, e2e = 25}
        markers = {integration = ["needs_disk"]}
        levels = {"tests/test_store.py::*" = "unit"}
    """).replace('markers = ["e2e: end to end"]', 'markers = ["e2e: x", "needs_disk: y"]')
    files["tests/test_pricing.py"] = SHOP["tests/test_pricing.py"] + """

        @pytest.mark.needs_disk
        def test_marked_integration():
            assert total([2]) == 2
    """
    root = write_files(tmp_path / "shop", files)
    run = run_audit("dependencies", root)
    assert run.exit_code == 0, run.stderr
    section = read_report(root)["analyses"]["dependencies"]
    levels = _levels(section)
    assert levels["test_roundtrip"] == "unit"  # the pattern wins over the SQLite file
    assert levels["test_marked_integration"] == "integration"
    # unit 4 (3 + the pattern), integration 3 (2 left + the marker), e2e 2 of 9 tests
    assert section["counts"] == {"unit": 4, "integration": 3, "e2e": 2}
    assert section["target"] == {"unit": 50.0, "integration": 25.0, "e2e": 25.0}
    # |44.4-50| + |33.3-25| + |22.2-25| = 5.56 + 8.33 + 2.78 = 16.67, halved: 8.33
    assert abs(section["off_target_points"] - 25 / 3) < 1e-9


@pytest.mark.slow
def test_a_target_that_does_not_add_up_is_a_config_error_before_any_test(tmp_path: Path) -> None:
    files = dict(SHOP)
    files["pyproject.toml"] += (
        "\n[tool.audit.dependencies]\ntarget = {unit = 70, integration = 20, e2e = 20}\n")
    root = write_files(tmp_path / "shop", files)
    run = run_audit("dependencies", root)
    assert run.exit_code == 2, run.stderr
    assert run.error_lines == [
        "audit: error: pyproject.toml: [tool.audit.dependencies] target: the levels add up "
        "to 110, not 100"]  # fmt: skip
    assert "Traceback" not in run.stderr
    assert not list((root / ".audit").glob("runs/*/tests.jsonl"))


@pytest.mark.slow
def test_not_selected_the_plugin_records_nothing(tmp_path: Path) -> None:
    files = dict(SHOP)
    files["pyproject.toml"] = SHOP["pyproject.toml"].replace(
        'analyses = ["dependencies"]', 'analyses = ["suite"]').replace(
        "modules_never_tested_for_real = 0", "")  # fmt: skip
    root = write_files(tmp_path / "shop", files)
    run = run_audit("report", root)
    assert run.exit_code == 0, run.stderr
    assert list((root / ".audit").glob("runs/*/tests.jsonl"))
    assert not list((root / ".audit").glob("runs/*/dependencies.jsonl"))


@pytest.mark.slow
def test_the_mock_fantasy_project_and_its_fix_in_the_review(tmp_path: Path) -> None:
    root = write_files(tmp_path / "app", FANTASY)
    init_repo(root)
    first = run_audit("report", root)
    assert first.exit_code == 1, first.stderr  # 2 modules > 1
    report = read_report(root)
    section = report["analyses"]["dependencies"]
    statuses = {u["path"]: (u["status"], u["real_tests"], u["patched_tests"], u["patch_targets"])
                for u in section["dependency_uses"]}  # fmt: skip
    assert statuses == {
        "app/db.py": ("patched", 0, 1, ["app.db.sqlite3"]),
        # started in setup_module: active when the test began
        "app/web.py": ("patched", 0, 1, ["urllib.request.urlopen"]),
        "app/tool.py": ("real", 1, 1, ["subprocess.run"]),
    }
    assert section["never_tested_for_real_count"] == 2
    assert _levels(section) == {"test_count_rows": "unit", "test_status": "unit",
                                "test_echo_patched": "unit", "test_echo_for_real": "integration"}
    assert sorted(f["path"] for f in report["findings"] if f["analysis"] == "dependencies") == [
        "app/db.py", "app/web.py"]

    # The fix: db.py's test against a real SQLite file. The history and the review see it.
    (root / "tests" / "test_db.py").write_text(REAL_DB_TEST)
    git(root, "commit", "-qam", "test db.py against a real SQLite file")
    second = run_audit("report", root)
    assert second.exit_code == 0, second.stderr + second.stdout
    again = read_report(root)
    assert again["analyses"]["dependencies"]["never_tested_for_real_count"] == 1
    regression = next(r for r in again["gate"]["rules"]
                      if r["id"] == "no_regression.dependencies.modules_never_tested_for_real")
    assert regression["status"] == "passed"  # 2 -> 1: lower is better
    review = run_audit("review", root, "--since", "30d", "--output", "review-out")
    assert review.exit_code == 0, review.stderr
    review_md = (root / "review-out" / "review.md").read_text()
    assert ("| dependencies | modules whose dependencies no test let them meet | 2 | 1 | -1 | "
            "better |") in review_md
    assert "| dependencies | integration tests (a real dependency) | 1 | 2 | +1 | better |" in (
        review_md)
    assert "1 modules talk to a dependency that every covering test had patched." in review_md


def test_production_uses_are_the_lines_naming_the_imported_dependency(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "from __future__ import annotations\n"
        "import sqlite3\n"                                   # 2
        "from kubernetes import client as k8s\n"             # 3
        "import urllib.parse\n"                              # 4: pure, not a dependency
        "def open_db(path: str) -> sqlite3.Connection:\n"    # 5: an annotation only
        "    return sqlite3.connect(path)\n"                 # 6
        "def api():\n"
        "    import subprocess\n"                            # 8
        "    subprocess.run(['true'])\n"                     # 9
        "    return k8s.CoreV1Api()\n"                       # 10
    )  # fmt: skip
    found = {(u.dependency, u.kind, u.import_line, tuple(sorted(u.lines)))
             for u in production_uses(source)}  # fmt: skip
    assert found == {("sqlite3", "database", 2, (6,)), ("kubernetes", "kubernetes", 3, (10,)),
                     ("subprocess", "subprocess", 8, (9,))}  # fmt: skip


def test_a_patch_concerns_the_dependency_it_targets_or_replaces() -> None:
    assert Patch("provisioner.kube.client", "kubernetes.client", "mock.patch").concerns(
        "kubernetes")
    assert Patch("subprocess.run", "subprocess", "monkeypatch").concerns("subprocess")
    assert not Patch("app.db.helper", "app.db", "mock.patch").concerns("sqlite3")
    assert not Patch("sqlite3x.connect", "sqlite3x", "mock.patch").concerns("sqlite3")


def test_off_target_points_is_the_share_of_tests_on_the_wrong_level() -> None:
    target = {"unit": 70.0, "integration": 20.0, "e2e": 10.0}
    assert off_target_points({"unit": 7, "integration": 2, "e2e": 1}, target) == 0
    # all 10 unit: 30 points of tests belong elsewhere
    assert off_target_points({"unit": 10, "integration": 0, "e2e": 0}, target) == 30
    assert off_target_points({"unit": 0, "integration": 0, "e2e": 0}, target) is None


SCRATCH_AND_PROJECT_WRITES = {
    "pyproject.toml": """
        [tool.audit]
        packages = ["notes"]
        tests = ["tests"]
        analyses = ["dependencies"]
    """,
    "notes/__init__.py": "def note(text):\n    return text.upper()\n",
    "tests/test_notes.py": """
        from pathlib import Path

        from notes import note


        def test_writes_into_tmp_path(tmp_path):
            (tmp_path / "n.txt").write_text(note("a"))
            assert (tmp_path / "n.txt").read_text() == "A"


        def test_writes_into_the_project():
            Path("out.txt").write_text(note("b"))
            assert Path("out.txt").read_text() == "B"
    """,
}


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="no /dev/shm on this machine")
def test_a_project_and_pytests_temporary_root_on_tmpfs_are_files_not_devices(
        tmp_path: Path) -> None:
    # /dev/ holds devices, whose writes are no dependency; /dev/shm is a file system.
    # The project there: its own files are real writes. pytest's temporary root
    # (PYTEST_DEBUG_TEMPROOT) there too, apart from the system's: tmp_path is scratch.
    shm = Path(tempfile.mkdtemp(dir="/dev/shm", prefix="audit-deps-"))
    try:
        root = write_files(shm / "notes", SCRATCH_AND_PROJECT_WRITES)
        temp_root = shm / "pytest-root"
        temp_root.mkdir()
        run = run_audit("dependencies", root, "--no-gate",
                        env={"PYTEST_DEBUG_TEMPROOT": str(temp_root), "TMPDIR": str(tmp_path)})
        assert run.exit_code == 0, run.stderr
        assert any(temp_root.iterdir()), "the suite's tmp_path was not under the set root"
        levels = _levels(read_report(root)["analyses"]["dependencies"])
        assert levels == {"test_writes_into_tmp_path": "unit",
                          "test_writes_into_the_project": "integration"}
    finally:
        shutil.rmtree(shm, ignore_errors=True)
