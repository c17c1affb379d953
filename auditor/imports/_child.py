"""The child side of the import worker: import one module, report one JSON line.

Loaded by ``_worker.py`` from its file (stdlib only, Python 3.8+), in the
project's interpreter; ``guard`` (``_guard.py``) is set on this module by
the loader once it is loaded. A forked child calls :func:`run_child` after the
fork; a fresh child is ``python _worker.py --child SPEC``, which calls it too.
"""

from __future__ import annotations

import faulthandler
import importlib
import json
import os
import signal
import sys
import sysconfig
import time
import traceback
from typing import Any

guard: Any = None  # _guard.py, set by _worker.py's loader (used at call time only)

MESSAGE_LIMIT = 2000


def _library_folders() -> list[str]:
    """This interpreter's standard library and site-packages folders."""
    paths = sysconfig.get_paths()
    return sorted({paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths})


def _in_project(path: str, roots: list[str]) -> bool:
    """Whether ``path`` is the project's code: under an import root, and not in a
    library folder inside that root (a ``.venv`` in a flat layout's root holds
    installed packages, not the project's code)."""
    libraries = _library_folders()
    return any(
        guard.is_under(path, root) and not any(
            guard.is_under(path, lib) for lib in libraries
            if guard.is_under(lib, root) and os.path.abspath(lib) != os.path.abspath(root))
        for root in roots
    )


def _user_frame(
    frames: list[traceback.FrameSummary], roots: list[str]
) -> traceback.FrameSummary | None:
    """The innermost frame in the project's code (under an import root), if any."""
    for frame in reversed(frames):
        if _in_project(frame.filename, roots):
            return frame
    return None


def _describe_exception(exc: BaseException, roots: list[str]) -> dict[str, Any]:
    """error_type, message, path and line of an exception raised by an import."""
    if isinstance(exc, SystemExit):
        return {
            "error_type": "SystemExit",
            "message": f"sys.exit({exc.code!r}) called during import",
            **_location(exc, roots),
        }
    error_type = type(exc).__name__
    if type(exc).__module__ not in ("builtins", "__main__"):
        error_type = f"{type(exc).__module__}.{type(exc).__qualname__}"
    if isinstance(exc, SyntaxError):
        return {
            "error_type": error_type,
            "message": str(exc.msg),
            "path": exc.filename or "",
            "line": exc.lineno,
        }
    message = text_of(exc)
    described = {"error_type": error_type, "message": message[:MESSAGE_LIMIT],
                 **_location(exc, roots)}  # fmt: skip
    if isinstance(exc, ImportError) and isinstance(exc.name, str) and exc.name:
        # The module that was not found, or the one a name was not found in.
        described["missing"] = exc.name
        described["not_found"] = isinstance(exc, ModuleNotFoundError)
    else:
        chained = reraised_import_error(exc)
        if chained is not None:
            described["missing"] = chained.name
            described["not_found"] = isinstance(chained, ModuleNotFoundError)
            described["reraised_from"] = type(chained).__name__
        elif isinstance(exc, ImportError):
            described["missing"] = ""
            described["not_found"] = isinstance(exc, ModuleNotFoundError)
    return described


def reraised_import_error(exc: BaseException) -> ImportError | None:
    """The ImportError naming a module that ``exc`` was raised in place of, if any.

    The optional-dependency idiom ``try: import gevent / except ImportError:
    raise RuntimeError("the gevent worker requires gevent")`` fails with the
    RuntimeError; what is missing is in its ``__cause__`` (``raise ... from``)
    or its ``__context__``. A context counts only when the exception was raised
    by a ``raise`` statement: an ``AttributeError`` of a bug in the ``except``
    block carries the ImportError as context too, and is a bug of its own.
    """
    seen: set[int] = set()
    current: BaseException = exc
    while id(current) not in seen:
        seen.add(id(current))
        following = current.__cause__
        if following is None and current.__context__ is not None and _raised_by_statement(current):
            following = current.__context__
        if following is None:
            return None
        if isinstance(following, ImportError) and isinstance(following.name, str) \
                and following.name:
            return following
        current = following
    return None


