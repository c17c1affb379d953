"""KubeClient through the real ``kubernetes`` client against the API test server."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from provisioner.errors import ClusterError
from provisioner.kube import KubeClient, replacement
from provisioner.rendering import build_values, render_validated
from provisioner.settings import Settings
from provisioner.tiers import TIERS
from tests.provisioner.support.cluster import Cluster, make_settings


def _manifests(tenant: str, settings: Settings, tier: str = "free") -> list[dict[str, Any]]:
    values = build_values(tenant, "web", f"{tenant}--web", TIERS[tier], settings)
    return render_validated(values, settings.kubernetes_version)


def _namespace(tenant: str, settings: Settings) -> dict[str, Any]:
    return _manifests(tenant, settings)[0]


def test_apply_creates_then_replaces_idempotently(
    cluster: Cluster, kube: KubeClient, settings: Settings, tenant: str
) -> None:
    manifests = _manifests(tenant, settings)
    kube.apply_all(manifests)
    ns = f"{tenant}--web"
    first = cluster.apps.read_namespaced_deployment("instance", ns)
    kube.apply_all(manifests)
    second = cluster.apps.read_namespaced_deployment("instance", ns)
    assert second.metadata.uid == first.metadata.uid
    assert second.metadata.generation == first.metadata.generation  # same spec: no rollout
    claim = cluster.core.read_namespaced_persistent_volume_claim("instance-data", ns)
    assert claim.spec.resources.requests["storage"] == "1Gi"


def test_apply_of_a_bigger_tier_rolls_out_and_grows_the_claim(
    cluster: Cluster, kube: KubeClient, settings: Settings, tenant: str
) -> None:
    cluster.need_server("growing a PVC needs a storage class with allowVolumeExpansion")
    kube.apply_all(_manifests(tenant, settings))
    ns = f"{tenant}--web"
    first = cluster.apps.read_namespaced_deployment("instance", ns)
    grown = _manifests(tenant, settings, tier="starter")
    kube.apply_all(grown)
    third = cluster.apps.read_namespaced_deployment("instance", ns)
    assert (third.spec.replicas, third.metadata.generation) == (2, first.metadata.generation + 1)
    claim = cluster.core.read_namespaced_persistent_volume_claim("instance-data", ns)
    assert claim.spec.resources.requests["storage"] == "5Gi"


def test_every_write_is_sent_with_strict_field_validation(
    cluster: Cluster, kube: KubeClient, settings: Settings, tenant: str
) -> None:
    server = cluster.need_server("it inspects the server's request log")
    manifests = _manifests(tenant, settings)
    kube.apply_all(manifests)
    kube.apply_all(manifests)
    kube.scale_deployment(f"{tenant}--web", "instance", 0)
    kube.restart_deployment(f"{tenant}--web", "instance", datetime(2025, 1, 1, tzinfo=UTC))
    writes = [r for r in server.requests if r.method in ("POST", "PUT", "PATCH")]
    assert len(writes) == 6 + 12 + 2
    assert all(r.query.get("fieldValidation") == ["Strict"] for r in writes)
    puts = [r.path for r in writes if r.method == "PUT"]
    assert f"/apis/apps/v1/namespaces/{tenant}--web/deployments/instance" in puts


def test_replacement_carries_resource_version_and_keeps_pvc_spec() -> None:
    desired = {"kind": "PersistentVolumeClaim", "metadata": {"name": "d"},
               "spec": {"accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "5Gi"}}}}
    existing = {"metadata": {"resourceVersion": "42"},
                "spec": {"accessModes": ["ReadWriteOnce"], "volumeName": "pv-1",
                         "resources": {"requests": {"storage": "1Gi"}}}}
    body = replacement(desired, existing)
    assert body["metadata"]["resourceVersion"] == "42"
    assert body["spec"]["volumeName"] == "pv-1"
    assert body["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert "resourceVersion" not in desired["metadata"]  # input not mutated


def test_transient_500_is_retried(cluster: Cluster, kube: KubeClient, settings: Settings,
                                  tenant: str) -> None:
    server = cluster.need_server()
    fault = server.inject("POST", r"^/api/v1/namespaces$", status=500, times=2)
    kube.apply(_namespace(tenant, settings))
    assert fault.hits == 2
    assert f"{tenant}--web" in cluster.namespaces(tenant)


def test_persistent_500_gives_up_after_max_attempts(
    cluster: Cluster, kube: KubeClient, settings: Settings, tenant: str
) -> None:
    server = cluster.need_server()
    fault = server.inject("POST", r"^/api/v1/namespaces$", status=500)
    with pytest.raises(ClusterError, match=r"create Namespace .*: HTTP 500 injected fault") as info:
        kube.apply(_namespace(tenant, settings))
    assert info.value.status == 500
    assert fault.hits == settings.max_attempts


def test_429_waits_retry_after_and_succeeds(cluster: Cluster, kube: KubeClient,
                                            settings: Settings, tenant: str) -> None:
    server = cluster.need_server()
    fault = server.inject("POST", r"^/api/v1/namespaces$", status=429, times=1, retry_after="0")
    kube.apply(_namespace(tenant, settings))
    assert fault.hits == 1
    assert cluster.core.read_namespace(f"{tenant}--web").status.phase == "Active"


def test_403_rbac_is_not_retried(cluster: Cluster, kube: KubeClient, settings: Settings,
                                 tenant: str) -> None:
    server = cluster.need_server()
    fault = server.inject("POST", r"^/api/v1/namespaces$", status=403)
    with pytest.raises(ClusterError, match="HTTP 403") as info:
        kube.apply(_namespace(tenant, settings))
    assert (info.value.status, fault.hits) == (403, 1)


def test_dropped_connection_is_retried(cluster: Cluster, kube: KubeClient, settings: Settings,
                                       tenant: str) -> None:
    server = cluster.need_server()
    fault = server.inject("POST", r"^/api/v1/namespaces$", drop=True, times=1)
    kube.apply(_namespace(tenant, settings))
    assert fault.hits == 1
    assert f"{tenant}--web" in cluster.namespaces(tenant)


def test_dropped_connections_every_time_fail_clearly(
    cluster: Cluster, kube: KubeClient, settings: Settings, tenant: str
) -> None:
    server = cluster.need_server()
    server.inject("GET", r"/namespaces/", drop=True)
    with pytest.raises(ClusterError, match="connection failed") as info:
        kube.namespace_exists(f"{tenant}--web")
    assert info.value.status is None


def test_slow_response_times_out(cluster: Cluster, tmp_path: Path, tenant: str) -> None:
    server = cluster.need_server("slow responses")
    fast = make_settings(real=False, request_timeout=0.1, max_attempts=2)
    kube = KubeClient.from_kubeconfig(str(cluster.kubeconfig), None, fast)
    fault = server.inject("GET", r"/namespaces/", delay=0.3)
    with pytest.raises(ClusterError, match=r"connection failed .ReadTimeoutError"):
        kube.namespace_exists(f"{tenant}--web")
    assert fault.hits == 2


def test_slow_but_in_time_response_succeeds(cluster: Cluster, kube: KubeClient,
                                            settings: Settings, tenant: str) -> None:
    server = cluster.need_server("slow responses")
    fault = server.inject("POST", r"^/api/v1/namespaces$", delay=0.05, times=1)
    kube.apply(_namespace(tenant, settings))
    assert fault.hits == 1 and kube.namespace_exists(f"{tenant}--web")


def test_delete_namespace_handles_missing_and_terminating(
    cluster: Cluster, kube: KubeClient, settings: Settings, tenant: str
) -> None:
    ns = f"{tenant}--web"
    assert kube.delete_namespace(ns) is False
    kube.apply(_namespace(tenant, settings))
    if cluster.server is not None:
        cluster.server.store.terminate_delay = 0.2
    assert kube.delete_namespace(ns) is True
    assert kube.delete_namespace(ns) is True  # 409 while terminating is fine
    assert kube.wait_namespace_gone(ns) is True
    assert kube.namespace_exists(ns) is False


def test_waits_report_timeouts(cluster: Cluster, tenant: str) -> None:
    server = cluster.need_server("controls readiness and termination timing")
    quick = make_settings(real=False, readiness_timeout=0.05, namespace_timeout=0.05)
    kube = KubeClient.from_kubeconfig(str(cluster.kubeconfig), None, quick)
    server.store.ready_delay = 60
    server.store.terminate_delay = 60
    kube.apply_all(_manifests(tenant, quick))
    assert kube.wait_deployment_ready(f"{tenant}--web", "instance") is False
    kube.delete_namespace(f"{tenant}--web")
    assert kube.wait_namespace_gone(f"{tenant}--web") is False
    assert cluster.namespaces(tenant) == {f"{tenant}--web": "Terminating"}


def test_non_transient_errors_propagate_from_apply(
    cluster: Cluster, kube: KubeClient, settings: Settings, tenant: str
) -> None:
    secret = copy.deepcopy(_manifests(tenant, settings)[2])
    with pytest.raises(ClusterError, match=r"create Secret .*HTTP 404 .*not found") as info:
        kube.apply(secret)  # its namespace does not exist
    assert info.value.status == 404


def test_client_side_body_validation_is_a_cluster_error(
    kube: KubeClient, settings: Settings, tenant: str
) -> None:
    secret = copy.deepcopy(_manifests(tenant, settings)[2])
    secret["stringDta"] = {"API_KEY": settings.api_key.reveal()}
    with pytest.raises(ClusterError, match=r"invalid request body at .*stringDta") as info:
        kube.apply(secret)
    assert settings.api_key.reveal() not in str(info.value)


def test_unreadable_kubeconfig_is_a_cluster_error(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(ClusterError, match="cannot load kubeconfig"):
        KubeClient.from_kubeconfig(str(tmp_path / "missing.yaml"), None, settings)
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: Config\ncontexts: []\n", encoding="utf-8")
    with pytest.raises(ClusterError, match="cannot load kubeconfig"):
        KubeClient.from_kubeconfig(str(broken), "nope", settings)
