"""The API test server behaves like a real API server for what the provisioner uses.

These talk to the cluster with the plain ``kubernetes`` client, so against a
real cluster (``PROVISIONER_TEST_KUBECONFIG``) they check that the test server's
semantics are the real ones.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from kubernetes import client

from tests.provisioner.support.cluster import TENANT_LABEL, Cluster, until


def _ns(name: str, tenant: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {TENANT_LABEL: tenant}}}


def _deployment(name: str = "app", replicas: int = 1) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}},
    }


def _status(exc: pytest.ExceptionInfo[client.ApiException]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.value.body)
    assert body["kind"] == "Status" and body["status"] == "Failure"
    assert body["code"] == exc.value.status
    return body


def test_created_objects_get_server_metadata(cluster: Cluster, tenant: str) -> None:
    created = cluster.core.create_namespace(_ns(f"{tenant}-a", tenant), field_validation="Strict")
    assert created.metadata.uid and created.metadata.resource_version
    assert created.metadata.creation_timestamp is not None
    assert created.status.phase == "Active"
    secret = cluster.core.create_namespaced_secret(
        f"{tenant}-a",
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
         "stringData": {"k": "value"}},
        field_validation="Strict",
    )
    assert base64.b64decode(secret.data["k"]) == b"value"
    assert secret.string_data is None


def test_missing_object_and_missing_namespace_are_404(cluster: Cluster, tenant: str) -> None:
    with pytest.raises(client.ApiException, match=r"\(404\)") as missing:
        cluster.core.read_namespace(f"{tenant}-none")
    assert _status(missing)["reason"] == "NotFound"
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}
    with pytest.raises(client.ApiException, match=r"\(404\)") as no_ns:
        cluster.core.create_namespaced_secret(f"{tenant}-none", body)
    assert _status(no_ns)["reason"] == "NotFound"
    assert f'namespaces "{tenant}-none" not found' in _status(no_ns)["message"]


def test_duplicate_create_is_409_already_exists(cluster: Cluster, tenant: str) -> None:
    cluster.core.create_namespace(_ns(f"{tenant}-a", tenant))
    with pytest.raises(client.ApiException, match=r"\(409\)") as info:
        cluster.core.create_namespace(_ns(f"{tenant}-a", tenant))
    assert _status(info)["reason"] == "AlreadyExists"


@pytest.mark.parametrize("bad", ["Upper-Case", "under_score", "-leading", "x" * 64])
def test_non_dns_1123_names_are_422_invalid(cluster: Cluster, tenant: str, bad: str) -> None:
    with pytest.raises(client.ApiException, match=r"\(422\)") as info:
        cluster.core.create_namespace(_ns(bad, tenant))
    body = _status(info)
    assert body["reason"] == "Invalid"
    assert body["details"]["causes"][0]["field"] == "metadata.name"


def test_strict_field_validation_rejects_unknown_fields_with_400(
    cluster: Cluster, tenant: str
) -> None:
    cluster.core.create_namespace(_ns(f"{tenant}-a", tenant))
    body = _deployment()
    body["spec"]["replicaz"] = 2
    path = f"/apis/apps/v1/namespaces/{tenant}-a/deployments"
    code, status = cluster.raw_request("POST", path, body, {"fieldValidation": "Strict"})
    assert (code, status["kind"], status["reason"]) == (400, "Status", "BadRequest")
    assert "replicaz" in status["message"]
    with pytest.raises(client.ApiException, match=r"\(404\)"):
        cluster.apps.read_namespaced_deployment("app", f"{tenant}-a")


def test_stale_resource_version_is_409_conflict(cluster: Cluster, tenant: str) -> None:
    cluster.core.create_namespace(_ns(f"{tenant}-a", tenant))
    created = cluster.apps.create_namespaced_deployment(f"{tenant}-a", _deployment())
    body = _deployment(replicas=2)
    body["metadata"]["resourceVersion"] = created.metadata.resource_version
    updated = cluster.apps.replace_namespaced_deployment("app", f"{tenant}-a", body)
    assert updated.metadata.generation == created.metadata.generation + 1
    assert updated.metadata.uid == created.metadata.uid
    with pytest.raises(client.ApiException, match=r"\(409\)") as info:
        cluster.apps.replace_namespaced_deployment("app", f"{tenant}-a", body)
    assert _status(info)["reason"] == "Conflict"


def test_namespace_deletion_passes_through_terminating(cluster: Cluster, tenant: str) -> None:
    if cluster.server is not None:
        cluster.server.store.terminate_delay = 0.3
    name = f"{tenant}-a"
    cluster.core.create_namespace(_ns(name, tenant))
    cluster.core.create_namespaced_secret(
        name, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}})
    cluster.core.delete_namespace(name)
    assert cluster.core.read_namespace(name).status.phase == "Terminating"
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "t"}}
    with pytest.raises(client.ApiException, match=r"\(403\)") as info:
        cluster.core.create_namespaced_secret(name, body)
    assert "being terminated" in _status(info)["message"]
    assert until(lambda: name not in cluster.namespaces(tenant), timeout=120)
    with pytest.raises(client.ApiException, match=r"\(404\)"):
        cluster.core.read_namespaced_secret("s", name)


def test_deployment_becomes_available_after_rollout(cluster: Cluster, tenant: str) -> None:
    if cluster.server is not None:
        cluster.server.store.ready_delay = 0.2
    cluster.core.create_namespace(_ns(f"{tenant}-a", tenant))
    created = cluster.apps.create_namespaced_deployment(f"{tenant}-a", _deployment(replicas=2))
    assert not created.status.available_replicas

    def available() -> bool:
        status = cluster.apps.read_namespaced_deployment("app", f"{tenant}-a").status
        return status.available_replicas == 2 and status.observed_generation == 1

    assert until(available, timeout=300)
    scale = cluster.apps.patch_namespaced_deployment_scale(
        "app", f"{tenant}-a", {"spec": {"replicas": 0}})
    assert scale.spec.replicas == 0
    assert cluster.apps.read_namespaced_deployment("app", f"{tenant}-a").spec.replicas == 0


def test_server_answers_unknown_paths_and_bad_tokens(cluster: Cluster) -> None:
    server = cluster.need_server("it checks the test server's own token and routing")
    other = client.Configuration()
    other.host = server.url
    other.api_key = {"authorization": "Bearer wrong"}
    with pytest.raises(client.ApiException, match=r"\(401\)"):
        client.CoreV1Api(client.ApiClient(other)).list_namespace()
    with pytest.raises(client.ApiException, match=r"\(404\)") as info:
        cluster.core.read_namespaced_config_map("x", "default")
    assert _status(info)["message"] == "the server could not find the requested resource"


def test_pvc_spec_is_immutable_except_storage(cluster: Cluster, tenant: str) -> None:
    cluster.need_server("real PVCs need a provisioner to bind; kind's is slow and optional")
    cluster.core.create_namespace(_ns(f"{tenant}-a", tenant))
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "d"},
             "spec": {"accessModes": ["ReadWriteOnce"],
                      "resources": {"requests": {"storage": "1Gi"}}}}
    created = cluster.core.create_namespaced_persistent_volume_claim(f"{tenant}-a", claim)
    assert created.spec.volume_name and created.status.phase == "Bound"
    with pytest.raises(client.ApiException, match=r"\(422\)") as info:
        cluster.core.replace_namespaced_persistent_volume_claim("d", f"{tenant}-a", claim)
    assert "immutable" in _status(info)["message"]


def test_real_pods_run_within_the_quota(cluster: Cluster, tenant: str) -> None:
    cluster.need_real("the test server schedules no pods and runs no quota controller")
    cluster.core.create_namespace(_ns(f"{tenant}-a", tenant))
    cluster.apps.create_namespaced_deployment(f"{tenant}-a", _deployment(replicas=1))

    def running() -> bool:
        pods = cluster.core.list_namespaced_pod(f"{tenant}-a").items
        return len(pods) == 1 and pods[0].status.phase == "Running"

    assert until(running, timeout=300)
