"""SQLite persistence: versioned schema, instances and their event log.

Why these choices:
* ``PRAGMA user_version`` holds the schema version; ``MIGRATIONS`` is append-only
  and each migration runs in its own transaction.
* The CHECK constraints repeat the status and tier names literally because a
  migration is frozen history; a test checks they match ``Status`` and ``TIERS``.
* Every status change is a compare-and-swap on ``instances.version`` inside
  ``BEGIN IMMEDIATE``, so two concurrent operations cannot both succeed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from provisioner.errors import ConflictError, NotFoundError
from provisioner.states import Status, check_transition

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: tenants, instances, events.
    (
        """CREATE TABLE tenants (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        )""",
        """CREATE TABLE instances (
            id INTEGER PRIMARY KEY,
            tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
            name TEXT NOT NULL,
            tier TEXT NOT NULL CHECK (tier IN ('free', 'starter', 'professional')),
            status TEXT NOT NULL CHECK (status IN ('pending', 'provisioning', 'running',
                'restarting', 'stopping', 'stopped', 'deleting', 'deleted', 'failed')),
            namespace TEXT NOT NULL,
            reason TEXT,
            version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
            from_status TEXT,
            to_status TEXT NOT NULL,
            at TEXT NOT NULL,
            reason TEXT
        )""",
    ),
    # 2: one live instance per tenant and name; fast event lookups.
    (
        """CREATE UNIQUE INDEX instances_live_name ON instances(tenant_id, name)
            WHERE status <> 'deleted'""",
        "CREATE INDEX events_by_instance ON events(instance_id, id)",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class Instance:
    """One row of ``instances`` joined with its tenant name."""

    id: int
    tenant: str
    name: str
    tier: str
    status: Status
    namespace: str
    reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Event:
    """One recorded status transition."""

    instance_id: int
    from_status: Status | None
    to_status: Status
    at: datetime
    reason: str | None


_INSTANCE_SELECT = """SELECT i.id, t.name, i.name, i.tier, i.status, i.namespace, i.reason,
    i.version, i.created_at, i.updated_at FROM instances i JOIN tenants t ON t.id = i.tenant_id"""


def _instance(row: sqlite3.Row) -> Instance:
    return Instance(
        id=row[0],
        tenant=row[1],
        name=row[2],
        tier=row[3],
        status=Status(row[4]),
        namespace=row[5],
        reason=row[6],
        version=row[7],
        created_at=datetime.fromisoformat(row[8]),
        updated_at=datetime.fromisoformat(row[9]),
    )


class Database:
    """A connection to the provisioner's SQLite file (one per thread/process)."""

    def __init__(self, path: str | Path, busy_timeout: float = 5.0) -> None:
        self.path = str(path)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so that every
        # multi-step change is exactly one explicit transaction.
        self._conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
        self._conn.execute("PRAGMA foreign_keys = ON")
        self.migrate()

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def schema_version(self) -> int:
        """The schema version recorded in the file."""
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> int:
        """Apply pending migrations; returns how many were applied."""
        applied = 0
        for number, statements in enumerate(MIGRATIONS, start=1):
            with self.transaction() as conn:
                # Re-read inside the write lock: another process may have migrated.
                if int(conn.execute("PRAGMA user_version").fetchone()[0]) >= number:
                    continue
                for statement in statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
                applied += 1
        return applied

    def create_instance(
        self, tenant: str, name: str, tier: str, namespace: str, at: datetime
    ) -> Instance:
        """Insert a ``pending`` instance (and its tenant if new) with its first event."""
        check_transition(None, Status.PENDING)
        stamp = at.isoformat()
        try:
            with self.transaction() as conn:
                conn.execute("INSERT OR IGNORE INTO tenants(name) VALUES (?)", (tenant,))
                (tenant_id,) = conn.execute(
                    "SELECT id FROM tenants WHERE name = ?", (tenant,)
                ).fetchone()
                cursor = conn.execute(
                    "INSERT INTO instances(tenant_id, name, tier, status, namespace,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (tenant_id, name, tier, Status.PENDING.value, namespace, stamp, stamp),
                )
                instance_id = int(cursor.lastrowid or 0)
                conn.execute(
                    "INSERT INTO events(instance_id, from_status, to_status, at)"
                    " VALUES (?, NULL, ?, ?)",
                    (instance_id, Status.PENDING.value, stamp),
                )
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc):
                raise ConflictError(f"instance {tenant}/{name} already exists") from None
            raise
        return self.get_instance(instance_id)

    def get_instance(self, instance_id: int) -> Instance:
        """The instance with this id."""
        row = self._conn.execute(f"{_INSTANCE_SELECT} WHERE i.id = ?", (instance_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no instance with id {instance_id}")
        return _instance(row)

    def find_live(self, tenant: str, name: str) -> Instance | None:
        """The non-deleted instance of ``tenant`` called ``name``, if any."""
        row = self._conn.execute(
            f"{_INSTANCE_SELECT} WHERE t.name = ? AND i.name = ? AND i.status <> 'deleted'",
            (tenant, name),
        ).fetchone()
        return None if row is None else _instance(row)

    def list_instances(self, tenant: str | None = None) -> list[Instance]:
        """All instances (including deleted ones), optionally of one tenant."""
        if tenant is None:
            rows = self._conn.execute(f"{_INSTANCE_SELECT} ORDER BY i.id").fetchall()
        else:
            rows = self._conn.execute(
                f"{_INSTANCE_SELECT} WHERE t.name = ? ORDER BY i.id", (tenant,)
            ).fetchall()
        return [_instance(row) for row in rows]

    def transition(
        self,
        instance: Instance,
        target: Status,
        at: datetime,
        reason: str | None = None,
    ) -> Instance:
        """Move ``instance`` to ``target`` if nobody changed it since it was read.

        The UPDATE only matches the row at ``instance.version``; if another
        operation got there first, nothing is written and ``ConflictError`` is
        raised.  The event row is written in the same transaction.
        """
        check_transition(instance.status, target)
        stamp = at.isoformat()
        with self.transaction() as conn:
            cursor = conn.execute(
                "UPDATE instances SET status = ?, reason = ?, version = version + 1,"
                " updated_at = ? WHERE id = ? AND version = ? AND status = ?",
                (target.value, reason, stamp, instance.id, instance.version,
                 instance.status.value),
            )
            if cursor.rowcount != 1:
                raise ConflictError(
                    f"instance {instance.tenant}/{instance.name} was changed by another"
                    " operation; retry"
                )
            conn.execute(
                "INSERT INTO events(instance_id, from_status, to_status, at, reason)"
                " VALUES (?, ?, ?, ?, ?)",
                (instance.id, instance.status.value, target.value, stamp, reason),
            )
        return self.get_instance(instance.id)

    def events(self, instance_id: int | None = None) -> list[Event]:
        """Recorded transitions in order, of one instance or of all."""
        query = "SELECT instance_id, from_status, to_status, at, reason FROM events"
        params: tuple[int, ...] = ()
        if instance_id is not None:
            query += " WHERE instance_id = ?"
            params = (instance_id,)
        rows = self._conn.execute(query + " ORDER BY id", params).fetchall()
        return [
            Event(
                instance_id=row[0],
                from_status=None if row[1] is None else Status(row[1]),
                to_status=Status(row[2]),
                at=datetime.fromisoformat(row[3]),
                reason=row[4],
            )
            for row in rows
        ]
