"""Why a module failed to import: its cause, from the exception and the declarations.

Not every failed import is the bug import validation exists for. A module
that integrates with a framework the project does not require (an IPython
extension, a Django app) fails to import on its own and is fine. Each
failure gets one cause (:data:`auditor.imports.result.CAUSES`):

``first-party``
    the code under audit is broken: a ``SyntaxError``, any exception raised
    by its own code, a missing first-party module or name (``import
    pkg.gone``, ``from pkg import gone``), a name an installed library does
    not have (``from requests import gone``), a timeout, a crash. Gated.
``required-missing``
    a third-party module that is not installed although the project
    requires its distribution: an environment error. Gated.
``optional-missing``
    its distribution is declared only in an extra, or the module is marked
    optional by hand (``[tool.audit.imports] optional``). Reported.
``undeclared``
    not installed and not declared anywhere. Reported as a warning.
``platform``
    a standard-library module this interpreter does not have (``winreg`` on
    Linux, ``_tkinter`` left out of the build), a dependency declared for
    other platforms only (its marker is false here), a native library or
    symbol that ``ctypes`` cannot find on this system (a binding to macOS
    frameworks imported on Linux), or ``ctypes``' Windows-only names
    (``ctypes.windll``) off Windows. Reported.

Import names are mapped to distributions with ``packages_distributions()``
in the project's interpreter; for a module that is not installed (so has no
metadata) the import name is compared with the declared names after PEP 503
normalisation, with a short table of well-known names that differ
(``yaml`` is PyYAML).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from packaging.markers import UndefinedEnvironmentName
from packaging.utils import canonicalize_name

from auditor.imports.checker import ModuleOutcome
from auditor.imports.dependencies import Declared
from auditor.imports.result import (
    FIRST_PARTY,
    OPTIONAL_MISSING,
    PLATFORM,
    REQUIRED_MISSING,
    UNDECLARED,
)

# ctypes names that exist only on Windows.
_WINDOWS_CTYPES = ("windll", "WinDLL", "oledll", "OleDLL", "WINFUNCTYPE", "WinError",
                   "FormatError", "GetLastError", "HRESULT", "wintypes")  # fmt: skip
_NATIVE_ERRORS = ("OSError", "AttributeError", "FileNotFoundError")


def _native_platform_reason(outcome: ModuleOutcome) -> str | None:
    """Why a failure is this system lacking a native library or a Windows-only API, if so."""
    if outcome.error_type not in _NATIVE_ERRORS:
        return None
    raised_in_ctypes = "/ctypes/" in outcome.raised_at.replace("\\", "/")
    if raised_in_ctypes and outcome.raised_in_library:
        return ("ctypes cannot find a native library or symbol on this system: "
                "a binding to another platform's API")
    if outcome.error_type == "AttributeError" and any(
        f"module 'ctypes' has no attribute '{name}'" in outcome.message for name in _WINDOWS_CTYPES
    ):
        return f"uses a Windows-only ctypes API ({outcome.message})"
    return None


# Import names whose distribution is called something else, for modules that
# are not installed (installed ones are looked up in their metadata).
KNOWN_DISTRIBUTIONS = {
    "attr": "attrs", "bs4": "beautifulsoup4", "cv2": "opencv-python", "Crypto": "pycryptodome",
    "dateutil": "python-dateutil", "dns": "dnspython", "docx": "python-docx",
    "gi": "PyGObject", "git": "GitPython", "google": "protobuf", "IPython": "ipython",
    "jwt": "PyJWT", "magic": "python-magic", "MySQLdb": "mysqlclient", "OpenSSL": "pyOpenSSL",
    "PIL": "Pillow", "pkg_resources": "setuptools", "psycopg2": "psycopg2-binary",
    "serial": "pyserial", "sklearn": "scikit-learn", "usb": "pyusb", "win32api": "pywin32",
    "win32con": "pywin32", "win32clipboard": "pywin32", "pywintypes": "pywin32",
    "Xlib": "python-xlib", "yaml": "PyYAML", "zmq": "pyzmq", "dbus": "dbus-python",
    "Foundation": "pyobjc-framework-Cocoa", "AppKit": "pyobjc-framework-Cocoa",
    "objc": "pyobjc-core", "gtk": "PyGTK", "PyQt5": "PyQt5", "qtpy": "QtPy",
    "socks": "PySocks", "nacl": "PyNaCl", "markdown": "Markdown", "jinja2": "Jinja2",
}  # fmt: skip


@dataclass
class Environment:
    """What the project's interpreter has (the worker's ``environment`` message)."""

    providers: dict[str, list[str]] = field(default_factory=dict)  # import name -> dists
    installed: dict[str, str] = field(default_factory=dict)  # normalised dist -> version
    stdlib: set[str] = field(default_factory=set)
    markers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Environment:
        providers = message.get("providers", {})
        return cls(
            providers={str(k): [str(d) for d in v] for k, v in providers.items()},
            installed={str(k): str(v) for k, v in message.get("installed", {}).items()},
            stdlib={str(n) for n in message.get("stdlib", [])},
            markers={str(k): str(v) for k, v in message.get("markers", {}).items()},
        )


@dataclass(frozen=True)
class Cause:
    cause: str
    distribution: str
    reason: str


@dataclass
class Classifier:
    """Classifies failures of one check; ``optional`` are fnmatch patterns of module names."""

    first_party: set[str]  # top-level import names of the packages under audit
    declared: Declared
    environment: Environment
    optional: list[str] = field(default_factory=list)

    def marked_optional(self, module: str) -> str | None:
        return next((p for p in self.optional if fnmatch.fnmatchcase(module, p)), None)

    def classify(self, outcome: ModuleOutcome) -> Cause:
        cause = self._classify(outcome)
        if outcome.reraised_from:
            # ``except ImportError: raise RuntimeError(...)``: the cause is the
            # ImportError, the exception the user sees is the other one
            return Cause(cause.cause, cause.distribution, f"{cause.reason} (the module raised "
                         f"{outcome.error_type} in place of the {outcome.reraised_from})")
        return cause

    def _classify(self, outcome: ModuleOutcome) -> Cause:
        pattern = self.marked_optional(outcome.module)
        missing = outcome.missing
        top = missing.split(".")[0]
        if outcome.error_type == "SyntaxError" or (missing and top in self.first_party):
            what = "module" if outcome.not_found else "name"
            reason = f"a first-party {what} is missing" if missing else "the code does not parse"
            return Cause(FIRST_PARTY, "", reason)
        if not (missing and outcome.not_found):
            native = _native_platform_reason(outcome)
            if native is not None:
                return Cause(PLATFORM, "", native)
            if pattern and outcome.raised_in_library:
                return Cause(OPTIONAL_MISSING, "", f"raised by library code in a module marked "
                             f"optional ([tool.audit.imports] optional = {pattern!r})")
            return Cause(FIRST_PARTY, "", self._first_party_reason(outcome, top))
        cause = self._missing_module(missing, top)
        if pattern and cause.cause in (REQUIRED_MISSING, UNDECLARED):
            return Cause(OPTIONAL_MISSING, cause.distribution, f"{cause.reason}; the module is "
                         f"marked optional ([tool.audit.imports] optional = {pattern!r})")
        if outcome.raised_in_library and cause.cause == UNDECLARED:
            return Cause(UNDECLARED, cause.distribution,
                         f"{cause.reason}; it is imported by library code, not by the project")
        return cause

    def _first_party_reason(self, outcome: ModuleOutcome, top: str) -> str:
        if outcome.missing and top not in self.first_party:
            dists = self.environment.providers.get(top, [])
            version = self._version(dists[0]) if dists else ""
            installed = f" ({dists[0]} {version})" if dists else ""
            return f"{outcome.missing}{installed} does not have the imported name"
        if outcome.raised_in_library:
            return "raised by library code while the module was imported"
        return "raised by the code under audit"

    def _version(self, dist: str) -> str:
        return self.environment.installed.get(canonicalize_name(dist), "")

    def _missing_module(self, missing: str, top: str) -> Cause:
        if top in self.environment.stdlib:
            return Cause(PLATFORM, "", f"{top} is a standard-library module this interpreter "
                         "does not have (another platform's, or left out of this build)")
        # A namespace package's distributions are named after the dotted name
        # (google.cloud.storage: google-cloud-storage), not after its top.
        parts = missing.split(".")
        for n in range(len(parts), 1, -1):
            dotted = "-".join(parts[:n])
            if self.declared.status(dotted) != "undeclared":
                return self._by_declaration(dotted, f"{missing} is not installed")
        installed = self.environment.providers.get(top, [])
        if installed:  # the top-level package is there, the submodule is not
            dist = installed[0]
            base = f"installed {dist} {self._version(dist)} has no module {missing}"
            return self._by_declaration(dist, base)
        for dist in self._candidates(top):
            if self.declared.status(dist) != "undeclared":
                return self._by_declaration(dist, f"{top} is not installed")
        return Cause(UNDECLARED, "", f"{top} is not installed and no declared dependency "
                     f"provides it ({self._declared_where()})")

    def _candidates(self, top: str) -> list[str]:
        """Distribution names an import name may come from, most likely first."""
        names = [KNOWN_DISTRIBUTIONS.get(top, top), top, f"python-{top}", f"py{top}",
                 f"{top}-python", top.removeprefix("py")]  # fmt: skip
        return [n for n in dict.fromkeys(names) if n]

    def _declared_where(self) -> str:
        sources = self.declared.sources
        return "declared in " + ", ".join(sources) if sources else "no declarations were found"

    def _by_declaration(self, dist: str, base: str) -> Cause:
        status = self.declared.status(dist)
        canonical = canonicalize_name(dist)
        dist = self.declared.spelled.get(canonical, dist)
        if status == "required":
            requirement = self.declared.required[canonical]
            if requirement.marker is not None and not self._applies(requirement):
                return Cause(PLATFORM, dist, f"{base}; it is required only where "
                             f"{requirement.marker} (not this interpreter)")
            return Cause(REQUIRED_MISSING, dist, f"{base}, but the project requires "
                         f"{requirement}: the environment is incomplete")
        if status == "optional":
            extras = ", ".join(self.declared.optional[canonical])
            return Cause(OPTIONAL_MISSING, dist, f"{base}; {dist} is declared only in the "
                         f"extra {extras}")
        return Cause(UNDECLARED, dist, f"{base}, and the project does not declare {dist} "
                     f"({self._declared_where()})")

    def _applies(self, requirement: Any) -> bool:
        try:
            return bool(requirement.marker.evaluate({**self.environment.markers, "extra": ""}))
        except UndefinedEnvironmentName:
            return True  # unknown: assume it applies (the stricter class)
