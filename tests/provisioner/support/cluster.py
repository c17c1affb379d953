"""Where the strong suite runs: the test server (default) or a real cluster.

Set ``PROVISIONER_TEST_KUBECONFIG`` to run the same tests against a real
cluster (e.g. kind).  Tests that need fault injection or timing control call
``Cluster.need_server()`` and skip on a real cluster; tests that need real pods
call ``Cluster.need_real()`` and skip on the test server.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config

from provisioner.kube import KubeClient
from provisioner.service import Provisioner
from provisioner.settings import Secret, Settings
from tests.provisioner.kube_server import KubeServer

REAL_KUBECONFIG_ENV = "PROVISIONER_TEST_KUBECONFIG"
API_KEY = "ak-live-7f3c9a1e5b2d4c6e8a0f"
LICENSE_KEY = "lic-2b4d6f8h0j2l4n6p8r"
TENANT_LABEL = "provisioner.example.com/tenant"


def real_kubeconfig() -> Path | None:
    """The real cluster's kubeconfig, if the suite should run against one."""
    value = os.environ.get(REAL_KUBECONFIG_ENV)
    return Path(value) if value else None


def make_settings(real: bool, **overrides: Any) -> Settings:
    """Settings tuned for the test server (tiny polls) or a real cluster (minutes)."""
    options: dict[str, Any] = (
        dict(readiness_timeout=300.0, namespace_timeout=300.0, poll_interval=1.0,
             request_timeout=30.0, retry_backoff=0.5)
        if real
        # The test server answers in milliseconds; the limits only bound a wait
        # that should succeed, so they are generous enough for a busy 2-core
        # machine under coverage. Tests that expect a timeout pass their own.
        else dict(readiness_timeout=15.0, namespace_timeout=15.0, poll_interval=0.005,
                  request_timeout=10.0, retry_backoff=0.005)
    )
    options.update(overrides)
    return Settings(api_key=Secret(API_KEY), license_key=Secret(LICENSE_KEY), **options)


def until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)  # polling interval inside a deadline loop
    return bool(predicate())


def unique_tenant() -> str:
    """A tenant name no other test (or earlier run on a real cluster) uses."""
    return f"t{uuid.uuid4().hex[:10]}"


@dataclass
class Cluster:
    """A cluster the tests talk to through the real ``kubernetes`` client."""

    kubeconfig: Path
    server: KubeServer | None
    api_client: client.ApiClient = field(init=False)

    def __post_init__(self) -> None:
        self.api_client = config.new_client_from_config(config_file=str(self.kubeconfig))

    @property
    def real(self) -> bool:
        """Whether this is a real cluster rather than the test server."""
        return self.server is None

    @property
    def core(self) -> client.CoreV1Api:
        """CoreV1Api for assertions."""
        return client.CoreV1Api(self.api_client)

    @property
    def apps(self) -> client.AppsV1Api:
        """AppsV1Api for assertions."""
        return client.AppsV1Api(self.api_client)

    def need_server(self, why: str = "fault injection") -> KubeServer:
        """The test server, or skip: a real cluster cannot be steered like this."""
        if self.server is None:
            pytest.skip(f"needs the Kubernetes API test server ({why})")
        return self.server

    def need_real(self, why: str) -> None:
        """Skip unless running against a real cluster."""
        if self.server is not None:
            pytest.skip(f"needs a real cluster ({why}); set {REAL_KUBECONFIG_ENV}")

    def raw_request(
        self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Send a request the typed client would refuse to build (e.g. unknown fields).

        The typed client validates bodies with pydantic before sending, so a
        body with an unknown field never reaches a server through it.
        """
        request = self.api_client.param_serialize(
            method=method,
            resource_path=path,
            query_params=list((query or {}).items()),
            header_params={"Content-Type": "application/json", "Accept": "application/json"},
            body=body,
            auth_settings=["BearerToken"],
        )
        response = self.api_client.call_api(*request)
        response.read()
        return int(response.status), json.loads(response.data)

    def namespaces(self, tenant: str) -> dict[str, str]:
        """The tenant's namespaces and their phase (Active or Terminating)."""
        items = self.core.list_namespace(label_selector=f"{TENANT_LABEL}={tenant}").items
        return {ns.metadata.name: ns.status.phase for ns in items}

    def delete_tenant_namespaces(self, tenant: str) -> None:
        """Best-effort cleanup after a test on a real cluster."""
        for name in self.namespaces(tenant):
            try:
                self.core.delete_namespace(name)
            except client.ApiException as exc:
                if exc.status not in (404, 409):
                    raise


EXPECTED_TIMEOUT = 0.2
"""Seconds a test waits for a rollout or termination it has made never finish."""


def impatient(provisioner: Provisioner) -> Provisioner:
    """The same provisioner with short limits, for tests that expect a wait to time out."""
    quick = replace(provisioner.settings, readiness_timeout=EXPECTED_TIMEOUT,
                    namespace_timeout=EXPECTED_TIMEOUT)
    # The client's waits read its own settings, so it needs the short limits too.
    kube = KubeClient(provisioner.kube.api_client, quick)
    return Provisioner(provisioner.db, kube, quick)
