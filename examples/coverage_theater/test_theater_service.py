"""Theater: every collaborator of Provisioner is a MagicMock; we check they were called."""

from __future__ import annotations

from unittest.mock import MagicMock, patch

import pytest

from provisioner.errors import ClusterError, OperationFailedError
from provisioner.service import Provisioner, namespace_for, utcnow
from provisioner.states import Status


def _provisioner(settings, instance):
    db, kube = MagicMock(), MagicMock()
    db.find_live.return_value = instance
    db.create_instance.return_value = instance
    db.transition.return_value = instance
    instance.status = Status.STOPPED
    return Provisioner(db, kube, settings), db, kube


@patch("provisioner.service.render_validated")
@patch("provisioner.service.build_values")
def test_provision_calls_everything(build, render, settings, instance):
    provisioner, db, kube = _provisioner(settings, instance)
    result = provisioner.provision("acme", "web")
    assert result == db.transition.return_value
    assert build.called and render.called
    kube.apply_all.assert_called_once()
    kube.wait_deployment_ready.assert_called()


@patch("provisioner.service.render_validated")
@patch("provisioner.service.build_values")
def test_provision_new_instance(build, render, settings, instance):
    provisioner, db, _kube = _provisioner(settings, instance)
    db.find_live.return_value = None
    assert provisioner.provision("acme", "web", "starter") is not None
    db.create_instance.assert_called_once()


@patch("provisioner.service.render_validated")
@patch("provisioner.service.build_values")
def test_provision_failure_is_reported(build, render, settings, instance):
    provisioner, _db, kube = _provisioner(settings, instance)
    kube.apply_all.side_effect = ClusterError("boom")
    kube.wait_namespace_gone.return_value = False
    with pytest.raises(OperationFailedError):
        provisioner.provision("acme", "web")
    assert kube.delete_namespace.called


def test_provision_tier_conflict(settings, instance):
    provisioner, _db, _kube = _provisioner(settings, instance)
    with pytest.raises(Exception):  # noqa: B017 - theater: any error will do
        provisioner.provision("acme", "web", "professional")


def test_stop(settings, instance):
    provisioner, db, kube = _provisioner(settings, instance)
    instance.status = Status.RUNNING
    assert provisioner.stop("acme", "web") == db.transition.return_value
    assert kube.scale_deployment.called


def test_stop_failure(settings, instance):
    provisioner, _db, kube = _provisioner(settings, instance)
    instance.status = Status.RUNNING
    kube.scale_deployment.side_effect = ClusterError("nope")
    kube.delete_namespace.side_effect = ClusterError("also nope")
    with pytest.raises(OperationFailedError):
        provisioner.stop("acme", "web")


def test_restart(settings, instance):
    provisioner, db, kube = _provisioner(settings, instance)
    instance.status = Status.RUNNING
    assert provisioner.restart("acme", "web") is db.transition.return_value
    kube.restart_deployment.assert_called_once()


def test_restart_failure(settings, instance):
    provisioner, _db, kube = _provisioner(settings, instance)
    instance.status = Status.RUNNING
    kube.restart_deployment.side_effect = ClusterError("x")
    with pytest.raises(OperationFailedError):
        provisioner.restart("acme", "web")


def test_uninstall(settings, instance):
    provisioner, db, kube = _provisioner(settings, instance)
    assert provisioner.uninstall("acme", "web") is db.transition.return_value
    assert kube.delete_namespace.called and kube.wait_namespace_gone.called


def test_uninstall_failure(settings, instance):
    provisioner, _db, kube = _provisioner(settings, instance)
    kube.delete_namespace.side_effect = ClusterError("x")
    with pytest.raises(OperationFailedError):
        provisioner.uninstall("acme", "web")


def test_uninstall_timeout(settings, instance):
    provisioner, _db, kube = _provisioner(settings, instance)
    kube.wait_namespace_gone.return_value = False
    with pytest.raises(OperationFailedError):
        provisioner.uninstall("acme", "web")


def test_busy_and_missing(settings, instance):
    provisioner, db, _kube = _provisioner(settings, instance)
    instance.status = Status.DELETING
    with pytest.raises(Exception):  # noqa: B017
        provisioner.stop("acme", "web")
    db.find_live.return_value = None
    with pytest.raises(Exception):  # noqa: B017
        provisioner.stop("acme", "web")


def test_helpers():
    assert namespace_for("acme", "web") == "acme--web"
    assert utcnow() is not None
