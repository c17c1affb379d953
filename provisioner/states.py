"""Instance statuses and the transitions allowed between them.

The table below is the single source of truth: the database layer refuses any
status change that is not listed here, so an illegal change is an error instead
of a silent overwrite.
"""

from __future__ import annotations

from enum import StrEnum

from provisioner.errors import IllegalTransitionError


class Status(StrEnum):
    """Lifecycle status of an instance."""

    PENDING = "pending"
    PROVISIONING = "provisioning"
    RUNNING = "running"
    RESTARTING = "restarting"
    STOPPING = "stopping"
    STOPPED = "stopped"
    DELETING = "deleting"
    DELETED = "deleted"
    FAILED = "failed"


ALLOWED: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.PROVISIONING, Status.DELETING}),
    Status.PROVISIONING: frozenset({Status.RUNNING, Status.FAILED}),
    Status.RUNNING: frozenset({Status.STOPPING, Status.RESTARTING, Status.DELETING}),
    Status.RESTARTING: frozenset({Status.RUNNING, Status.FAILED}),
    Status.STOPPING: frozenset({Status.STOPPED, Status.FAILED}),
    Status.STOPPED: frozenset({Status.PROVISIONING, Status.DELETING}),
    Status.DELETING: frozenset({Status.DELETED, Status.FAILED}),
    Status.DELETED: frozenset(),
    Status.FAILED: frozenset({Status.PROVISIONING, Status.DELETING}),
}

# Statuses in which an operation is under way; a second operation must not start.
BUSY: frozenset[Status] = frozenset(
    {Status.PROVISIONING, Status.RESTARTING, Status.STOPPING, Status.DELETING}
)

# Statuses during which the instance's pods serve traffic and are billed.
BILLABLE: frozenset[Status] = frozenset({Status.RUNNING, Status.RESTARTING})


def is_allowed(current: Status | None, target: Status) -> bool:
    """Whether ``current -> target`` is allowed (``None`` means "no instance yet")."""
    if current is None:
        return target is Status.PENDING
    return target in ALLOWED[current]


def check_transition(current: Status | None, target: Status) -> None:
    """Raise ``IllegalTransitionError`` unless ``current -> target`` is allowed."""
    if not is_allowed(current, target):
        origin = current.value if current is not None else "(new)"
        raise IllegalTransitionError(f"illegal status transition {origin} -> {target.value}")
