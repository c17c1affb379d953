"""What the project's interpreter has installed (stdlib only, Python 3.8+).

Loaded by ``_worker.py`` from its file, in the project's interpreter, once
the imports are done and some failed. The auditor classifies each failed
import by cause (:mod:`auditor.imports.causes`) and needs to know, *in the
interpreter that imported the modules*: which installed distributions
provide an import name (``packages_distributions``), which are installed at
all, which names are standard-library modules, what the project's own
installed distribution declares (``Requires-Dist``, whatever build backend
wrote it), and the values environment markers are evaluated against.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from typing import Any

# Modules that exist only on some platforms or builds; sys.stdlib_module_names
# (3.10+) is the full list, this is the fallback for 3.8 and 3.9.
_PLATFORM_STDLIB = frozenset({
    "_winapi", "_overlapped", "_msi", "msilib", "msvcrt", "nt", "winreg", "winsound",
    "_posixsubprocess", "posix", "pwd", "grp", "fcntl", "termios", "tty", "pty", "resource",
    "syslog", "nis", "spwd", "crypt", "ossaudiodev", "readline", "curses", "_curses",
    "_tkinter", "tkinter", "_ctypes", "ctypes", "_sqlite3", "sqlite3", "_ssl", "ssl",
    "_lzma", "lzma", "_bz2", "bz2", "_uuid", "_dbm", "dbm", "_gdbm", "_scproxy",
})  # fmt: skip


def _canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _top_names(dist: Any) -> list[str]:
    """Import names a distribution provides, as ``packages_distributions`` (3.10+) finds them."""
    text = dist.read_text("top_level.txt")
    if text:
        return [line.strip() for line in text.splitlines() if line.strip()]
    names = []
    for entry in dist.files or []:
        parts = entry.parts
        if not parts or parts[0].endswith((".dist-info", ".egg-info")) or parts[0] == "..":
            continue
        first = parts[0]
        if len(parts) == 1:
            if not first.endswith(".py"):
                continue
            first = first[:-3]
        names.append(first.split(".")[0])
    return sorted(set(n for n in names if n.isidentifier()))


def _distribution_map() -> tuple[dict[str, list[str]], dict[str, str], list[Any]]:
    import importlib.metadata as metadata

    providers: dict[str, list[str]] = {}
    installed: dict[str, str] = {}
    dists = []
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        dists.append(dist)
        installed.setdefault(_canonical(name), dist.version)
        if not hasattr(metadata, "packages_distributions"):
            for top in _top_names(dist):
                if name not in providers.setdefault(top, []):
                    providers[top].append(name)
    if hasattr(metadata, "packages_distributions"):  # 3.10+: the standard mapping
        providers = {top: list(names) for top, names in metadata.packages_distributions().items()}
    return providers, installed, dists


def stdlib_names(names: list[str]) -> list[str]:
    known = getattr(sys, "stdlib_module_names", None)
    if known is None:
        return sorted(n for n in names if n in _PLATFORM_STDLIB)
    return sorted(n for n in names if n in known)


def marker_environment() -> dict[str, str]:
    """The PEP 508 marker variables of this interpreter."""
    info = sys.implementation.version
    version = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": version,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


def describe(
    missing: list[str], project_tops: list[str], project_names: list[str]
) -> dict[str, Any]:
    """The ``environment`` message: everything the auditor needs to classify failures."""
    providers, installed, dists = _distribution_map()
    wanted = {_canonical(n) for n in project_names}
    for top in project_tops:
        wanted.update(_canonical(n) for n in providers.get(top, []))
    requires: dict[str, list[str]] = {}
    for dist in dists:
        name = dist.metadata["Name"]
        if _canonical(name) in wanted and name not in requires:
            requires[name] = list(dist.requires or [])
    tops = sorted(set(missing) | set(project_tops))
    return {
        "event": "environment",
        "providers": {top: providers[top] for top in tops if top in providers},
        "installed": installed,
        "stdlib": stdlib_names(sorted(set(missing))),
        "project_requires": requires,
        "markers": marker_environment(),
    }
