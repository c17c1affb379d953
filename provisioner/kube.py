"""Cluster operations through the official ``kubernetes`` client.

Every call goes through ``KubeClient._call``, which adds the request timeout,
retries transient failures (429, 5xx, dropped connections, timeouts) with a
bounded backoff, and turns everything else into a ``ClusterError`` whose message
comes from the Kubernetes ``Status`` body with all secrets redacted.  Creates
and replaces are sent with ``field_validation="Strict"`` so a cluster rejects
unknown fields instead of silently dropping them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import urllib3
from kubernetes import client, config

from provisioner.errors import ClusterError
from provisioner.rendering import Manifest
from provisioner.settings import Settings

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
RESTART_ANNOTATION = "provisioner.example.com/restartedAt"


@dataclass(frozen=True)
class KindOps:
    """Which client API and method suffix handle one kind, e.g. ``namespaced_secret``."""

    api: str
    suffix: str
    namespaced: bool


KINDS: dict[str, KindOps] = {
    "Namespace": KindOps("core", "namespace", namespaced=False),
    "ResourceQuota": KindOps("core", "namespaced_resource_quota", namespaced=True),
    "Secret": KindOps("core", "namespaced_secret", namespaced=True),
    "PersistentVolumeClaim": KindOps("core", "namespaced_persistent_volume_claim", namespaced=True),
    "Service": KindOps("core", "namespaced_service", namespaced=True),
    "Deployment": KindOps("apps", "namespaced_deployment", namespaced=True),
}


def _status_message(exc: client.ApiException) -> str:
    """The ``message`` of a Kubernetes Status body, or the HTTP reason."""
    try:
        body = json.loads(exc.body or "")
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return str(exc.reason or "no details")


class KubeClient:
    """The provisioner's view of a cluster: apply, wait, scale, restart, delete."""

    def __init__(
        self,
        api_client: client.ApiClient,
        settings: Settings,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_client = api_client
        self.settings = settings
        self._sleep = sleep
        self._apis: dict[str, Any] = {
            "core": client.CoreV1Api(api_client),
            "apps": client.AppsV1Api(api_client),
        }

    @classmethod
    def from_kubeconfig(
        cls, path: str | None, context: str | None, settings: Settings
    ) -> KubeClient:
        """Connect using a kubeconfig file (``None``: the default location)."""
        configuration = client.Configuration()
        # Retries are ours (see _call); urllib3's would retry non-idempotent POSTs blindly.
        configuration.retries = False
        try:
            api_client = config.new_client_from_config(  # type: ignore[no-untyped-call]
                config_file=path, context=context, client_configuration=configuration
            )
        except (config.ConfigException, OSError) as exc:
            raise ClusterError(f"cannot load kubeconfig: {settings.redact(str(exc))}") from None
        return cls(api_client, settings)

    # -- plumbing ---------------------------------------------------------------

    def _call(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call one API method with timeout and retries; raise ``ClusterError``."""
        kwargs["_request_timeout"] = self.settings.request_timeout
        attempt = 1
        while True:
            try:
                return method(*args, **kwargs)
            except client.ApiException as exc:
                status = int(exc.status or 0)
                detail = f"{what}: HTTP {status} {_status_message(exc)}"
                retry_after = (exc.headers or {}).get("Retry-After")
                transient = status in TRANSIENT_STATUSES
            except urllib3.exceptions.HTTPError as exc:
                status = 0
                detail = f"{what}: connection failed ({type(exc).__name__})"
                retry_after = None
                transient = True
            except ValueError as exc:
                # The typed client validates bodies (pydantic) before sending.  Its
                # indented lines echo input values (maybe secrets): keep field paths only.
                fields = [line for line in str(exc).splitlines()[1:] if not line.startswith(" ")]
                message = f"{what}: invalid request body at {', '.join(fields) or '?'}"
                raise ClusterError(self.settings.redact(message)) from None

            if not transient or attempt >= self.settings.max_attempts:
                raise ClusterError(self.settings.redact(detail), status=status or None)
            self._sleep(self._backoff(attempt, retry_after))
            attempt += 1

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        delay = self.settings.retry_backoff * attempt
        if retry_after is not None and retry_after.isdigit():
            delay = float(retry_after)
        return min(delay, self.settings.retry_backoff * 4)

    def _method(self, kind: str, verb: str) -> tuple[Callable[..., Any], KindOps]:
        ops = KINDS[kind]
        return getattr(self._apis[ops.api], f"{verb}_{ops.suffix}"), ops

    # -- objects ----------------------------------------------------------------

    def apply(self, manifest: Manifest) -> None:
        """Create ``manifest``; if it exists (409), read it and replace it."""
        kind = manifest["kind"]
        name = manifest["metadata"]["name"]
        namespace = manifest["metadata"].get("namespace")
        scope = (namespace,) if KINDS[kind].namespaced else ()
        label = f"{kind} {namespace + '/' if namespace else ''}{name}"
        create, _ = self._method(kind, "create")
        try:
            self._call(f"create {label}", create, *scope, manifest, field_validation="Strict")
            return
        except ClusterError as exc:
            if exc.status != 409:
                raise
        read, _ = self._method(kind, "read")
        current = self._call(f"read {label}", read, name, *scope)
        existing = self.api_client.sanitize_for_serialization(current)  # type: ignore[no-untyped-call]
        replace, _ = self._method(kind, "replace")
        body = replacement(manifest, existing)
        self._call(f"replace {label}", replace, name, *scope, body, field_validation="Strict")

    def apply_all(self, manifests: list[Manifest]) -> None:
        """Apply manifests in order (the chart lists the namespace first)."""
        for manifest in manifests:
            self.apply(manifest)

    # -- deployments ------------------------------------------------------------

    def deployment_ready(self, namespace: str, name: str) -> bool:
        """Whether the controller has rolled out the latest spec to every replica."""
        deployment = self._call(
            f"read Deployment {namespace}/{name}",
            self._apis["apps"].read_namespaced_deployment,
            name,
            namespace,
        )
        wanted = deployment.spec.replicas if deployment.spec.replicas is not None else 1
        status = deployment.status
        if status is None or (status.observed_generation or 0) < (
            deployment.metadata.generation or 0
        ):
            return False
        updated = status.updated_replicas or 0
        return updated >= wanted and (status.available_replicas or 0) >= wanted

    def wait_deployment_ready(self, namespace: str, name: str) -> bool:
        """Poll until ready; ``False`` if ``readiness_timeout`` passes first."""
        deadline = time.monotonic() + self.settings.readiness_timeout
        while True:
            if self.deployment_ready(namespace, name):
                return True
            if time.monotonic() >= deadline:
                return False
            self._sleep(self.settings.poll_interval)

    def scale_deployment(self, namespace: str, name: str, replicas: int) -> None:
        """Set the replica count through the ``scale`` subresource."""
        self._call(
            f"scale Deployment {namespace}/{name}",
            self._apis["apps"].patch_namespaced_deployment_scale,
            name,
            namespace,
            {"spec": {"replicas": replicas}},
            field_validation="Strict",
        )

    def restart_deployment(self, namespace: str, name: str, at: datetime) -> None:
        """Roll the pods by changing an annotation on the pod template."""
        patch = {"spec": {"template": {"metadata": {"annotations": {
            RESTART_ANNOTATION: at.isoformat()
        }}}}}
        self._call(
            f"restart Deployment {namespace}/{name}",
            self._apis["apps"].patch_namespaced_deployment,
            name,
            namespace,
            patch,
            field_validation="Strict",
        )

    # -- namespaces -------------------------------------------------------------

    def namespace_exists(self, namespace: str) -> bool:
        """Whether the namespace exists (an ``Active`` or ``Terminating`` one)."""
        try:
            self._call(f"read Namespace {namespace}", self._apis["core"].read_namespace, namespace)
        except ClusterError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def delete_namespace(self, namespace: str) -> bool:
        """Start deleting the namespace; ``False`` if it did not exist."""
        try:
            self._call(
                f"delete Namespace {namespace}", self._apis["core"].delete_namespace, namespace
            )
        except ClusterError as exc:
            if exc.status == 404:
                return False
            if exc.status != 409:  # 409: already terminating, which is what we want
                raise
        return True

    def wait_namespace_gone(self, namespace: str) -> bool:
        """Poll until the namespace is gone; ``False`` if ``namespace_timeout`` passes."""
        deadline = time.monotonic() + self.settings.namespace_timeout
        while self.namespace_exists(namespace):
            if time.monotonic() >= deadline:
                return False
            self._sleep(self.settings.poll_interval)
        return True


def replacement(desired: Manifest, existing: dict[str, Any]) -> Manifest:
    """The body for replacing ``existing`` with ``desired``.

    It carries the existing ``resourceVersion`` (optimistic concurrency).  A
    PersistentVolumeClaim's spec is immutable once bound except for the storage
    request, so for PVCs the existing spec is kept and only that is updated.
    """
    body: Manifest = json.loads(json.dumps(desired))
    body["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"]
    if desired["kind"] == "PersistentVolumeClaim":
        spec = dict(existing["spec"])
        spec["resources"] = desired["spec"]["resources"]
        body["spec"] = spec
    return body
