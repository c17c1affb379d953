"""Exception hierarchy of the provisioner.

Every error the provisioner raises on purpose derives from ``ProvisionerError`` so
that the CLI can turn it into a one-line message.  Messages must never contain
secrets: callers pass them through ``Settings.redact`` before raising.
"""

from __future__ import annotations


class ProvisionerError(Exception):
    """Base class of all expected provisioner failures."""


class SettingsError(ProvisionerError):
    """The provisioner's settings are missing or invalid."""


class InvalidNameError(ProvisionerError):
    """A tenant or instance name is not usable as part of a DNS-1123 label."""


class NotFoundError(ProvisionerError):
    """No live instance exists for the given tenant and name."""


class ConflictError(ProvisionerError):
    """Another operation changed or is changing the same instance."""


class IllegalTransitionError(ProvisionerError):
    """A status change that the state machine does not allow."""


class ValuesError(ProvisionerError):
    """Chart values do not satisfy ``values.schema.json``."""


class ManifestError(ProvisionerError):
    """A rendered manifest does not satisfy the Kubernetes OpenAPI schema."""


class ClusterError(ProvisionerError):
    """A Kubernetes API call failed (after retries for transient errors)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ReadinessTimeoutError(ProvisionerError):
    """The deployment did not become available before the timeout."""


class OperationFailedError(ProvisionerError):
    """An operation failed; the instance was moved to ``failed`` with this reason."""