def _raised_by_statement(exc: BaseException) -> bool:
    """Whether the innermost frame of ``exc`` is a ``raise`` statement."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and (frames[-1].line or "").lstrip().startswith("raise")


def text_of(exc: BaseException) -> str:
    """``str(exc)``, even when the exception's own ``__str__`` is broken."""
    try:
        return str(exc) or repr(exc)
    except Exception as broken:  # a finding about the module, not a worker failure
        return f"<{type(exc).__name__}: str() raised {type(broken).__name__}>"


def _location(exc: BaseException, roots: list[str]) -> dict[str, Any]:
    """Where it was raised: the innermost project frame; and whether library code raised it."""
    frames = traceback.extract_tb(exc.__traceback__)
    frame = _user_frame(frames, roots) or (frames[-1] if frames else None)
    if frame is None:
        return {"path": "", "line": None}
    raised_at = frames[-1].filename
    in_library = not _in_project(raised_at, roots)
    return {"path": frame.filename, "line": frame.lineno, "raised_in_library": in_library,
            "raised_at": raised_at}  # fmt: skip


def redirect_std_fds() -> None:
    """Point fds 0, 1 and 2 at /dev/null: child noise must go nowhere."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if devnull > 2:
        os.close(devnull)


def die_with_parent() -> None:
    """Best effort (Linux): a child dies with its parent instead of hanging on."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def look_up(root: Any, paths: list[str]) -> dict[str, Any]:
    """Each dotted attribute path under ``root`` (``Class.attr``) -> True when
    ``getattr`` finds it, False on ``AttributeError`` (what ``mock.patch`` would
    raise), None when looking raised anything else (nothing is known)."""
    found: dict[str, Any] = {}
    for path in paths:
        current = root
        try:
            for part in path.split("."):
                current = getattr(current, part)
        except AttributeError:
            found[path] = False
        except BaseException:  # a property or __getattr__ that fails otherwise
            found[path] = None
        else:
            found[path] = True
    return found


def run_child(
    module: str, result_fd: int, fault_path: str, deadline: float, timeout: float,
    roots: list[str], lookups: list[str] | None = None,
) -> None:
    """Import ``module`` and write one JSON line to ``result_fd``. Never returns.
    ``lookups``: attribute paths to look up on the imported module (the mocks
    analysis asks whether a patch target exists where static reading cannot tell)."""
    status = 0
    try:
        sys.argv = ["-c"]
        # Left open on purpose: faulthandler writes to it until os._exit.
        fault_file = open(fault_path, "w")  # noqa: SIM115
        faulthandler.enable(fault_file)
        # Dump the stack shortly before the parent's kill, so a hang has a location.
        # ``deadline`` is on the parent's clock (CLOCK_MONOTONIC is system-wide).
        dump_at = deadline - min(0.5, 0.25 * timeout) - time.monotonic()
        faulthandler.dump_traceback_later(max(dump_at, 0.001), file=fault_file)
        report: dict[str, Any] = {"module": module}
        start = time.perf_counter()
        try:
            importlib.import_module(module)
        except BaseException as exc:  # every way an import can fail is a finding
            report.update(ok=False, **_describe_exception(exc, roots))
            report["blocked_write"] = guard.blocked_by_guard(exc)
        else:
            report.update(ok=True, error_type="", message="", path="", line=None)
            if lookups:
                report["lookups"] = look_up(sys.modules[module], lookups)
        report["seconds"] = time.perf_counter() - start
        faulthandler.cancel_dump_traceback_later()
        data = (json.dumps(report) + "\n").encode()
        while data:
            data = data[os.write(result_fd, data) :]
    except BaseException:  # e.g. the module closed our pipe; parent sees no result
        status = 70
    finally:
        os._exit(status)
