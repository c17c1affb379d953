"""Provisioner operations end to end: real SQLite file, real HTTP, real client."""

from __future__ import annotations

import base64
import logging
import threading
from pathlib import Path

import pytest

from provisioner.db import Database
from provisioner.errors import (
    ConflictError,
    IllegalTransitionError,
    InvalidNameError,
    NotFoundError,
    OperationFailedError,
    ValuesError,
)
from provisioner.kube import RESTART_ANNOTATION, KubeClient
from provisioner.service import Provisioner
from provisioner.settings import Settings
from provisioner.states import Status
from tests.provisioner.support.cluster import API_KEY, LICENSE_KEY, Cluster, impatient, until

DEPLOYMENTS = r"/apis/apps/v1/namespaces/[^/]+/deployments$"


def _history(provisioner: Provisioner, tenant: str, name: str = "web") -> list[str]:
    instance = provisioner.db.list_instances(tenant)[-1]
    assert instance.name == name
    return [event.to_status.value for event in provisioner.db.events(instance.id)]


def _second(db_path: Path, cluster: Cluster, settings: Settings) -> Provisioner:
    """Another provisioner with its own connection, as a second process would have."""
    kube = KubeClient.from_kubeconfig(str(cluster.kubeconfig), None, settings)
    return Provisioner(Database(db_path), kube, settings)


def test_provision_creates_everything_and_runs(
    provisioner: Provisioner, cluster: Cluster, tenant: str
) -> None:
    instance = provisioner.provision(tenant, "web", "starter")
    assert (instance.status, instance.tier, instance.namespace) == (
        Status.RUNNING, "starter", f"{tenant}--web")
    assert _history(provisioner, tenant) == ["pending", "provisioning", "running"]
    ns = instance.namespace
    assert cluster.namespaces(tenant) == {ns: "Active"}
    deployment = cluster.apps.read_namespaced_deployment("instance", ns)
    assert deployment.spec.replicas == 2
    assert deployment.status.available_replicas == 2
    quota = cluster.core.read_namespaced_resource_quota("instance-quota", ns)
    assert quota.spec.hard["pods"] == "3"
    assert cluster.core.read_namespaced_service("instance", ns).spec.ports[0].port == 80


def test_instance_secret_holds_the_configured_keys(
    provisioner: Provisioner, cluster: Cluster, tenant: str
) -> None:
    instance = provisioner.provision(tenant, "web")
    secret = cluster.core.read_namespaced_secret("instance-secrets", instance.namespace)
    decoded = {k: base64.b64decode(v).decode() for k, v in secret.data.items()}
    assert decoded == {"API_KEY": API_KEY, "LICENSE_KEY": LICENSE_KEY}
    assert instance.tier == "free"


def test_running_is_never_recorded_when_the_deployment_does_not_become_ready(
    provisioner: Provisioner, cluster: Cluster, tenant: str
) -> None:
    provisioner = impatient(provisioner)
    server = cluster.need_server("controls readiness timing")
    server.store.ready_delay = 3600
    with pytest.raises(OperationFailedError, match="provision failed: deployment not available"):
        provisioner.provision(tenant, "web")
    instance = provisioner.db.find_live(tenant, "web")
    assert instance is not None and instance.status is Status.FAILED
    assert instance.reason is not None
    assert f"not available after {provisioner.settings.readiness_timeout:g}s" in instance.reason
    assert _history(provisioner, tenant) == ["pending", "provisioning", "failed"]
    assert cluster.namespaces(tenant) == {}  # cleaned up, not orphaned


def test_slow_rollout_waits_for_readiness(
    provisioner: Provisioner, cluster: Cluster, tenant: str
) -> None:
    server = cluster.need_server("controls readiness timing")
    server.store.ready_delay = 0.3
    instance = provisioner.provision(tenant, "web")
    assert instance.status is Status.RUNNING
    polls = [r for r in server.requests if r.method == "GET" and r.path.endswith("/instance")]
    assert len(polls) > 2  # it really polled until the rollout finished
    status = cluster.apps.read_namespaced_deployment("instance", instance.namespace).status
    assert status.available_replicas == 1


@pytest.mark.parametrize(
    ("method", "path", "code", "expected"),
    [
        ("POST", DEPLOYMENTS, 500, "HTTP 500"),
        ("POST", r"/secrets$", 403, "HTTP 403"),
        ("POST", r"/resourcequotas$", 429, "HTTP 429"),
        ("GET", r"/deployments/instance$", 503, "HTTP 503"),
    ],
)
def test_failed_step_marks_failed_and_cleans_up(
    provisioner: Provisioner, cluster: Cluster, tenant: str, method: str, path: str, code: int,
    expected: str,
) -> None:
    server = cluster.need_server()
    server.inject(method, path, status=code, retry_after="0")
    with pytest.raises(OperationFailedError, match=expected):
        provisioner.provision(tenant, "web")
    instance = provisioner.db.find_live(tenant, "web")
    assert instance is not None and instance.status is Status.FAILED
    assert instance.reason is not None and expected in instance.reason
    assert cluster.namespaces(tenant) == {}


