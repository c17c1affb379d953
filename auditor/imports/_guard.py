"""Scratch places and a write guard for the import worker (stdlib only, Python 3.8+).

Loaded by ``_worker.py`` from its file (never through :mod:`auditor`), in the
project's interpreter. Two things keep an import from writing into the
user's files, and say what it tried to write:

* **Scratch places.** Each module is imported with its own scratch working
  directory, ``HOME`` and ``TMPDIR`` (:func:`enter_scratch`), so a relative
  write (``open("app.log", "w")``), a cache under ``~`` or a temporary file
  lands in scratch and never in the project or the user's home.
* **A write guard.** An audit hook (PEP 578) sees every file the import opens
  for writing, and every ``mkdir``/``rename``/``remove``... A write that
  resolves into the project tree (next to ``__file__``, or an absolute path
  into the project root) is *blocked* with ``PermissionError`` and logged; a
  write into the module's scratch working directory or home is logged and
  allowed. The log is a file of JSON lines, written with ``os.write`` on a
  descriptor opened before the hook is active (``os.write`` raises no audit
  event, so the hook cannot recurse), and read by the parent after the child
  ended, even when the child crashed or hung.

Writes made by C code or by subprocesses raise no audit event: the parent
lists the scratch folders after each child for those, and the auditor
compares a snapshot of the package folders before and after the check.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

BLOCKED_MARK = "test-auditor blocked a write into the project tree during import validation"
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
# event -> indexes of the arguments that are paths it changes
_PATH_EVENTS = {
    "os.mkdir": (0,),
    "os.rename": (0, 1),  # also os.replace
    "os.remove": (0,),  # also os.unlink
    "os.rmdir": (0,),
    "os.symlink": (1,),
    "os.link": (0, 1),  # a hard link to a tree file would let scratch writes reach it
    "os.truncate": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.utime": (0,),
    "os.mkfifo": (0,),
    "os.mknod": (0,),
    "os.chflags": (0,),
    "os.setxattr": (0,),
    "os.removexattr": (0,),
    "shutil.rmtree": (0,),
    "sqlite3.connect": (0,),
}
_WATCHED = frozenset(_PATH_EVENTS) | {"open"}
_MAX_LOGGED = 200


def is_under(path: str, folder: str) -> bool:
    """True when ``path`` is ``folder`` or inside it (both made absolute, not resolved)."""
    path = os.path.abspath(path)
    folder = os.path.abspath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _text_path(value: Any) -> str | None:
    """The path an audit-event argument names, or None (a descriptor, a memory db...)."""
    if isinstance(value, int) or value is None:
        return None
    try:
        path = os.fsdecode(os.fspath(value))
    except TypeError:
        return None
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path


def _is_write_open(args: tuple[Any, ...]) -> bool:
    mode = args[1] if len(args) > 1 else None
    flags = args[2] if len(args) > 2 else 0
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return True
    return isinstance(flags, int) and bool(flags & _WRITE_FLAGS)


class WriteGuard:
    """The audit hook: block writes into the project tree, log writes anywhere we watch.

    ``attach`` points it at one child's scratch folders and log; before that
    (in the warm parent) it blocks tree writes without logging them.
    """

    def __init__(self, project_root: str, allowed: list[str], code_roots: list[str]) -> None:
        self.root = os.path.realpath(project_root)
        # Places under the project root that are not the user's files: our
        # .audit folder, the interpreter's own virtualenv, scratch.
        self.allowed = [os.path.realpath(p) for p in allowed if p]
        self.code_roots = [os.path.realpath(r) for r in code_roots]
        self.log_fd: int | None = None
        self.watched: dict[str, str] = {}  # realpath of a scratch folder -> its name
        self.logged = 0
        self.busy = False

    def settings(self) -> dict[str, Any]:
        """What a fresh child needs to build the same guard."""
        return {"project_root": self.root, "allowed": self.allowed, "code_roots": self.code_roots}

    def attach(self, log_path: str, scratch: dict[str, str]) -> None:
        self.log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self.watched = {os.path.realpath(path): where for where, path in scratch.items()}

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event not in _WATCHED or self.busy:
            return
        if event == "open" and not _is_write_open(args):
            return
        self.busy = True
        try:
            indexes = (0,) if event == "open" else _PATH_EVENTS[event]
            for index in indexes:
                if index < len(args):
                    self._check(event, args[index], args)
        finally:
            self.busy = False

    def _check(self, event: str, value: Any, args: tuple[Any, ...]) -> None:
        path = _text_path(value)
        if path is None:
            return
        if not os.path.isabs(path) and event != "sqlite3.connect" and _has_dir_fd(event, args):
            return  # relative to a directory descriptor: cannot be resolved here
        real = os.path.realpath(os.path.abspath(path))
        where, shown = self._place(real)
        if where is None:
            return
        blocked = where == "project"
        self._log({"where": where, "path": shown, "action": event, "blocked": blocked,
                   **self._caller()})  # fmt: skip
        if blocked:
            raise PermissionError(13, BLOCKED_MARK, path)

    def _place(self, real: str) -> tuple[str | None, str]:
        """(``project``/``cwd``/``home``, path relative to it), or (None, "") if not watched."""
        for folder, where in self.watched.items():
            if is_under(real, folder):
                return where, os.path.relpath(real, folder)
        if is_under(real, self.root) and not any(is_under(real, a) for a in self.allowed):
            return "project", os.path.relpath(real, self.root)
        return None, ""

    def _caller(self) -> dict[str, Any]:
        """The innermost frame in the project's code: where the write was asked for."""
        frame = sys._getframe(3)
        while frame is not None:
            filename = os.path.realpath(frame.f_code.co_filename)
            if any(is_under(filename, root) for root in self.code_roots):
                return {"file": filename, "line": frame.f_lineno}
            frame = frame.f_back  # type: ignore[assignment]
        return {"file": "", "line": None}

    def _log(self, entry: dict[str, Any]) -> None:
        if self.log_fd is None or self.logged >= _MAX_LOGGED:
            return
        self.logged += 1
        data = (json.dumps(entry) + "\n").encode()
        while data:
            data = data[os.write(self.log_fd, data) :]


