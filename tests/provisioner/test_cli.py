"""The ``provisioner`` CLI: in-process with click's runner and as real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provisioner.cli import cli
from tests.provisioner.support.cluster import API_KEY, LICENSE_KEY, Cluster

REPO = Path(__file__).resolve().parents[2]
FAST_ENV = {
    "PROVISIONER_API_KEY": API_KEY,
    "PROVISIONER_LICENSE_KEY": LICENSE_KEY,
    "PROVISIONER_READINESS_TIMEOUT": "1",
    "PROVISIONER_NAMESPACE_TIMEOUT": "1",
    "PROVISIONER_POLL_INTERVAL": "0.005",
    "PROVISIONER_REQUEST_TIMEOUT": "2",
}


def _run(cluster: Cluster, db: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    options = ["--db", str(db), "--kubeconfig", str(cluster.kubeconfig), *args]
    return CliRunner().invoke(cli, options, env=FAST_ENV if env is None else env)


def _one_line_error(result: Result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 or code == 2
    return lines[-1]


def test_full_lifecycle_from_the_cli(cluster: Cluster, tmp_path: Path, tenant: str) -> None:
    db = tmp_path / "cli.sqlite"
    provisioned = _run(cluster, db, "provision", tenant, "web", "--tier", "starter")
    assert provisioned.exit_code == 0, provisioned.output
    assert f"{tenant}/web  tier=starter  status=running" in provisioned.output
    assert "status=stopped" in _run(cluster, db, "stop", tenant, "web").output
    assert "status=running" in _run(cluster, db, "provision", tenant, "web").output
    assert "status=running" in _run(cluster, db, "restart", tenant, "web").output
    listing = _run(cluster, db, "status", tenant, "--events")
    assert listing.exit_code == 0
    assert "pending -> provisioning" in listing.output and "restarting -> running" in listing.output
    usage = _run(cluster, db, "usage", "--from", "2000-01-01", "--to", "2100-01-01",
                 "--price", "starter=1000")
    assert usage.exit_code == 0, usage.output
    lines = {line.split()[0]: line for line in usage.output.splitlines()}
    assert set(lines) == {"free", "professional", "starter", "total"}
    assert lines["total"].split()[1] == lines["starter"].split()[-1]
    assert "status=deleted" in _run(cluster, db, "uninstall", tenant, "web").output
    assert cluster.namespaces(tenant) == {}


def test_status_of_an_empty_database(cluster: Cluster, tmp_path: Path) -> None:
    result = _run(cluster, tmp_path / "empty.sqlite", "status")
    assert (result.exit_code, result.output) == (0, "no instances\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("provision", "acme", "Bad_Name"), "Error: invalid instance name 'Bad_Name'"),
        (("stop", "acme", "ghost"), "Error: no instance acme/ghost"),
        (("restart", "acme", "ghost"), "Error: no instance acme/ghost"),
        (("uninstall", "acme", "ghost"), "Error: no instance acme/ghost"),
    ],
)
def test_bad_input_is_a_one_line_error(
    cluster: Cluster, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    assert _one_line_error(_run(cluster, tmp_path / "db.sqlite", *args)).startswith(message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("provision", "acme", "web", "--tier", "gold"), "'gold' is not one of"),
        (("usage", "--from", "yesterday", "--to", "2025-01-01"), "not an ISO date"),
        (("usage", "--from", "2025-01-01", "--to", "2025-02-01", "--price", "gold=1"),
         "unknown tier"),
        (("usage", "--from", "2025-01-01", "--to", "2025-02-01", "--price", "free=abc"),
         "bad amount"),
        (("usage", "--from", "2025-01-01", "--to", "2025-02-01", "--price", "free=-1"),
         "bad amount"),
    ],
)
def test_usage_errors_exit_2(
    cluster: Cluster, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = _run(cluster, tmp_path / "db.sqlite", *args)
    assert message in _one_line_error(result, code=2)


def test_reversed_period_is_a_one_line_error(cluster: Cluster, tmp_path: Path) -> None:
    result = _run(cluster, tmp_path / "db.sqlite", "usage", "--from", "2025-02-01",
                  "--to", "2025-01-01")
    assert _one_line_error(result) == "Error: period end must be after its start"


def test_missing_settings_kubeconfig_and_database(cluster: Cluster, tmp_path: Path) -> None:
    no_keys = _run(cluster, tmp_path / "db.sqlite", "provision", "acme", "web", env={
        "PROVISIONER_API_KEY": "", "PROVISIONER_LICENSE_KEY": ""})
    assert _one_line_error(no_keys) == (
        "Error: missing environment variable(s): PROVISIONER_API_KEY, PROVISIONER_LICENSE_KEY")
    bad_number = _run(cluster, tmp_path / "db.sqlite", "provision", "acme", "web",
                      env={**FAST_ENV, "PROVISIONER_POLL_INTERVAL": "soon"})
    assert _one_line_error(bad_number) == "Error: PROVISIONER_POLL_INTERVAL must be a number"
    short = _run(cluster, tmp_path / "db.sqlite", "provision", "acme", "web",
                 env={**FAST_ENV, "PROVISIONER_API_KEY": "short"})
    assert _one_line_error(short) == "Error: api key must be at least 16 characters"
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "db.sqlite"), "--kubeconfig",
                                      str(tmp_path / "nope.yaml"), "stop", "a", "b"], env=FAST_ENV)
    assert _one_line_error(result).startswith("Error: cannot load kubeconfig")
    directory = _run(cluster, tmp_path, "status")
    assert _one_line_error(directory).startswith("Error: database error:")


def test_cli_never_prints_secrets(cluster: Cluster, tmp_path: Path, tenant: str) -> None:
    server = cluster.need_server("a webhook-like fault that echoes the request body")
    server.inject("POST", r"/secrets$", status=400, echo_body=True)
    result = _run(cluster, tmp_path / "db.sqlite", "-v", "provision", tenant, "web")
    line = _one_line_error(result)
    assert "denied request" in line and "***" in line
    status = _run(cluster, tmp_path / "db.sqlite", "status")
    for text in (result.output, status.output):
        assert API_KEY not in text and LICENSE_KEY not in text
    assert "status=failed" in status.output


def test_help_and_version_work_as_a_module() -> None:
    shown = subprocess.run([sys.executable, "-m", "provisioner", "--help"], cwd=REPO,
                           capture_output=True, text=True, timeout=60, check=False)
    assert shown.returncode == 0, shown.stderr
    for command in ("provision", "status", "stop", "restart", "uninstall", "usage"):
        assert command in shown.stdout
    version = CliRunner().invoke(cli, ["--version"])
    assert version.output.strip() == "provisioner, version 0.1.0"


@pytest.mark.slow
def test_provision_from_the_cli_against_a_hand_started_server(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc.yaml"
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.provisioner.kube_server", "--port", "0",
         "--kubeconfig-out", str(kubeconfig), "--ready-delay", "0.05",
         "--terminate-delay", "0.05"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        assert banner.startswith("serving on http://127.0.0.1:"), banner
        env = {**os.environ, **FAST_ENV}
        base = [sys.executable, "-m", "provisioner", "--kubeconfig", str(kubeconfig),
                "--db", str(tmp_path / "p.sqlite")]
        done = subprocess.run([*base, "provision", "acme", "web", "--tier", "starter"], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert "acme/web  tier=starter  status=running" in done.stdout
        bad = subprocess.run([*base, "stop", "acme", "Nope"], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
        assert bad.returncode == 1
        assert bad.stderr.strip() == "Error: invalid instance name 'Nope': use 1-30 lowercase" \
            " letters, digits and single dashes, starting and ending with a letter or digit"
    finally:
        server.terminate()
        server.wait(timeout=10)
