"""In-memory object store with the Kubernetes semantics the provisioner relies on.

The HTTP layer (``kube_server``) maps requests onto these methods; every method
returns ``(http_status, body)`` where ``body`` is an object or a ``Status``.
What is modelled, and why it matters for the provisioner's tests:

* uid, resourceVersion, creationTimestamp and generation on every object;
* 404 for objects in a missing namespace, 409 AlreadyExists, 409 Conflict on a
  stale resourceVersion, 422 Invalid for bad names and PVC spec changes, 400
  for strict-validation failures (``kubernetes-validate`` strict schemas);
* namespaces pass through ``Terminating`` for ``terminate_delay`` seconds and
  refuse new content (403) meanwhile; then they vanish with their objects;
* a Deployment reports its replicas available ``ready_delay`` seconds after its
  last spec change (``observedGeneration`` lags until then); the delay in force
  at the change applies, so raising it later stalls only new rollouts.
"""

from __future__ import annotations

import base64
import copy
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import kubernetes_validate

Obj = dict[str, Any]
Reply = tuple[int, Obj]

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
VALIDATION_VERSION = "1.33"


@dataclass(frozen=True)
class Resource:
    """One REST resource the server speaks."""

    plural: str
    kind: str
    api_version: str
    namespaced: bool
    name_rule: str  # "label", "subdomain" or "1035"


RESOURCES: dict[str, Resource] = {
    r.plural: r
    for r in (
        Resource("namespaces", "Namespace", "v1", False, "label"),
        Resource("secrets", "Secret", "v1", True, "subdomain"),
        Resource("services", "Service", "v1", True, "1035"),
        Resource("resourcequotas", "ResourceQuota", "v1", True, "subdomain"),
        Resource("persistentvolumeclaims", "PersistentVolumeClaim", "v1", True, "subdomain"),
        Resource("deployments", "Deployment", "apps/v1", True, "subdomain"),
    )
}


def status(code: int, reason: str, message: str, details: Obj | None = None) -> Reply:
    """A ``Status`` failure body as the API server sends it."""
    body: Obj = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details is not None:
        body["details"] = details
    return code, body


def _name_error(resource: Resource, name: str) -> str | None:
    if resource.name_rule == "label" and (len(name) > 63 or not DNS_LABEL.match(name)):
        return "a lowercase RFC 1123 label must consist of lower case alphanumerics or '-'"
    if resource.name_rule == "1035" and (len(name) > 63 or not DNS_1035.match(name)):
        return "a DNS-1035 label must consist of lower case alphanumeric characters or '-'"
    if resource.name_rule == "subdomain" and (len(name) > 253 or not DNS_SUBDOMAIN.match(name)):
        return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters"
    return None


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 merge (enough of strategic merge for maps; lists are replaced)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


