"""The commands with a server history: the URL's password never shows, one database for a team.

Runs are recorded by the real ``audit`` command or by :func:`record_run` on
the session's throwaway PostgreSQL cluster; expected values are computed
here from the counts the runs were built with.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

from auditor.history import record_run, regression_rules
from auditor.history.backends import opened
from auditor.history.url import ServerURL
from auditor.model import AuditResult
from tests.history import builders, review_fixture
from tests.history.postgres_server import Cluster
from tests.support.projects import make_calc_project, run_audit

pytestmark = pytest.mark.slow


def _of(project: str, result: AuditResult) -> AuditResult:
    return dataclasses.replace(result, project=project)


def _coverage_run(project: str, covered: int, days: float, commit: str) -> AuditResult:
    return _of(
        project,
        builders.audit(
            created=review_fixture.days_ago(days),
            commit=commit,
            analyses={"coverage": builders.coverage({"m.py": (covered, 10)})},
        ),
    )


def test_redacted_url_drops_the_password_wherever_it_is() -> None:
    url = ServerURL("postgresql://ci:p%40ss@db.example:6432/audit?sslmode=require&password=two")
    assert url.redacted == "postgresql://ci@db.example:6432/audit?sslmode=require"
    assert str(url) == repr(url).removeprefix("ServerURL('").removesuffix("')")
    message = f"failed for {url.secret}: password p@ss / p%40ss / two rejected"
    scrubbed = url.scrub(message)
    for secret in ("p@ss", "p%40ss", "two"):
        assert secret not in scrubbed
    assert url.redacted in scrubbed


def _files_containing(root: Path, secret: str) -> list[Path]:
    needle = secret.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_password_appears_in_no_output_report_or_file(
    postgres_cluster: Cluster, postgres_url: str, tmp_path: Path
) -> None:
    project = make_calc_project(tmp_path / "proj")
    done = run_audit("report", project, "--history", postgres_url)
    assert done.exit_code == 0, done.stderr
    listing = run_audit("history", "--json", "--history", postgres_url)
    review = run_audit("review", project, "--since", "1d", "--history", postgres_url)
    export = run_audit("history", "export", tmp_path / "dump.json", "--history", postgres_url)
    for run in (done, listing, review, export):
        assert run.exit_code == 0, run.stderr
        assert postgres_cluster.password not in run.stdout + run.stderr
    assert json.loads(listing.stdout)["history"] == ServerURL(postgres_url).redacted
    assert _files_containing(tmp_path, postgres_cluster.password) == []
    assert "history: run #1 in postgresql://audit_admin@127.0.0.1" in done.stdout


def test_environment_variable_supplies_the_url_and_a_wrong_password_is_one_line(
    postgres_cluster: Cluster, postgres_url: str, tmp_path: Path
) -> None:
    project = make_calc_project(tmp_path / "proj")
    assert run_audit("report", project, env={"AUDIT_HISTORY_URL": postgres_url}).exit_code == 0
    assert not (project / ".audit" / "history.db").exists(), "the run went to the server"
    wrong = postgres_url.replace(postgres_cluster.password, "not-the-password-42")
    denied = run_audit("report", project, env={"AUDIT_HISTORY_URL": wrong})
    assert denied.exit_code == 2
    assert len(denied.error_lines) == 1
    assert "password authentication failed" in denied.error_lines[0]
    assert "not-the-password-42" not in denied.stdout + denied.stderr
    not_a_url = run_audit("report", project, env={"AUDIT_HISTORY_URL": "/tmp/x.db"})
    assert not_a_url.error_lines == [
        "audit: error: AUDIT_HISTORY_URL: expected a postgresql:// URL"
    ]


def test_missing_psycopg_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    project = make_calc_project(tmp_path / "proj")
    code = (
        "import sys; sys.modules['psycopg'] = None; sys.argv[0] = 'audit'; "
        "from auditor.cli import main; main()"
    )
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", code, "report", str(project), "--history",
         "postgresql://ci:secret-pw@127.0.0.1:1/audit"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    errors = [line for line in done.stderr.splitlines() if line.startswith("audit: error:")]
    assert done.returncode == 2, done.stderr
    assert errors == [
        "audit: error: a postgresql:// history needs the psycopg package: "
        "pip install 'test-auditor[postgres]'"
    ]
    assert "secret-pw" not in done.stdout + done.stderr


def test_one_database_serves_many_projects(postgres_url: str, tmp_path: Path) -> None:
    url = ServerURL(postgres_url)
    # alpha: 6/10 -> 8/10 lines (60% -> 80%); beta: 5/10 -> 4/10 (50% -> 40%).
    for project, first, last, sha in (("alpha", 6, 8, "a"), ("beta", 5, 4, "b")):
        record_run(url, _coverage_run(project, first, 2, sha * 40))
        record_run(url, _coverage_run(project, last, 1, sha * 39 + "1"))
    out = tmp_path / "team"
    done = run_audit(
        "review", make_calc_project(tmp_path / "proj"), "--all-projects", "--since", "7d",
        "--output", out, env={"AUDIT_HISTORY_URL": postgres_url},
    )
    assert done.exit_code == 0, done.stderr
    assert done.stdout.splitlines()[0] == "2 projects with runs in the period"
    rows = [line for line in (out / "review.md").read_text().splitlines() if line.startswith("| ")]
    assert rows[1].startswith("| alpha | 2 |") and "| 80.00% (+20.00) |" in rows[1]
    assert rows[2].startswith("| beta | 2 |") and "| 40.00% (-10.00) |" in rows[2]
    # Metrics worse: beta's line coverage only (branch coverage has no branches: 100 -> 100).
    assert rows[1].endswith("| 0 | 0 |") and rows[2].endswith("| 1 | 0 |")
    assert "<td>alpha</td>" in (out / "review.html").read_text()
    # One project's listing holds its own runs only.
    only_beta = run_audit("history", "--json", "--project", "beta", "--history", postgres_url)
    assert {r["project"] for r in json.loads(only_beta.stdout)["runs"]} == {"beta"}


def test_review_and_gate_default_to_this_project_on_a_server(
    postgres_url: str, tmp_path: Path
) -> None:
    url = ServerURL(postgres_url)
    # the folder is "proj", [project].name is "calc": runs are recorded, and reviewed, as "calc"
    project = make_calc_project(tmp_path / "proj")
    record_run(url, _coverage_run("calc", 7, 2, "7" * 40))
    record_run(url, _coverage_run("other", 9, 1, "9" * 40))
    out = tmp_path / "out"
    done = run_audit(
        "review", project, "--since", "7d", "--output", out, "--history", postgres_url
    )
    assert done.exit_code == 0, done.stderr
    text = (out / "review.md").read_text()
    assert "7777777777" in text and "9999999999" not in text
    # The gate's baseline is this project's latest main run, never another project's.
    report = _coverage_run("calc", 7, 0, "8" * 40).to_dict()
    (rule,) = regression_rules(url, {"no_regression": {"line_percent": 0}}, report)
    assert rule.status == "passed" and "run #1" in rule.reason
    (other,) = regression_rules(
        url, {"no_regression": {"line_percent": 0}}, {**report, "project": "third"}
    )
    assert other.status == "skipped" and "no run on branch 'main'" in other.reason


def test_import_a_sqlite_history_into_the_server_twice_adds_it_once(
    postgres_url: str, tmp_path: Path
) -> None:
    local = tmp_path / "history.db"
    for n in range(3):
        record_run(local, _coverage_run("proj", n + 4, 3 - n, f"{n}" * 40))
    first = run_audit("history", "import", local, "--history", postgres_url)
    again = run_audit("history", "import", local, "--history", postgres_url)
    assert first.exit_code == again.exit_code == 0, first.stderr + again.stderr
    assert first.stdout.startswith("imported 3 runs (0 already present)")
    assert again.stdout.startswith("imported 0 runs (3 already present)")
    with opened(ServerURL(postgres_url)) as server, opened(local, create=False) as file:
        sql = "SELECT run_key, created, commit_sha FROM runs ORDER BY created"
        assert server.execute(sql).fetchall() == file.execute(sql).fetchall()


def test_gate_rules_are_skipped_with_the_reason_when_the_server_is_gone() -> None:
    from tests.history.postgres_server import free_port

    url = ServerURL(f"postgresql://ci:pw-gone-1@127.0.0.1:{free_port()}/audit")
    report = _coverage_run("proj", 7, 0, "8" * 40).to_dict()
    rules = regression_rules(url, {"no_regression": {"line_percent": 0}, "max_flaky": 0}, report)
    assert [r.status for r in rules] == ["skipped", "skipped"]
    assert all("cannot connect" in r.reason and "pw-gone-1" not in r.reason for r in rules)


def test_flaky_findings_on_a_server_belong_to_their_project(postgres_url: str) -> None:
    from auditor.history.queries import flaky_findings
    from auditor.history.record import flaky_row, record_flaky

    url = ServerURL(postgres_url)
    rows = [
        flaky_row(project=name, nodeid=f"t.py::{name}", kind="polluted", commit="c" * 40,
                  branch="main", created="2026-01-01T00:00:00Z")
        for name in ("proj", "other")
    ]
    assert record_flaky(url, rows) == 2
    assert record_flaky(url, rows) == 0  # the same findings again: nothing new
    with opened(url) as store:
        assert [f.nodeid for f in flaky_findings(store, project="proj")] == ["t.py::proj"]
        assert len(flaky_findings(store)) == 2
