"""The warm parent's preload: import the libraries the packages need, once, before forking.

Loaded by ``_worker.py`` from its file (stdlib only, Python 3.8+), in the
project's interpreter; ``guard`` (``_guard.py``) is set on this module by
the loader once it is loaded. See the worker's docstring for why a preload,
and what it must never do (make the check fail, or hide a module's error).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import signal
import site
import sys
import sysconfig
import time
from collections.abc import Callable
from typing import Any

guard: Any = None  # _guard.py, set by _worker.py's loader (used at call time only)


class _PreloadTimeout(BaseException):
    """Raised by the alarm when preloading one module takes too long."""


def _library_dirs() -> list[str]:
    """Where the standard library and installed distributions live."""
    paths = sysconfig.get_paths()
    dirs = [paths.get(k, "") for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    if hasattr(site, "getsitepackages"):  # missing in old virtualenv's site.py
        dirs.extend(site.getsitepackages())
    user_site = getattr(site, "getusersitepackages", lambda: "")()
    dirs.append(user_site)
    return [d for d in dirs if d]


def is_library_module(name: str, library_dirs: list[str]) -> bool:
    """True when the top-level package of ``name`` is stdlib or installed, not project code.

    Only the top-level name is looked up: ``find_spec`` of a dotted name would
    import its parents, which is exactly what must not happen here.
    """
    top = name.split(".")[0]
    if top in sys.builtin_module_names:
        return True
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    if spec.origin in ("built-in", "frozen"):
        return True
    locations = list(spec.submodule_search_locations or []) or [spec.origin or ""]
    return all(loc and any(guard.is_under(loc, d) for d in library_dirs) for loc in locations)


def preload(
    candidates: list[str], explicit: list[str], timeout: float, emit: Callable[..., None]
) -> int:
    """Import the library modules the packages need; return how many imported."""
    library_dirs = _library_dirs()
    loaded = 0
    use_alarm = hasattr(signal, "setitimer")
    previous = None
    if use_alarm:

        def on_alarm(signum: int, frame: Any) -> None:
            raise _PreloadTimeout()

        previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        for name in candidates + [m for m in explicit if m not in candidates]:
            if name in sys.modules:
                continue
            if name not in explicit and not is_library_module(name, library_dirs):
                continue
            emit(event="preloading", module=name)
            start = time.perf_counter()
            error = ""
            try:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, timeout)
                try:
                    importlib.import_module(name)
                finally:
                    if use_alarm:
                        signal.setitimer(signal.ITIMER_REAL, 0)
            except _PreloadTimeout:
                error = "Timeout"
            except BaseException as exc:  # a failed preload is only slower
                error = type(exc).__name__
            else:
                loaded += 1
            emit(
                event="preloaded",
                module=name,
                ok=not error,
                error=error,
                seconds=time.perf_counter() - start,
            )
    finally:
        if use_alarm:
            signal.signal(signal.SIGALRM, previous or signal.SIG_DFL)
    return loaded


def forget_project_modules(tops: list[str]) -> list[str]:
    """Drop modules of the packages that a preloaded library imported.

    Every child would otherwise start with them imported, which hides their
    import errors. The library keeps its references; children import afresh.
    """
    names = [n for n in sys.modules if n.split(".")[0] in tops]
    for name in names:
        del sys.modules[name]
    return sorted(names)


def thread_count() -> int:
    """OS threads of this process (C libraries start threads Python cannot see)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()