def _has_dir_fd(event: str, args: tuple[Any, ...]) -> bool:
    """True when the event's last argument is a directory descriptor (``dir_fd=``)."""
    if event == "os.truncate":  # (path, length): no directory descriptor
        return False
    return event.startswith("os.") and len(args) > 1 and isinstance(args[-1], int)


def blocked_by_guard(exc: BaseException) -> bool:
    """True when ``exc`` is (or was raised while handling) a write the guard blocked."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 8:
        if isinstance(current, PermissionError) and current.strerror == BLOCKED_MARK:
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def scratch_places(base: str) -> dict[str, str]:
    """Create and return a child's scratch folders: its working directory, home and temp."""
    places = {"cwd": os.path.join(base, "cwd"), "home": os.path.join(base, "home"),
              "tmp": os.path.join(base, "tmp")}  # fmt: skip
    for path in places.values():
        os.makedirs(path, exist_ok=True)
    return places


def scratch_environment(places: dict[str, str], environ: dict[str, str]) -> dict[str, str]:
    """``environ`` with HOME and the temp variables pointed at scratch.

    The XDG base directories are dropped so that they default to the
    scratch home; ``PYTHONUSERBASE`` keeps the real user site visible
    (``site`` derives it from ``HOME``), so packages installed with
    ``pip install --user`` are still found.
    """
    import site

    env = dict(environ)
    if "PYTHONUSERBASE" not in env:  # computed from the real HOME the first time
        env["PYTHONUSERBASE"] = site.getuserbase()
    env["HOME"] = places["home"]
    for name in ("TMPDIR", "TEMP", "TMP"):
        env[name] = places["tmp"]
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        env.pop(name, None)
    return env


def enter_scratch(places: dict[str, str]) -> None:
    """Make this process use the scratch places (after fork, before the import)."""
    import tempfile

    new = scratch_environment(places, dict(os.environ))
    for name in [n for n in os.environ if n not in new]:
        del os.environ[name]
    os.environ.update(new)
    tempfile.tempdir = places["tmp"]  # tempfile caches the first one it found
    os.chdir(places["cwd"])


def read_log(path: str) -> list[dict[str, Any]]:
    """The guard's log of one child (JSON lines; a torn last line is dropped)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError:
        return []
    entries = []
    for line in raw.splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue
    return entries


def created_files(places: dict[str, str], limit: int) -> list[dict[str, Any]]:
    """Files (and empty folders) left in a child's scratch working directory and home."""
    found: list[dict[str, Any]] = []
    for where in ("cwd", "home"):
        top = places[where]
        for folder, subfolders, files in os.walk(top):
            subfolders.sort()
            entries = sorted(files) + ([] if files or subfolders or folder == top else [""])
            for name in entries:
                path = os.path.relpath(os.path.join(folder, name), top) if name else (
                    os.path.relpath(folder, top) + os.sep)
                found.append({"where": where, "path": path, "action": "created",
                              "blocked": False, "file": "", "line": None})  # fmt: skip
                if len(found) >= limit:
                    return found
    return found
