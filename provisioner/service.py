"""The provisioner's operations: provision, stop, restart, uninstall.

Each operation follows the same shape, which is what makes it safe:

1. read the live instance and refuse if another operation is in progress;
2. claim it with a version-checked transition into a busy status (this is the
   lock: a concurrent operation's transition fails with ``ConflictError``);
3. talk to the cluster;
4. only then record the final status.  ``running`` is written strictly after
   the deployment reported all replicas available.

If step 3 fails the instance goes to ``failed`` with a redacted reason and its
namespace is deleted, so a failure never leaves an orphaned namespace behind.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime

from provisioner.db import Database, Instance
from provisioner.errors import (
    ClusterError,
    ConflictError,
    InvalidNameError,
    NotFoundError,
    OperationFailedError,
    ProvisionerError,
    ReadinessTimeoutError,
)
from provisioner.kube import KubeClient
from provisioner.rendering import DEPLOYMENT_NAME, build_values, render_validated
from provisioner.settings import Settings
from provisioner.states import BUSY, Status
from provisioner.tiers import get_tier

log = logging.getLogger("provisioner")

# Lowercase alphanumerics in dash-separated runs: no leading, trailing or double
# dashes, so "<tenant>--<name>" is an unambiguous DNS-1123 namespace name.
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_NAME_LENGTH = 30


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def check_name(kind: str, value: str) -> None:
    """Raise ``InvalidNameError`` unless ``value`` can be part of a namespace name."""
    if len(value) > MAX_NAME_LENGTH or not NAME_PATTERN.match(value):
        raise InvalidNameError(
            f"invalid {kind} name {value!r}: use 1-{MAX_NAME_LENGTH} lowercase letters,"
            " digits and single dashes, starting and ending with a letter or digit"
        )


def namespace_for(tenant: str, name: str) -> str:
    """The namespace holding ``tenant``'s instance ``name``."""
    check_name("tenant", tenant)
    check_name("instance", name)
    return f"{tenant}--{name}"


class Provisioner:
    """Runs operations against one database and one cluster."""

    def __init__(
        self,
        db: Database,
        kube: KubeClient,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.kube = kube
        self.settings = settings
        self.clock = clock

    # -- helpers ----------------------------------------------------------------

    def _live(self, tenant: str, name: str) -> Instance:
        namespace_for(tenant, name)
        instance = self.db.find_live(tenant, name)
        if instance is None:
            raise NotFoundError(f"no instance {tenant}/{name}")
        return instance

    @staticmethod
    def _ensure_idle(instance: Instance) -> None:
        if instance.status in BUSY:
            raise ConflictError(
                f"instance {instance.tenant}/{instance.name} is {instance.status.value}:"
                " another operation is in progress"
            )

    def _claim(self, instance: Instance, busy: Status) -> Instance:
        self._ensure_idle(instance)
        return self.db.transition(instance, busy, self.clock())

    def _cleanup(self, namespace: str) -> str | None:
        """Delete the namespace and wait until it is gone; a note if that failed."""
        try:
            self.kube.delete_namespace(namespace)
            if not self.kube.wait_namespace_gone(namespace):
                return f"namespace {namespace} still terminating"
        except ClusterError as exc:
            return str(exc)
        return None

    def _fail(self, instance: Instance, operation: str, error: ProvisionerError) -> Exception:
        """Clean up, record ``failed`` with the reason, and build the error to raise."""
        reason = f"{operation} failed: {error}"
        note = self._cleanup(instance.namespace)
        if note is not None:
            reason += f"; cleanup failed: {note}"
        reason = self.settings.redact(reason)
        self.db.transition(instance, Status.FAILED, self.clock(), reason)
        log.warning("%s/%s: %s", instance.tenant, instance.name, reason)
        return OperationFailedError(f"{instance.tenant}/{instance.name}: {reason}")

    # -- operations -------------------------------------------------------------

    def provision(self, tenant: str, name: str, tier: str | None = None) -> Instance:
        """Create (or re-create) the instance and wait until it is available."""
        namespace = namespace_for(tenant, name)
        instance = self.db.find_live(tenant, name)
        if instance is None:
            chosen = get_tier(tier or "free")
            instance = self.db.create_instance(tenant, name, chosen.name, namespace, self.clock())
        elif tier is not None and tier != instance.tier:
            raise ConflictError(
                f"instance {tenant}/{name} has tier {instance.tier}; uninstall it to change tier"
            )
        instance = self._claim(instance, Status.PROVISIONING)
        log.info("provisioning %s/%s (tier %s)", tenant, name, instance.tier)
        try:
            values = build_values(
                tenant, name, namespace, get_tier(instance.tier), self.settings
            )
            manifests = render_validated(values, self.settings.kubernetes_version)
            self.kube.apply_all(manifests)
            if not self.kube.wait_deployment_ready(namespace, DEPLOYMENT_NAME):
                raise ReadinessTimeoutError(
                    f"deployment not available after {self.settings.readiness_timeout:g}s"
                )
        except ProvisionerError as exc:
            raise self._fail(instance, "provision", exc) from None
        instance = self.db.transition(instance, Status.RUNNING, self.clock())
        log.info("%s/%s is running", tenant, name)
        return instance

    def stop(self, tenant: str, name: str) -> Instance:
        """Scale the deployment to zero; the namespace and its data stay."""
        instance = self._claim(self._live(tenant, name), Status.STOPPING)
        try:
            self.kube.scale_deployment(instance.namespace, DEPLOYMENT_NAME, 0)
        except ProvisionerError as exc:
            raise self._fail(instance, "stop", exc) from None
        log.info("%s/%s stopped", tenant, name)
        return self.db.transition(instance, Status.STOPPED, self.clock())

    def restart(self, tenant: str, name: str) -> Instance:
        """Roll the pods and wait until the new ones are available."""
        instance = self._claim(self._live(tenant, name), Status.RESTARTING)
        try:
            self.kube.restart_deployment(instance.namespace, DEPLOYMENT_NAME, self.clock())
            if not self.kube.wait_deployment_ready(instance.namespace, DEPLOYMENT_NAME):
                raise ReadinessTimeoutError(
                    f"restarted deployment not available after"
                    f" {self.settings.readiness_timeout:g}s"
                )
        except ProvisionerError as exc:
            raise self._fail(instance, "restart", exc) from None
        log.info("%s/%s restarted", tenant, name)
        return self.db.transition(instance, Status.RUNNING, self.clock())

    def uninstall(self, tenant: str, name: str) -> Instance:
        """Delete the namespace, wait until it is really gone, mark ``deleted``."""
        instance = self._claim(self._live(tenant, name), Status.DELETING)
        try:
            self.kube.delete_namespace(instance.namespace)
            if not self.kube.wait_namespace_gone(instance.namespace):
                raise ReadinessTimeoutError(
                    f"namespace {instance.namespace} still terminating after"
                    f" {self.settings.namespace_timeout:g}s"
                )
        except ProvisionerError as exc:
            reason = self.settings.redact(f"uninstall failed: {exc}")
            self.db.transition(instance, Status.FAILED, self.clock(), reason)
            log.warning("%s/%s: %s", tenant, name, reason)
            raise OperationFailedError(f"{tenant}/{name}: {reason}") from None
        log.info("%s/%s uninstalled", tenant, name)
        return self.db.transition(instance, Status.DELETED, self.clock())