class Store:
    """Thread-safe object store; one per test server."""

    def __init__(self, ready_delay: float = 0.02, terminate_delay: float = 0.05) -> None:
        self.ready_delay = ready_delay
        self.terminate_delay = terminate_delay
        self._lock = threading.RLock()
        self._objects: dict[tuple[str, str, str], Obj] = {}
        self._ready_at: dict[tuple[str, str], float] = {}  # deployment -> rollout done
        self._terminating: dict[str, float] = {}  # namespace -> when it disappears
        self._version = 0
        self._ips = 0

    # -- bookkeeping ------------------------------------------------------------

    def _next_version(self) -> str:
        self._version += 1
        return str(self._version)

    def _tick(self) -> None:
        """Finish namespace terminations whose time has come."""
        now = time.monotonic()
        for namespace, gone_at in list(self._terminating.items()):
            if now >= gone_at:
                del self._terminating[namespace]
                for key in [k for k in self._objects if k[1] == namespace or k == (
                    "namespaces", "", namespace)]:
                    del self._objects[key]
                for key in [k for k in self._ready_at if k[0] == namespace]:
                    del self._ready_at[key]

    def _view(self, plural: str, obj: Obj) -> Obj:
        """The object as a client sees it (with a computed Deployment status)."""
        view = copy.deepcopy(obj)
        if plural == "deployments":
            meta, spec = view["metadata"], view["spec"]
            key = (meta["namespace"], meta["name"])
            ready = time.monotonic() >= self._ready_at[key]
            replicas = spec.get("replicas", 1)
            generation = meta["generation"]
            view["status"] = (
                {"observedGeneration": generation, "replicas": replicas,
                 "updatedReplicas": replicas, "readyReplicas": replicas,
                 "availableReplicas": replicas}
                if ready else {"observedGeneration": generation - 1, "replicas": replicas}
            )
        return view

    # -- validation -------------------------------------------------------------

    def _check_body(
        self, resource: Resource, namespace: str, body: Any, strict: bool
    ) -> Reply | None:
        if not isinstance(body, dict) or not isinstance(body.get("metadata"), dict):
            return status(400, "BadRequest", "Object 'metadata' is missing or not an object")
        if body.get("kind") != resource.kind or body.get("apiVersion") != resource.api_version:
            return status(
                400, "BadRequest",
                f"the API version/kind in the data ({body.get('apiVersion')}/{body.get('kind')})"
                f" does not match the expected ({resource.api_version}/{resource.kind})",
            )
        if resource.namespaced and body["metadata"].get("namespace", namespace) != namespace:
            return status(
                400, "BadRequest",
                "the namespace of the provided object does not match the namespace sent on the"
                " request",
            )
        try:
            kubernetes_validate.validate(body, VALIDATION_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            unknown = exc.validator == "additionalProperties"
            if strict or not unknown:
                prefix = "strict decoding error: " if unknown else ""
                return status(400, "BadRequest", f"{prefix}{path}: {exc.message}")
        name = body["metadata"].get("name")
        if not isinstance(name, str) or not name:
            return self._invalid(resource, "", "metadata.name", "name or generateName is required")
        problem = _name_error(resource, name)
        if problem is not None:
            message = f'Invalid value: "{name}": {problem}'
            return self._invalid(resource, name, "metadata.name", message)
        return None

    @staticmethod
    def _invalid(resource: Resource, name: str, field: str, message: str) -> Reply:
        return status(
            422, "Invalid", f'{resource.kind} "{name}" is invalid: {field}: {message}',
            {"name": name, "kind": resource.kind,
             "causes": [{"reason": "FieldValueInvalid", "message": message, "field": field}]},
        )

    def _namespace_gate(self, resource: Resource, namespace: str, creating: bool) -> Reply | None:
        if not resource.namespaced:
            return None
        if ("namespaces", "", namespace) not in self._objects:
            return status(404, "NotFound", f'namespaces "{namespace}" not found',
                          {"name": namespace, "kind": "namespaces"})
        if creating and namespace in self._terminating:
            return status(
                403, "Forbidden",
                f"{resource.plural} is forbidden: unable to create new content in namespace"
                f" {namespace} because it is being terminated",
            )
        return None

    @staticmethod
    def _not_found(resource: Resource, name: str) -> Reply:
        return status(404, "NotFound", f'{resource.plural} "{name}" not found',
                      {"name": name, "kind": resource.plural})

    # -- kind-specific defaults -------------------------------------------------

    def _defaults(self, resource: Resource, obj: Obj, old: Obj | None) -> Reply | None:
        kind = resource.kind
        if kind == "Secret":
            data = dict(obj.get("data") or {})
            for key, value in (obj.pop("stringData", None) or {}).items():
                data[key] = base64.b64encode(value.encode()).decode()
            obj["data"] = data
            obj.setdefault("type", "Opaque")
        elif kind == "Namespace":
            obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj[
                "metadata"]["name"]
            obj["spec"] = {"finalizers": ["kubernetes"]}
            obj["status"] = copy.deepcopy(old["status"]) if old else {"phase": "Active"}
        elif kind == "Service":
            assigned = old["spec"]["clusterIP"] if old else None
            wanted = obj["spec"].get("clusterIP")
            if assigned and wanted and wanted != assigned:
                return self._invalid(resource, obj["metadata"]["name"], "spec.clusterIPs[0]",
                                     "field is immutable")
            if assigned is None:
                self._ips += 1
                assigned = f"10.96.{self._ips // 250}.{self._ips % 250 + 1}"
            obj["spec"]["clusterIP"] = assigned
            obj["spec"]["clusterIPs"] = [assigned]
        elif kind == "PersistentVolumeClaim":
            if old is not None:
                before = {k: v for k, v in old["spec"].items() if k != "resources"}
                after = {k: v for k, v in obj["spec"].items() if k != "resources"}
                if before != after:
                    return self._invalid(
                        resource, obj["metadata"]["name"], "spec",
                        "Forbidden: spec is immutable after creation except resources.requests",
                    )
            else:
                obj["spec"].setdefault("storageClassName", "standard")
                obj["spec"].setdefault("volumeMode", "Filesystem")
                obj["spec"]["volumeName"] = f"pvc-{obj['metadata']['uid']}"
            obj["status"] = {"phase": "Bound"}
        return None

    # -- verbs ------------------------------------------------------------------

    def create(self, plural: str, namespace: str, body: Any, strict: bool) -> Reply:
        """POST a new object."""
        resource = RESOURCES[plural]
        with self._lock:
            self._tick()
            problem = self._check_body(resource, namespace, body, strict)
            problem = problem or self._namespace_gate(resource, namespace, creating=True)
            if problem:
                return problem
            name = body["metadata"]["name"]
            key = (plural, namespace if resource.namespaced else "", name)
            if key in self._objects:
                return status(409, "AlreadyExists", f'{plural} "{name}" already exists',
                              {"name": name, "kind": plural})
            obj = copy.deepcopy(body)
            meta = obj["metadata"]
            meta.update(uid=str(uuid.uuid4()), resourceVersion=self._next_version(),
                        creationTimestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
            if resource.namespaced:
                meta["namespace"] = namespace
            if plural == "deployments":
                meta["generation"] = 1
                self._ready_at[(namespace, name)] = time.monotonic() + self.ready_delay
            problem = self._defaults(resource, obj, None)
            if problem:
                return problem
            self._objects[key] = obj
            return 201, self._view(plural, obj)

    def get(self, plural: str, namespace: str, name: str) -> Reply:
        """GET one object."""
        resource = RESOURCES[plural]
        with self._lock:
            self._tick()
            obj = self._objects.get((plural, namespace if resource.namespaced else "", name))
            if obj is None:
                return self._not_found(resource, name)
            return 200, self._view(plural, obj)

    def list(self, plural: str, namespace: str, selector: dict[str, str]) -> Reply:
        """GET a list, filtered by an equality label selector."""
        resource = RESOURCES[plural]
        with self._lock:
            self._tick()
            items = [
                self._view(plural, obj)
                for (kind, ns, _), obj in sorted(self._objects.items())
                if kind == plural and (not resource.namespaced or ns == namespace)
                and all(obj["metadata"].get("labels", {}).get(k) == v for k, v in selector.items())
            ]
            return 200, {"apiVersion": resource.api_version, "kind": f"{resource.kind}List",
                         "metadata": {"resourceVersion": str(self._version)}, "items": items}

    def replace(self, plural: str, namespace: str, name: str, body: Any, strict: bool) -> Reply:
        """PUT a whole object (optimistic concurrency on resourceVersion)."""
        resource = RESOURCES[plural]
        with self._lock:
            self._tick()
            problem = self._check_body(resource, namespace, body, strict)
            problem = problem or self._namespace_gate(resource, namespace, creating=False)
            if problem:
                return problem
            if body["metadata"]["name"] != name:
                given = body["metadata"]["name"]
                return status(400, "BadRequest", f"the name of the object ({given}) does not"
                              f" match the name on the URL ({name})")
            key = (plural, namespace if resource.namespaced else "", name)
            old = self._objects.get(key)
            if old is None:
                return self._not_found(resource, name)
            wanted = body["metadata"].get("resourceVersion")
            if wanted is not None and wanted != old["metadata"]["resourceVersion"]:
                return status(
                    409, "Conflict",
                    f'Operation cannot be fulfilled on {plural} "{name}": the object has been'
                    " modified; please apply your changes to the latest version and try again",
                    {"name": name, "kind": plural},
                )
            obj = copy.deepcopy(body)
            return self._store_update(resource, key, old, obj)

    def _store_update(self, resource: Resource, key: tuple[str, str, str], old: Obj,
                      obj: Obj) -> Reply:
        meta = obj["metadata"]
        for field in ("uid", "creationTimestamp", "namespace", "deletionTimestamp"):
            if field in old["metadata"]:
                meta[field] = old["metadata"][field]
        meta["resourceVersion"] = self._next_version()
        if resource.plural == "deployments":
            meta["generation"] = old["metadata"]["generation"]
            if obj.get("spec") != old.get("spec"):
                meta["generation"] += 1
                self._ready_at[(key[1], key[2])] = time.monotonic() + self.ready_delay
        problem = self._defaults(resource, obj, old)
        if problem:
            return problem
        if resource.plural == "deployments":
            obj.pop("status", None)  # status is computed on read, never stored
        self._objects[key] = obj
        return 200, self._view(resource.plural, obj)

    def patch(self, namespace: str, name: str, patch: Any, strict: bool) -> Reply:
        """PATCH a Deployment (merge semantics)."""
        resource = RESOURCES["deployments"]
        with self._lock:
            self._tick()
            key = ("deployments", namespace, name)
            old = self._objects.get(key)
            if old is None:
                return self._not_found(resource, name)
            if not isinstance(patch, dict):
                return status(400, "BadRequest", "patch body must be a JSON object")
            merged = merge_patch(old, patch)
            problem = self._check_body(resource, namespace, merged, strict)
            if problem:
                return problem
            return self._store_update(resource, key, old, merged)

    def scale(self, namespace: str, name: str, patch: Any | None) -> Reply:
        """GET (``patch`` is None) or PATCH the ``scale`` subresource of a Deployment."""
        resource = RESOURCES["deployments"]
        with self._lock:
            self._tick()
            key = ("deployments", namespace, name)
            old = self._objects.get(key)
            if old is None:
                return self._not_found(resource, name)
            if patch is not None:
                replicas = (patch.get("spec") or {}).get("replicas") if isinstance(
                    patch, dict) else None
                if not isinstance(replicas, int) or replicas < 0:
                    return self._invalid(resource, name, "spec.replicas",
                                         "must be greater than or equal to 0")
                updated = merge_patch(old, {"spec": {"replicas": replicas}})
                self._store_update(resource, key, old, updated)
                old = self._objects[key]
            meta = old["metadata"]
            return 200, {
                "apiVersion": "autoscaling/v1", "kind": "Scale",
                "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                 "creationTimestamp")},
                "spec": {"replicas": old["spec"].get("replicas", 1)},
                "status": {"replicas": old["spec"].get("replicas", 1)},
            }

    def delete_namespace(self, name: str) -> Reply:
        """DELETE a namespace: it turns ``Terminating``, then disappears."""
        resource = RESOURCES["namespaces"]
        with self._lock:
            self._tick()
            obj = self._objects.get(("namespaces", "", name))
            if obj is None:
                return self._not_found(resource, name)
            if name in self._terminating:
                return status(
                    409, "Conflict",
                    f'Operation cannot be fulfilled on namespaces "{name}": The system is ensuring'
                    " all content is removed from this namespace.  Upon completion, this namespace"
                    " will automatically be purged by the system.",
                    {"name": name, "kind": "namespaces"},
                )
            obj["status"] = {"phase": "Terminating"}
            obj["metadata"]["deletionTimestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            obj["metadata"]["resourceVersion"] = self._next_version()
            self._terminating[name] = time.monotonic() + self.terminate_delay
            return 200, self._view("namespaces", obj)