def test_failed_cleanup_is_recorded_and_uninstall_finishes_it(
    provisioner: Provisioner, cluster: Cluster, tenant: str
) -> None:
    server = cluster.need_server()
    server.inject("POST", DEPLOYMENTS, status=500)
    server.inject("DELETE", r"^/api/v1/namespaces/", status=403)
    with pytest.raises(OperationFailedError, match="cleanup failed: delete Namespace"):
        provisioner.provision(tenant, "web")
    assert cluster.namespaces(tenant) == {f"{tenant}--web": "Active"}
    server.faults.clear()
    assert provisioner.uninstall(tenant, "web").status is Status.DELETED
    assert cluster.namespaces(tenant) == {}


def test_failed_instance_can_be_provisioned_again(
    provisioner: Provisioner, cluster: Cluster, tenant: str
) -> None:
    server = cluster.need_server()
    server.inject("POST", DEPLOYMENTS, status=500, times=3)
    with pytest.raises(OperationFailedError, match="HTTP 500"):
        provisioner.provision(tenant, "web")
    instance = provisioner.provision(tenant, "web")
    assert instance.status is Status.RUNNING and instance.reason is None
    assert _history(provisioner, tenant) == [
        "pending", "provisioning", "failed", "provisioning", "running"]


def test_stop_scales_to_zero_and_keeps_the_data(
    provisioner: Provisioner, cluster: Cluster, tenant: str
) -> None:
    instance = provisioner.provision(tenant, "web", "starter")
    stopped = provisioner.stop(tenant, "web")
    assert stopped.status is Status.STOPPED
    ns = instance.namespace
    assert cluster.apps.read_namespaced_deployment("instance", ns).spec.replicas == 0
    claim = cluster.core.read_namespaced_persistent_volume_claim("instance-data", ns)
    assert claim.metadata.name == "instance-data"
    assert _history(provisioner, tenant)[-2:] == ["stopping", "stopped"]


def test_reprovision_after_stop_restores_replicas_idempotently(
    provisioner: Provisioner, cluster: Cluster, tenant: str
) -> None:
    first = provisioner.provision(tenant, "web", "starter")
    uid = cluster.core.read_namespace(first.namespace).metadata.uid
    provisioner.stop(tenant, "web")
    again = provisioner.provision(tenant, "web")
    assert again.status is Status.RUNNING and again.id == first.id
    assert cluster.core.read_namespace(first.namespace).metadata.uid == uid
    assert cluster.apps.read_namespaced_deployment("instance", first.namespace).spec.replicas == 2


def test_restart_rolls_the_pods(provisioner: Provisioner, cluster: Cluster, tenant: str) -> None:
    instance = provisioner.provision(tenant, "web")
    before = cluster.apps.read_namespaced_deployment("instance", instance.namespace)
    restarted = provisioner.restart(tenant, "web")
    after = cluster.apps.read_namespaced_deployment("instance", instance.namespace)
    assert restarted.status is Status.RUNNING
    assert after.metadata.generation == before.metadata.generation + 1
    assert RESTART_ANNOTATION in after.spec.template.metadata.annotations
    assert after.status.available_replicas == 1
    assert _history(provisioner, tenant)[-2:] == ["restarting", "running"]


def test_restart_that_never_becomes_ready_fails_and_cleans_up(
    provisioner: Provisioner, cluster: Cluster, tenant: str
) -> None:
    provisioner = impatient(provisioner)
    server = cluster.need_server("controls readiness timing")
    provisioner.provision(tenant, "web")
    server.store.ready_delay = 3600
    with pytest.raises(OperationFailedError, match="restart failed: restarted deployment"):
        provisioner.restart(tenant, "web")
    assert _history(provisioner, tenant)[-2:] == ["restarting", "failed"]
    assert cluster.namespaces(tenant) == {}


def test_stop_failure_fails_and_cleans_up(
    provisioner: Provisioner, cluster: Cluster, tenant: str
) -> None:
    server = cluster.need_server()
    provisioner.provision(tenant, "web")
    server.inject("PATCH", r"/scale$", status=403)
    with pytest.raises(OperationFailedError, match=r"stop failed: scale Deployment .* HTTP 403"):
        provisioner.stop(tenant, "web")
    assert _history(provisioner, tenant)[-2:] == ["stopping", "failed"]
    assert cluster.namespaces(tenant) == {}


def test_uninstall_waits_until_the_namespace_is_gone(
    provisioner: Provisioner, cluster: Cluster, tenant: str
) -> None:
    if cluster.server is not None:
        cluster.server.store.terminate_delay = 0.2
    first = provisioner.provision(tenant, "web")
    deleted = provisioner.uninstall(tenant, "web")
    assert deleted.status is Status.DELETED
    assert cluster.namespaces(tenant) == {}
    assert provisioner.db.find_live(tenant, "web") is None
    second = provisioner.provision(tenant, "web")
    assert second.id != first.id and second.status is Status.RUNNING


