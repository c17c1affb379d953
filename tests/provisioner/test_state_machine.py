"""Property-based test: random operations and faults, invariants after every step.

A Hypothesis ``RuleBasedStateMachine`` drives provision / stop / restart /
uninstall / re-provision on a few instances while injecting faults into the
test server.  After every step it checks that the database and the cluster
agree, that every recorded transition is allowed, that failures leave no
namespace behind, and that usage is non-negative and additive.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from provisioner.db import Database, Instance
from provisioner.errors import (
    ConflictError,
    IllegalTransitionError,
    NotFoundError,
    OperationFailedError,
)
from provisioner.kube import KubeClient
from provisioner.service import Provisioner
from provisioner.states import Status, is_allowed
from provisioner.tiers import TIERS
from provisioner.usage import compute_usage
from tests.provisioner.support.cluster import Cluster, make_settings, unique_tenant

T0 = datetime(2025, 6, 1, tzinfo=UTC)
NAMES = ("alpha", "beta")
# Faults hit the create/update/readiness path; deletion endpoints stay healthy so
# that "no orphaned namespace after a failure" is a strict invariant.
FAULT_ENDPOINTS = (
    ("POST", r"^/api/v1/namespaces$"),
    ("POST", r"/secrets$"),
    ("POST", r"/deployments$"),
    ("PUT", r"/deployments/instance$"),
    ("GET", r"/deployments/instance$"),
    ("PATCH", r"/deployments/instance$"),
    ("PATCH", r"/scale$"),
)
FAULT_KINDS = ("500", "403", "429", "drop", "clear")
MINUTES = st.integers(min_value=0, max_value=600)
# On the test server an operation may run while rollouts stall (never finish).
STALLED = st.booleans()
EXPECTED_END = {"provision": Status.RUNNING, "stop": Status.STOPPED, "restart": Status.RUNNING}


class StepClock:
    """A clock that moves one second per reading, plus explicit jumps."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def _machine(cluster: Cluster, tmp: Callable[[], Path]) -> type[RuleBasedStateMachine]:
    server = cluster.server
    # An operation that cannot succeed waits out its limit: on the test server,
    # 1.5 s is enough for any rollout that can succeed (ready 5 ms after it is
    # written, seen at the next poll), and a stalled rollout (below) is given
    # 0.1 s: such waits were most of this test's wall time (a run has a dozen
    # of them), and the test runs three times in our suite (itself, in the
    # thesis audit, on the planted-bug copy). Polling every 50 ms, not 5: a
    # wait is a few requests, not dozens (each a few ms of CPU in the client
    # and the in-process server; the polls were half of this test's CPU).
    waits = {} if cluster.real else {"readiness_timeout": 1.5, "namespace_timeout": 1.5,
                                     "poll_interval": 0.05}
    fast = make_settings(cluster.real, max_attempts=2, **waits)
    # Operations during a stalled rollout use a short readiness timeout.
    impatient = make_settings(cluster.real, max_attempts=2, readiness_timeout=0.1,
                              **({} if cluster.real else {"poll_interval": 0.05}))
    # One client for every example: it holds no state between calls but its
    # connection pool, and building one (kubeconfig parsing, API objects) cost
    # half a second per example.
    kube = KubeClient.from_kubeconfig(str(cluster.kubeconfig), None, fast)
    # The client, not the provisioner, reads ``readiness_timeout`` while it
    # waits: a stalled operation needs a client with the impatient settings
    # (on the same connection pool). With the patient client every stalled
    # provision or restart waited out 1.5 s instead of 0.1 s: a dozen such
    # waits were half of this test's wall time.
    impatient_kube = KubeClient(kube.api_client, impatient)

    class ProvisionerMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.tenant = unique_tenant()
            if server is not None:
                server.faults.clear()
                server.store.ready_delay = 0.005
                server.store.terminate_delay = 0.005
            self.db = Database(tmp() / "machine.sqlite")
            self.clock = StepClock(T0)
            self.patient = Provisioner(self.db, kube, fast, clock=self.clock)
            self.provisioner = self.patient
            self.stalled = False

        @initialize()
        def start_with_a_running_instance(self) -> None:
            # Faults only exist once a rule injects them, so this always succeeds.
            instance = self.provisioner.provision(self.tenant, NAMES[0], "free")
            assert instance.status is Status.RUNNING

        # -- operations -------------------------------------------------------

        def _attempt(self, name: str, operation: str, call: Callable[[], Instance]) -> None:
            # Without faults or a stalled rollout, an allowed operation must succeed.
            healthy = server is None or not (self.stalled or server.faults.active())
            before = self.db.find_live(self.tenant, name)
            events_before = len(self.db.events())
            try:
                result = call()
            except (IllegalTransitionError, NotFoundError, ConflictError):
                # Refused up front: nothing may have changed.
                assert self.db.find_live(self.tenant, name) == before
                assert len(self.db.events()) == events_before
                return
            except OperationFailedError as exc:
                assert not healthy, f"{operation} failed on a healthy cluster: {exc}"
                after = self.db.find_live(self.tenant, name)
                assert after is not None and after.status is Status.FAILED
                assert after.reason and after.reason.startswith(f"{operation} failed")
                return
            if operation == "uninstall":
                assert result.status is Status.DELETED
                assert self.db.find_live(self.tenant, name) is None
            else:
                assert result.status is EXPECTED_END[operation]

        def _rollouts(self, stalled: bool) -> None:
            # A stalled rollout never becomes available: the operation must fail.
            if server is not None:
                self.stalled = stalled
                server.store.ready_delay = 3600 if stalled else 0.005
                self.provisioner = (
                    Provisioner(self.db, impatient_kube, impatient, clock=self.clock)
                    if stalled else self.patient)

        @rule(name=st.sampled_from(NAMES), tier=st.none() | st.sampled_from(sorted(TIERS)),
              minutes=MINUTES, stalled=STALLED)
        def provision(self, name: str, tier: str | None, minutes: int, stalled: bool) -> None:
            self.clock.now += timedelta(minutes=minutes)
            self._rollouts(stalled)
            self._attempt(name, "provision",
                          lambda: self.provisioner.provision(self.tenant, name, tier))
            self._rollouts(False)

        @rule(name=st.sampled_from(NAMES), minutes=MINUTES)
        def stop(self, name: str, minutes: int) -> None:
            self.clock.now += timedelta(minutes=minutes)
            self._attempt(name, "stop", lambda: self.provisioner.stop(self.tenant, name))

        @rule(name=st.sampled_from(NAMES), minutes=MINUTES, stalled=STALLED)
        def restart(self, name: str, minutes: int, stalled: bool) -> None:
            self.clock.now += timedelta(minutes=minutes)
            self._rollouts(stalled)
            self._attempt(name, "restart", lambda: self.provisioner.restart(self.tenant, name))
            self._rollouts(False)

        @rule(name=st.sampled_from(NAMES), minutes=MINUTES)
        def uninstall(self, name: str, minutes: int) -> None:
            self.clock.now += timedelta(minutes=minutes)
            self._attempt(name, "uninstall",
                          lambda: self.provisioner.uninstall(self.tenant, name))

        @precondition(lambda self: server is not None)
        @rule(endpoint=st.sampled_from(FAULT_ENDPOINTS), kind=st.sampled_from(FAULT_KINDS),
              times=st.none() | st.integers(min_value=1, max_value=3))
        def change_faults(self, endpoint: tuple[str, str], kind: str, times: int | None) -> None:
            assert server is not None
            if kind == "clear":
                server.faults.clear()
            else:
                options: dict[str, Any] = {"drop": True} if kind == "drop" else {
                    "status": int(kind), "retry_after": "0"}
                server.inject(endpoint[0], endpoint[1], times=times, **options)

        # -- invariants -------------------------------------------------------

        def _observe(self, namespace: str) -> tuple[str | None, dict[str, Any] | None]:
            """Namespace phase and deployment, read past any injected faults."""
            if server is not None:
                code, ns = server.store.get("namespaces", "", namespace)
                if code == 404:
                    return None, None
                dcode, deployment = server.store.get("deployments", namespace, "instance")
                return ns["status"]["phase"], deployment if dcode == 200 else None
            phases = cluster.namespaces(self.tenant)
            if namespace not in phases:
                return None, None
            found = cluster.apps.list_namespaced_deployment(namespace).items
            return phases[namespace], (
                cluster.api_client.sanitize_for_serialization(found[0]) if found else None)

        @invariant()
        def database_and_cluster_agree(self) -> None:
            for name in NAMES:
                instance = self.db.find_live(self.tenant, name)
                phase, deployment = self._observe(f"{self.tenant}--{name}")
                if instance is None or instance.status is Status.FAILED:
                    assert phase is None, f"orphaned namespace for {name}: {instance}"
                    continue
                assert instance.status in (Status.RUNNING, Status.STOPPED), instance
                assert phase == "Active" and deployment is not None
                wanted = TIERS[instance.tier].replicas if instance.status is Status.RUNNING else 0
                assert deployment["spec"]["replicas"] == wanted
                if instance.status is Status.RUNNING and server is not None:
                    assert deployment["status"]["observedGeneration"] == deployment[
                        "metadata"]["generation"]

        @invariant()
        def statuses_only_move_along_allowed_transitions(self) -> None:
            last: dict[int, Status | None] = {}
            for event in self.db.events():
                previous = last.get(event.instance_id)
                assert event.from_status == previous
                assert is_allowed(previous, event.to_status), event
                last[event.instance_id] = event.to_status
            for instance in self.db.list_instances():
                assert last[instance.id] is instance.status

        @invariant()
        def usage_is_non_negative_and_additive(self) -> None:
            now = self.clock.now
            end = now + timedelta(hours=1)
            middle = T0 + (end - T0) / 3
            instances, events = self.db.list_instances(), self.db.events()
            whole = compute_usage(instances, events, T0, end, now).micros
            left = compute_usage(instances, events, T0, middle, now).micros
            right = compute_usage(instances, events, middle, end, now).micros
            span = (now - T0) // timedelta(microseconds=1)
            for tier in TIERS:
                assert 0 <= whole[tier] == left[tier] + right[tier]
                assert whole[tier] <= span * len(instances)

        def teardown(self) -> None:
            if server is not None:
                server.faults.clear()
            else:
                cluster.delete_tenant_namespaces(self.tenant)
            self.db.close()

    return ProvisionerMachine


def test_provisioner_state_machine(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    machine = _machine(cluster, lambda: tmp_path_factory.mktemp("machine"))
    budget = (
        settings(max_examples=3, stateful_step_count=6, database=None)
        if cluster.real
        else settings(max_examples=30, stateful_step_count=12, database=None)
    )
    run_state_machine_as_test(machine, settings=budget)
    if cluster.server is not None:
        # The machine really drove the provisioner through the server.
        methods = {request.method for request in cluster.server.requests}
        assert {"GET", "POST"} <= methods
