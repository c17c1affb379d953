"""Theater: the kubernetes client is replaced by MagicMocks without specs."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import MagicMock, patch

import pytest
import urllib3
from kubernetes.client import ApiException

from provisioner.errors import ClusterError
from provisioner.kube import KubeClient, replacement

NS = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "acme--web"}}
SECRET = {"apiVersion": "v1", "kind": "Secret",
          "metadata": {"name": "s", "namespace": "acme--web"}}


@pytest.fixture
def kube(settings):
    with patch("provisioner.kube.client") as fake_client:
        fake_client.ApiException = ApiException
        yield KubeClient(MagicMock(), settings, sleep=MagicMock())


def test_from_kubeconfig(settings):
    with patch("provisioner.kube.config") as fake_config:
        result = KubeClient.from_kubeconfig("kc.yaml", None, settings)
    assert result.api_client == fake_config.new_client_from_config.return_value


def test_from_kubeconfig_error(settings):
    with patch("provisioner.kube.config") as fake_config:
        fake_config.ConfigException = ValueError
        fake_config.new_client_from_config.side_effect = OSError("missing")
        with pytest.raises(ClusterError):
            KubeClient.from_kubeconfig("kc.yaml", None, settings)


def test_apply_creates(kube):
    kube.apply(NS)
    kube.apply_all([SECRET])
    assert kube._apis["core"].method_calls


def test_apply_replaces_on_conflict(kube):
    kube._apis["core"].create_namespaced_secret.side_effect = ApiException(status=409)
    kube.api_client.sanitize_for_serialization.return_value = {
        "metadata": {"resourceVersion": "1"}, "spec": {}}
    kube.apply(SECRET)
    assert kube._apis["core"].replace_namespaced_secret.called


def test_apply_error(kube):
    error = ApiException(status=403)
    error.body = '{"message": "forbidden"}'
    kube._apis["core"].create_namespace.side_effect = error
    with pytest.raises(ClusterError):
        kube.apply(NS)


def test_retries(kube):
    busy = ApiException(status=429)
    busy.headers = {"Retry-After": "1"}
    kube._apis["core"].read_namespace.side_effect = [
        busy, urllib3.exceptions.ProtocolError("drop"), MagicMock()]
    assert kube.namespace_exists("acme--web") is True


def test_bad_body(kube):
    kube._apis["core"].create_namespace.side_effect = ValueError("1 error\nspec\n  bad")
    with pytest.raises(ClusterError):
        kube.apply(NS)


def test_deployment_ready(kube):
    deployment = kube._apis["apps"].read_namespaced_deployment.return_value
    deployment.spec.replicas = 1
    deployment.metadata.generation = 1
    deployment.status.observed_generation = 1
    deployment.status.updated_replicas = 1
    deployment.status.available_replicas = 1
    assert kube.deployment_ready("acme--web", "instance") is True
    assert kube.wait_deployment_ready("acme--web", "instance") is True
    deployment.status.observed_generation = 0
    assert kube.wait_deployment_ready("acme--web", "instance") is False


def test_scale_and_restart(kube):
    kube.scale_deployment("acme--web", "instance", 0)
    kube.restart_deployment("acme--web", "instance", datetime.now(UTC))
    assert kube._apis["apps"].method_calls


def test_namespaces(kube):
    missing = ApiException(status=404)
    kube._apis["core"].read_namespace.side_effect = missing
    assert kube.namespace_exists("x") is False
    assert kube.wait_namespace_gone("x") is True
    kube._apis["core"].delete_namespace.side_effect = missing
    assert kube.delete_namespace("x") is False
    kube._apis["core"].delete_namespace.side_effect = ApiException(status=409)
    assert kube.delete_namespace("x") is True
    kube._apis["core"].read_namespace.side_effect = None
    assert kube.wait_namespace_gone("x") is False


def test_replacement():
    body = replacement({"kind": "PersistentVolumeClaim", "metadata": {},
                        "spec": {"resources": {}}},
                       {"metadata": {"resourceVersion": "7"}, "spec": {}})
    assert body["metadata"]["resourceVersion"] == "7"
