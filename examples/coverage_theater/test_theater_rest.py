"""Theater: database, chart, usage, settings and CLI with internals patched out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest.mock import MagicMock, patch

import pytest
from click.testing import CliRunner

from provisioner import cli as cli_module
from provisioner.db import Database
from provisioner.errors import ProvisionerError
from provisioner.rendering import (
    build_values,
    render,
    render_validated,
    validate_manifest,
    validate_values,
)
from provisioner.settings import Settings
from provisioner.states import Status, check_transition
from provisioner.tiers import TIERS, get_tier
from provisioner.usage import DEFAULT_PRICES, compute_bill, compute_usage

T0 = datetime(2025, 1, 1, tzinfo=UTC)
ENV = {"PROVISIONER_API_KEY": "x" * 16, "PROVISIONER_LICENSE_KEY": "x" * 16,
       "PROVISIONER_POLL_INTERVAL": "1"}


def test_database_roundtrip(tmp_path):
    db = Database(tmp_path / "t.db")
    instance = db.create_instance("acme", "web", "free", "acme--web", T0)
    moved = db.transition(instance, Status.PROVISIONING, T0)
    assert moved.status == Status.PROVISIONING
    assert db.find_live("acme", "web") is not None
    assert db.list_instances("acme") and db.list_instances()
    assert db.events(instance.id) and db.events()
    with pytest.raises(ProvisionerError):
        db.create_instance("acme", "web", "free", "acme--web", T0)
    with pytest.raises(ProvisionerError):
        db.transition(instance, Status.PROVISIONING, T0)
    with pytest.raises(ProvisionerError):
        db.get_instance(99)
    db.close()


def test_rendering(settings):
    values = build_values("acme", "web", "acme--web", TIERS["starter"], settings)
    validate_values(values)
    assert "apiKey" in values["secrets"]
    assert len(render(values)) == 6
    with patch("provisioner.rendering.kubernetes_validate") as validator:
        assert len(render_validated(values, "1.33")) == 6
        assert validator.validate.called


def test_rendering_errors(settings):
    with pytest.raises(ProvisionerError):
        validate_values({"tier": "gold", "replicas": "x", "extra": 1})
    with pytest.raises(ProvisionerError):
        validate_manifest({"apiVersion": "v1", "kind": "Namespace",
                           "metadata": {"name": "x"}, "bogus": 1}, "1.33")
    with pytest.raises(ProvisionerError):
        validate_manifest({"apiVersion": "v1", "kind": "Gadget"}, "1.33")


def test_usage_and_bill():
    instance, event = MagicMock(), MagicMock()
    instance.id, instance.tier = 1, "free"
    event.instance_id, event.to_status, event.at = 1, Status.RUNNING, T0
    usage = compute_usage([instance], [event], T0, T0 + timedelta(hours=1), T0)
    bill = compute_bill(usage, DEFAULT_PRICES)
    assert bill.total >= Decimal(0)
    with pytest.raises(ProvisionerError):
        compute_usage([], [], T0, T0, T0)
    with pytest.raises(ProvisionerError):
        compute_usage([], [], datetime(2025, 1, 1), T0, T0)
    with pytest.raises(ProvisionerError):
        compute_bill(usage, {})


def test_settings_states_tiers():
    settings = Settings.from_env(ENV)
    assert str(settings.api_key) == "***" and "***" in repr(settings.api_key)
    assert settings.redact("x" * 16) == "***"
    for broken in ({}, {**ENV, "PROVISIONER_POLL_INTERVAL": "soon"},
                   {**ENV, "PROVISIONER_API_KEY": "short"}):
        with pytest.raises(ProvisionerError):
            Settings.from_env(broken)
    with pytest.raises(ProvisionerError):
        Settings(api_key=settings.api_key, license_key=settings.api_key, max_attempts=0)
    with pytest.raises(ProvisionerError):
        Settings(api_key=settings.api_key, license_key=settings.api_key, request_timeout=0)
    check_transition(Status.PENDING, Status.PROVISIONING)
    with pytest.raises(ProvisionerError):
        check_transition(None, Status.RUNNING)
    assert get_tier("free").quota_pods == 2
    with pytest.raises(ProvisionerError):
        get_tier("gold")


@pytest.mark.parametrize("command", ["provision", "stop", "restart", "uninstall"])
def test_cli_commands(command, tmp_path):
    with patch.object(cli_module, "KubeClient"), patch.object(cli_module, "Provisioner") as prov:
        result = CliRunner().invoke(cli_module.cli, ["--db", str(tmp_path / "c.db"), "-v",
                                                     command, "acme", "web"], env=ENV)
    assert result.exit_code == 0
    assert getattr(prov.return_value, command).called


def test_cli_errors(tmp_path):
    with patch.object(cli_module, "KubeClient"), patch.object(cli_module, "Provisioner") as prov:
        prov.return_value.stop.side_effect = ProvisionerError("bad")
        result = CliRunner().invoke(cli_module.cli, ["--db", str(tmp_path / "c.db"),
                                                     "stop", "acme", "web"], env=ENV)
    assert result.exit_code == 1
    broken = CliRunner().invoke(cli_module.cli, ["--db", str(tmp_path), "status"])
    assert broken.exit_code == 1


def test_cli_status_and_usage(tmp_path):
    db = tmp_path / "c.db"
    Database(db).create_instance("acme", "web", "free", "acme--web", T0)
    runner = CliRunner()
    assert runner.invoke(cli_module.cli, ["--db", str(db), "status", "--events"]).exit_code == 0
    assert runner.invoke(cli_module.cli, ["--db", str(tmp_path / "e.db"), "status"]).exit_code == 0
    usage = runner.invoke(cli_module.cli, ["--db", str(db), "usage", "--from", "2025-01-01",
                                           "--to", "2025-02-01", "--price", "free=1"])
    assert usage.exit_code == 0
    for bad in (["--from", "x", "--to", "y"], ["--from", "2025-01-01", "--to", "2025-02-01",
                                               "--price", "gold=1"],
                ["--from", "2025-01-01", "--to", "2025-02-01", "--price", "free=x"],
                ["--from", "2025-01-01", "--to", "2025-02-01", "--price", "free=-1"]):
        assert runner.invoke(cli_module.cli, ["--db", str(db), "usage", *bad]).exit_code == 2
