"""The status state machine: exactly the documented transitions are allowed."""

from __future__ import annotations

import itertools

import pytest

from provisioner.errors import IllegalTransitionError
from provisioner.states import ALLOWED, BILLABLE, BUSY, Status, check_transition, is_allowed

EXPECTED_EDGES = {
    ("pending", "provisioning"), ("pending", "deleting"),
    ("provisioning", "running"), ("provisioning", "failed"),
    ("running", "stopping"), ("running", "restarting"), ("running", "deleting"),
    ("restarting", "running"), ("restarting", "failed"),
    ("stopping", "stopped"), ("stopping", "failed"),
    ("stopped", "provisioning"), ("stopped", "deleting"),
    ("deleting", "deleted"), ("deleting", "failed"),
    ("failed", "provisioning"), ("failed", "deleting"),
}


def test_transition_table_is_exactly_the_documented_one() -> None:
    edges = {(a.value, b.value) for a, targets in ALLOWED.items() for b in targets}
    assert edges == EXPECTED_EDGES
    assert set(ALLOWED) == set(Status)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Status, Status)))
def test_check_transition_agrees_with_the_table(current: Status, target: Status) -> None:
    allowed = (current.value, target.value) in EXPECTED_EDGES
    assert is_allowed(current, target) is allowed
    if allowed:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransitionError, match=f"{current.value} -> {target.value}"):
            check_transition(current, target)


def test_new_instances_can_only_start_pending() -> None:
    assert is_allowed(None, Status.PENDING)
    with pytest.raises(IllegalTransitionError, match=r"\(new\) -> running"):
        check_transition(None, Status.RUNNING)


def test_deleted_is_terminal_and_busy_statuses_can_finish() -> None:
    assert ALLOWED[Status.DELETED] == frozenset()
    for status in BUSY:
        assert Status.FAILED in ALLOWED[status]
    assert {Status.RUNNING, Status.RESTARTING} == BILLABLE
