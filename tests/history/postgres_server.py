"""A throwaway PostgreSQL cluster for the history tests: ``initdb`` + ``pg_ctl``, never a mock.

The cluster lives in a fresh temporary folder, listens on 127.0.0.1 at a free
port (and on a Unix socket in that folder), and is stopped and deleted at the
end of the session. ``initdb`` refuses to run as root, and the tests run as
root here and in CI, so the server runs as the unprivileged ``postgres``
system user that Debian's package creates (via ``runuser``); as any other
user it simply runs as that user.

Host connections need a password (``scram-sha-256``), so the tests exercise
the real password path and can check that the password never leaks. Each
test gets its own database (:meth:`Cluster.new_database`).

Where no PostgreSQL binaries exist the tests skip with the reason; under CI
(``CI`` set) that is a failure, because CI installs Debian's ``postgresql``.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ADMIN = "audit_admin"
SERVER_USER = "postgres"


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the PostgreSQL tests", pytrace=False)
    pytest.skip(reason)


def find_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with initdb, or initdb on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    """A running (or stopped) PostgreSQL cluster in ``base``."""

    bindir: Path
    base: Path
    port: int
    password: str
    run_as: list[str]
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log(self) -> Path:
        return self.base / "server.log"

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        secret = self.password if password is None else password
        return f"postgresql://{ADMIN}:{secret}@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args],
            cwd=self.base,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base}"
            # A throwaway cluster: no fsync (the tests kill clients, not the server's disk).
            " -c fsync=off -c max_connections=60"
        )
        done = self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log), "-o", options)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stdout}{done.stderr}{log[-2000:]}")

    def stop(self) -> None:
        self._pg_ctl("stop", "-w", "-m", "fast")

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop_command(self) -> list[str]:
        """The command that stops this server (for a suite that must stop it mid-audit)."""
        return [*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.data), "stop",
                "-w", "-m", "fast"]

    def admin(self, database: str = "postgres") -> object:
        import psycopg

        return psycopg.connect(self.url(database), autocommit=True)

    def new_database(self) -> str:
        """A fresh empty database; its name."""
        name = f"history_{next(self._names)}_{secrets.token_hex(3)}"
        with self.admin() as conn:  # type: ignore[attr-defined]
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


def start_cluster() -> Cluster:
    """initdb + pg_ctl start in a fresh temporary folder (skip/fail when impossible)."""
    bindir = find_bindir()
    if bindir is None:
        unavailable("no PostgreSQL binaries (initdb) found; apt-get install postgresql")
        raise AssertionError("unreachable")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("the psycopg package is not installed (pip install -e '.[postgres]')")
    run_as: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="audit-pg-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam(SERVER_USER)
        except KeyError:
            unavailable(f"no {SERVER_USER!r} user to run the server as (initdb refuses root)")
            raise AssertionError("unreachable") from None
        os.chown(base, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", SERVER_USER, "--"]
    password = "pw-" + secrets.token_hex(12)
    pwfile = base / "pwfile"
    pwfile.write_text(password + "\n")
    if run_as:
        os.chown(pwfile, pwd.getpwnam(SERVER_USER).pw_uid, -1)
    done = subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(base / "data"), "-U", ADMIN,
         f"--pwfile={pwfile}", "--auth-host=scram-sha-256", "--auth-local=trust",
         "--encoding=UTF8", "--no-sync"],
        cwd=base, capture_output=True, text=True, timeout=300, check=False,
    )
    pwfile.unlink()
    if done.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {done.stdout}{done.stderr}")
    cluster = Cluster(bindir=bindir, base=base, port=free_port(), password=password, run_as=run_as)
    cluster.start()
    return cluster


def remove_cluster(cluster: Cluster) -> None:
    # Immediate: the cluster is deleted next, so its shutdown checkpoint is wasted work.
    cluster._pg_ctl("stop", "-w", "-m", "immediate")
    shutil.rmtree(cluster.base, ignore_errors=True)
