"""What each test really touched: real resources it used and the patches active while it ran.

Loaded by ``audit_pytest_plugin`` when ``AUDIT_DEPENDENCIES_FILE`` is set (the
``dependencies`` analysis asks for it); otherwise never imported, so a run
that does not ask pays nothing (an audit hook cannot be removed once added).

Real resources come from CPython's audit events (``sys.addaudithook``):
``socket.connect`` (loopback or another host) and ``socket.bind`` (a server
the test starts), ``subprocess.Popen`` and
``os.system``/``os.posix_spawn``, ``sqlite3.connect``, ``http.client.send``
(the request line of an HTTP request: urllib, requests, urllib3, the
kubernetes client) and ``open`` for writing outside the temporary folders.
PostgreSQL drivers talk through libpq in C (no audit event): ``psycopg`` and
``psycopg2`` get a module-level wrapper of their ``connect`` the first time a
test runs after they are imported. Other drivers (pymysql, redis, pymongo)
connect through Python sockets and show up as ``socket.connect``.

Patches come from ``audit_patches.py`` (``unittest.mock`` patchers and
``monkeypatch``, each with its target and the module of the value it
replaced); a test's record lists those active at any moment while it ran.

With coverage running, each test is also a coverage context (its node id),
so the analysis knows which tests covered which lines.

The hook is the cost: CPython calls it for every audit event (every ``open``
of a file to read, every ``import``, ``sys._getframe``...). It does one dict
lookup and one attribute test for events it ignores, and records only while a
test runs. Standalone: stdlib and pytest only (it runs in the project's
interpreter); one JSON line per test in ``AUDIT_DEPENDENCIES_FILE``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from typing import Any

import pytest

# In the test run our plugin folder is on the suite's path, and the plugin is a
# top-level module: its sibling is imported by name. Imported as a member of the
# auditor package (our own import check imports every module of it), the same
# sibling is the package's: the name alone would be a module nobody installed.
audit_patches: Any = (
    importlib.import_module(f"{__package__}.audit_patches") if __package__
    else importlib.import_module("audit_patches")
)

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_HTTP_METHODS = (b"GET ", b"POST ", b"PUT ", b"PATCH ", b"DELETE ", b"HEAD ", b"OPTIONS ")
_MAX_PER_TEST = 50  # distinct uses kept per test; the rest are counted


class _Test:
    """What one running test used (uses keyed for de-duplication) and its patches."""

    __slots__ = ("extra", "patches", "uses")

    def __init__(self, active: dict[int, dict[str, str]]) -> None:
        self.uses: dict[tuple[str, str], dict[str, Any]] = {}
        self.patches: dict[tuple[str, str], dict[str, str]] = {
            (p["target"], p["by"]): p for p in active.values()}  # fmt: skip
        self.extra = 0

    def use(self, kind: str, key: str, **detail: Any) -> None:
        entry = self.uses.get((kind, key))
        if entry is not None:
            entry["count"] += 1
        elif len(self.uses) < _MAX_PER_TEST:
            self.uses[(kind, key)] = {"kind": kind, "key": key, "count": 1, **detail}
        else:
            self.extra += 1


class _State:
    current: _Test | None = None
    ignored_dirs: tuple[str, ...] = ()  # never a real use: devices, our state, pytest's basetemp
    temp_dirs: tuple[str, ...] = ()
    project_dirs: tuple[str, ...] = ()
    stream: Any = None
    coverage: Any = None


def _is_loopback(host: str) -> bool:
    return (host in ("localhost", "::1", "") or host.startswith(("127.", "::ffff:127."))
            or host.endswith(".localhost"))  # fmt: skip


def _on_connect(args: tuple[Any, ...]) -> None:
    address = args[1]
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = str(address[0]), address[1]
        loopback = _is_loopback(host)
        key = f"{host}:{port}"
    else:  # AF_UNIX (a path, or bytes of an abstract name): always this machine
        loopback, port, key = True, None, f"unix:{address!s}"
    _record("socket", key, loopback=loopback, port=port)


def _on_bind(args: tuple[Any, ...]) -> None:
    # A test that starts a server (for the code under test, or for a subprocess
    # of it) uses a socket even when its own process never connects.
    address = args[1]
    if isinstance(address, tuple) and len(address) >= 2:
        host = str(address[0])
        _record("socket", f"listen {host}:{address[1]}", loopback=_is_loopback(host) or (
            host in ("0.0.0.0", "::")), port=address[1], listen=True)  # fmt: skip


def _argv(value: Any) -> list[str]:
    if isinstance(value, (str, bytes, os.PathLike)):
        return [os.fsdecode(value)]
    try:
        return [os.fsdecode(v) if isinstance(v, (bytes, os.PathLike)) else str(v)
                for v in list(value)[:12]]  # fmt: skip
    except TypeError:
        return [str(value)]


def _on_popen(args: tuple[Any, ...]) -> None:
    argv = _argv(args[1]) if args[1] is not None else _argv(args[0])
    _record("subprocess", " ".join(argv)[:300], argv=argv)


def _on_system(args: tuple[Any, ...]) -> None:
    command = os.fsdecode(args[0]) if isinstance(args[0], bytes) else str(args[0])
    _record("subprocess", command[:300], argv=command.split()[:12], shell=True)


def _on_spawn(args: tuple[Any, ...]) -> None:
    argv = _argv(args[1])
    _record("subprocess", " ".join(argv)[:300], argv=argv)


def _on_sqlite(args: tuple[Any, ...]) -> None:
    database = args[0]
    name = os.fsdecode(database) if isinstance(database, (bytes, os.PathLike)) else str(database)
    memory = name == ":memory:" or name == "" or "mode=memory" in name
    _record("database", f"sqlite3:{name}", driver="sqlite3", memory=memory)


def _on_http_send(args: tuple[Any, ...]) -> None:
    data = args[1]
    if not isinstance(data, (bytes, bytearray)) or not data.startswith(_HTTP_METHODS):
        return  # a body or a header block, not a request line
    line = bytes(data[: data.find(b"\r\n") if b"\r\n" in data else 200]).decode("latin-1")
    method, _, rest = line.partition(" ")
    path = rest.rsplit(" ", 1)[0].split("?", 1)[0]
    connection = args[0]
    host = str(getattr(connection, "host", ""))
    _record("http", f"{method} {host}:{getattr(connection, 'port', '')}{path}"[:300],
            loopback=_is_loopback(host), method=method)  # fmt: skip


def _on_open(args: tuple[Any, ...]) -> None:
    path, mode, flags = args
    if mode.__class__ is str:  # the common case, every file read: return fast
        if "w" not in mode and "a" not in mode and "x" not in mode and "+" not in mode:
            return
    elif not (isinstance(flags, int) and flags & _WRITE_FLAGS):
        return
    if isinstance(path, int):
        return  # an already open descriptor
    name = os.path.abspath(os.fsdecode(path))
    # with a separator: TemporaryFile opens the temporary folder itself (O_TMPFILE)
    inside = os.path.join(name, "")
    if name.endswith(".pyc") or (inside.startswith(_State.ignored_dirs)
                                 and not inside.startswith(_SHARED_MEMORY)):
        return
    # The project's own tree counts even when it lives in a temporary folder
    # (a CI checkout, a fixture project): only temporary folders outside it are scratch.
    if inside.startswith(_State.temp_dirs) and not inside.startswith(_State.project_dirs):
        return
    _record("file", name)


def _patch_started(entry: dict[str, str]) -> None:
    if _State.current is not None:
        _State.current.patches[(entry["target"], entry["by"])] = entry


def _record(kind: str, key: str, **detail: Any) -> None:
    test = _State.current
    if test is not None:
        test.use(kind, key, **detail)


_HANDLERS: dict[str, Callable[[tuple[Any, ...]], None]] = {
    "socket.connect": _on_connect,
    "socket.bind": _on_bind,
    "subprocess.Popen": _on_popen,
    "os.system": _on_system,
    "os.posix_spawn": _on_spawn,
    "os.spawn": _on_spawn,
    "sqlite3.connect": _on_sqlite,
    "http.client.send": _on_http_send,
    "open": _on_open,
}


def _hook(event: str, args: tuple[Any, ...]) -> None:
    # The fast path: most events are none of ours, or arrive between tests.
    if _State.current is None:
        return
    handler = _HANDLERS.get(event)
    if handler is not None:
        # try/except, not contextlib.suppress: this runs for every file opened
        try:  # noqa: SIM105 - an audit hook that raises aborts the operation it audits
            handler(args)
        except Exception:
            pass


# -- database drivers without audit events ---------------------------------------


def _wrap_connect(owner: Any, attribute: str, driver: str) -> None:
    original = getattr(owner, attribute, None)
    if original is None or getattr(original, "__audit_watched__", False):
        return

    def connect(*args: Any, **kwargs: Any) -> Any:
        where = str(kwargs.get("host") or kwargs.get("dbname") or (args[0] if args else ""))
        _record("database", f"{driver}:{where.split('password')[0][:120]}", driver=driver,
                memory=False)  # fmt: skip
        return original(*args, **kwargs)

    connect.__audit_watched__ = True  # type: ignore[attr-defined]
    with contextlib.suppress(AttributeError, TypeError):
        setattr(owner, attribute, connect)


def _watch_drivers() -> None:
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        _wrap_connect(psycopg, "connect", "psycopg")
    psycopg2 = sys.modules.get("psycopg2")
    if psycopg2 is not None:
        _wrap_connect(psycopg2, "connect", "psycopg2")


# -- the pytest side ---------------------------------------------------------------

def _start_coverage_contexts() -> None:
    try:
        import coverage
    except ImportError:
        return
    current = getattr(coverage.Coverage, "current", None)
    _State.coverage = current() if current is not None else None


def _switch_context(name: str) -> None:
    if _State.coverage is not None:
        try:
            _State.coverage.switch_context(name)
        except Exception:  # coverage not started (yet): no contexts, the analysis says so
            _State.coverage = None


_SHARED_MEMORY = "/dev/shm/"
"""Under /dev/ (devices, ignored) but a file system (tmpfs): a project or a temporary
folder may live there, and its files are files."""


def _spellings(folders: list[str]) -> tuple[str, ...]:
    """Each folder as a prefix, both as given and resolved (/tmp may be a link)."""
    return tuple({os.path.join(f(p), "") for p in folders
                  for f in (os.path.abspath, os.path.realpath)})  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get("AUDIT_DEPENDENCIES_FILE")
    if not path or hasattr(config, "workerinput") or _State.stream is not None:
        return
    ignored = ["/dev/", "/proc/"]
    ignored += [p for p in os.environ.get("AUDIT_DEPENDENCIES_IGNORE", "").split(os.pathsep) if p]
    basetemp = getattr(config.option, "basetemp", None)
    if basetemp:
        ignored.append(os.path.abspath(str(basetemp)))
    _State.ignored_dirs = _spellings(ignored)
    # pytest's own temporary root (tmp_path's) may be set apart from the system's
    temp_root = os.environ.get("PYTEST_DEBUG_TEMPROOT")
    _State.temp_dirs = _spellings([tempfile.gettempdir(), *([temp_root] if temp_root else [])])
    _State.project_dirs = _spellings([str(config.rootpath)])
    _State.stream = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed at unconfigure
    audit_patches.on_start = _patch_started
    audit_patches.watch()
    if os.environ.get("AUDIT_DEPENDENCIES_CONTEXTS", "1") != "0":  # "0": the bench's hook alone
        _start_coverage_contexts()
    sys.addaudithook(_hook)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _State.stream is not None:
        _State.stream.close()
        _State.stream = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    if _State.stream is None:
        yield
        return
    _watch_drivers()
    audit_patches.watch()  # the mock backport, if a test module imported it since
    _switch_context(item.nodeid)
    test = _Test(audit_patches.ACTIVE)
    _State.current = test
    try:
        yield
    finally:
        _State.current = None
        _switch_context("")
        markers = sorted({m.name for m in item.iter_markers()})
        _State.stream.write(json.dumps({
            "nodeid": item.nodeid,
            "markers": markers,
            "uses": list(test.uses.values()),
            "more_uses": test.extra,
            "patches": sorted(test.patches.values(), key=lambda p: (p["target"], p["by"])),
        }) + "\n")
        _State.stream.flush()