def test_uninstall_of_a_namespace_stuck_terminating_fails(
    provisioner: Provisioner, cluster: Cluster, tenant: str
) -> None:
    provisioner = impatient(provisioner)
    server = cluster.need_server("controls termination timing")
    provisioner.provision(tenant, "web")
    server.store.terminate_delay = 3600
    with pytest.raises(OperationFailedError, match=r"uninstall failed: namespace .* still"):
        provisioner.uninstall(tenant, "web")
    assert _history(provisioner, tenant)[-2:] == ["deleting", "failed"]


def test_uninstall_of_a_pending_or_stopped_instance(
    provisioner: Provisioner, cluster: Cluster, tenant: str
) -> None:
    provisioner.provision(tenant, "web")
    provisioner.stop(tenant, "web")
    assert provisioner.uninstall(tenant, "web").status is Status.DELETED
    assert cluster.namespaces(tenant) == {}


@pytest.mark.parametrize(
    ("operation", "error", "message"),
    [
        ("stop", IllegalTransitionError, "stopped -> stopping"),
        ("restart", IllegalTransitionError, "stopped -> restarting"),
    ],
)
def test_illegal_operations_are_errors_that_change_nothing(
    provisioner: Provisioner, tenant: str, operation: str, error: type[Exception], message: str
) -> None:
    provisioner.provision(tenant, "web")
    provisioner.stop(tenant, "web")
    before = _history(provisioner, tenant)
    with pytest.raises(error, match=message):
        getattr(provisioner, operation)(tenant, "web")
    assert _history(provisioner, tenant) == before


def test_provision_of_a_running_instance_is_illegal(provisioner: Provisioner, tenant: str) -> None:
    provisioner.provision(tenant, "web")
    with pytest.raises(IllegalTransitionError, match="running -> provisioning"):
        provisioner.provision(tenant, "web")
    with pytest.raises(ConflictError, match="has tier free; uninstall it to change tier"):
        provisioner.provision(tenant, "web", "professional")


def test_unknown_instances_and_bad_names(provisioner: Provisioner, tenant: str) -> None:
    with pytest.raises(NotFoundError, match=f"no instance {tenant}/ghost"):
        provisioner.stop(tenant, "ghost")
    for bad in ("Web", "web_1", "-web", "web-", "a--b", "x" * 31, ""):
        with pytest.raises(InvalidNameError, match="invalid instance name"):
            provisioner.provision(tenant, bad)
    with pytest.raises(InvalidNameError, match="invalid tenant name"):
        provisioner.provision("Acme", "web")
    with pytest.raises(ValuesError, match="unknown tier 'gold'"):
        provisioner.provision(tenant, "web", "gold")
    assert provisioner.db.list_instances() == []


def test_concurrent_provision_of_the_same_instance_one_wins(
    provisioner: Provisioner, cluster: Cluster, settings: Settings, db_path: Path, tenant: str
) -> None:
    server = cluster.need_server("slows one request down to hold the race open")
    fault = server.inject("POST", DEPLOYMENTS, delay=0.4, times=1)
    results: list[Status] = []

    def background() -> None:
        results.append(_second(db_path, cluster, settings).provision(tenant, "web").status)

    first = threading.Thread(target=background)
    first.start()
    assert until(lambda: fault.hits == 1, timeout=5)
    with pytest.raises(ConflictError, match="is provisioning: another operation is in progress"):
        provisioner.provision(tenant, "web")
    first.join(timeout=10)
    assert results == [Status.RUNNING]
    assert _history(provisioner, tenant) == ["pending", "provisioning", "running"]


def test_concurrent_stops_one_wins(
    provisioner: Provisioner, cluster: Cluster, settings: Settings, db_path: Path, tenant: str
) -> None:
    server = cluster.need_server("slows one request down to hold the race open")
    provisioner.provision(tenant, "web")
    fault = server.inject("PATCH", r"/scale$", delay=0.4, times=1)
    outcomes: list[str] = []

    def background() -> None:
        outcomes.append(_second(db_path, cluster, settings).stop(tenant, "web").status.value)

    worker = threading.Thread(target=background)
    worker.start()
    assert until(lambda: fault.hits == 1, timeout=5)
    with pytest.raises(ConflictError, match="is stopping"):
        provisioner.stop(tenant, "web")
    worker.join(timeout=10)
    assert outcomes == ["stopped"]
    assert _history(provisioner, tenant).count("stopping") == 1


def test_secrets_never_leak_into_reasons_errors_or_logs(
    provisioner: Provisioner, cluster: Cluster, tenant: str, caplog: pytest.LogCaptureFixture
) -> None:
    server = cluster.need_server("a webhook-like fault that echoes the request body")
    server.inject("POST", r"/secrets$", status=400, echo_body=True)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(OperationFailedError, match="denied request") as info:
        provisioner.provision(tenant, "web")
    instance = provisioner.db.find_live(tenant, "web")
    assert instance is not None and instance.reason is not None
    assert "***" in instance.reason  # the echoed body was there, redacted
    for text in (str(info.value), instance.reason, caplog.text, repr(provisioner.settings)):
        assert API_KEY not in text and LICENSE_KEY not in text
    assert "provision failed" in caplog.text
