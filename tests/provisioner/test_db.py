"""The SQLite layer against real files: schema, constraints, transactions, conflicts."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from provisioner.db import MIGRATIONS, SCHEMA_VERSION, Database
from provisioner.errors import ConflictError, IllegalTransitionError, NotFoundError
from provisioner.states import Status
from provisioner.tiers import TIERS

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def test_new_file_is_migrated_to_the_latest_version(db: Database, db_path: Path) -> None:
    assert db.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    tables = {row[0] for row in _raw(db_path).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"tenants", "instances", "events"} <= tables


def test_migrating_again_applies_nothing(db: Database, db_path: Path) -> None:
    again = Database(db_path)
    assert again.migrate() == 0
    assert again.schema_version() == SCHEMA_VERSION
    again.close()


def test_old_schema_is_upgraded_in_place(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    upgraded = Database(db_path)
    assert upgraded.schema_version() == SCHEMA_VERSION
    indexes = {row[0] for row in _raw(db_path).execute(
        "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "instances_live_name" in indexes
    upgraded.close()


def test_create_records_pending_with_an_event(db: Database) -> None:
    instance = db.create_instance("acme", "web", "starter", "acme--web", T0)
    assert (instance.tenant, instance.name, instance.tier) == ("acme", "web", "starter")
    assert instance.status is Status.PENDING and instance.version == 1
    assert instance.created_at == T0
    [event] = db.events(instance.id)
    assert (event.from_status, event.to_status, event.at) == (None, Status.PENDING, T0)


def test_one_live_instance_per_tenant_and_name(db: Database) -> None:
    first = db.create_instance("acme", "web", "free", "acme--web", T0)
    with pytest.raises(ConflictError, match="acme/web already exists"):
        db.create_instance("acme", "web", "free", "acme--web", T0)
    for target in (Status.DELETING, Status.DELETED):
        first = db.transition(first, target, T0)
    second = db.create_instance("acme", "web", "starter", "acme--web", T0)
    assert second.id != first.id
    assert db.find_live("acme", "web") == second
    assert [i.status for i in db.list_instances("acme")] == [Status.DELETED, Status.PENDING]


def test_status_and_tier_check_constraints_match_the_code(db: Database, db_path: Path) -> None:
    db.create_instance("acme", "web", "free", "acme--web", T0)
    conn = _raw(db_path)
    for status in Status:
        conn.execute("UPDATE instances SET status = ?", (status.value,))
    for tier in TIERS:
        conn.execute("UPDATE instances SET tier = ?", (tier,))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        conn.execute("UPDATE instances SET status = 'bogus'")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        conn.execute("UPDATE instances SET tier = 'enterprise'")


def test_foreign_keys_are_enforced(db: Database, db_path: Path) -> None:
    instance = db.create_instance("acme", "web", "free", "acme--web", T0)
    conn = _raw(db_path)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        conn.execute("INSERT INTO events(instance_id, to_status, at) VALUES (999, 'pending', 'x')")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        conn.execute("DELETE FROM tenants")
    assert db.get_instance(instance.id).tenant == "acme"


def test_transition_bumps_version_and_logs_the_event(db: Database) -> None:
    instance = db.create_instance("acme", "web", "free", "acme--web", T0)
    later = T0 + timedelta(minutes=5)
    moved = db.transition(instance, Status.PROVISIONING, later, reason="because")
    assert (moved.status, moved.version, moved.updated_at, moved.reason) == (
        Status.PROVISIONING, 2, later, "because")
    assert [(e.from_status, e.to_status) for e in db.events(instance.id)] == [
        (None, Status.PENDING), (Status.PENDING, Status.PROVISIONING)]


def test_illegal_transition_is_an_error_and_writes_nothing(db: Database) -> None:
    instance = db.create_instance("acme", "web", "free", "acme--web", T0)
    with pytest.raises(IllegalTransitionError, match="pending -> running"):
        db.transition(instance, Status.RUNNING, T0)
    assert db.get_instance(instance.id).status is Status.PENDING
    assert len(db.events(instance.id)) == 1


def test_concurrent_transitions_from_two_connections_one_wins(db_path: Path) -> None:
    first, second = Database(db_path), Database(db_path)
    created = first.create_instance("acme", "web", "free", "acme--web", T0)
    seen_by_first = first.get_instance(created.id)
    seen_by_second = second.get_instance(created.id)
    first.transition(seen_by_first, Status.PROVISIONING, T0)
    with pytest.raises(ConflictError, match="changed by another operation"):
        second.transition(seen_by_second, Status.DELETING, T0)
    assert second.get_instance(created.id).status is Status.PROVISIONING
    assert [e.to_status for e in second.events(created.id)] == [
        Status.PENDING, Status.PROVISIONING]
    first.close()
    second.close()


def test_failed_transaction_rolls_back_every_step(db: Database, db_path: Path) -> None:
    # The tenant insert succeeds, then the instance insert violates the tier CHECK:
    # the whole transaction must roll back, leaving no tenant row behind.
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        db.create_instance("newco", "web", "enterprise", "newco--web", T0)
    tenants = [row[0] for row in _raw(db_path).execute("SELECT name FROM tenants")]
    assert tenants == []
    assert db.events() == []
    # The connection is usable afterwards (no transaction left open).
    assert db.create_instance("newco", "web", "free", "newco--web", T0).tier == "free"


def test_unknown_instance_is_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError, match="no instance with id 42"):
        db.get_instance(42)
    assert db.find_live("acme", "nothing") is None
