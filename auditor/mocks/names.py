"""Names of the mocking and testing APIs the analysis recognises, and helpers
that turn libcst expressions into dotted names.

Calls are recognised by their *canonical* dotted name: the name as written,
with its first part replaced by what the module imported under that name
(``from unittest import mock`` makes ``mock.patch`` into
``unittest.mock.patch``). The third-party ``mock`` backport is folded into
``unittest.mock``.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Iterator

import libcst as cst

PATCH_KINDS: dict[str, str] = {
    "unittest.mock.patch": "patch",
    "unittest.mock.patch.object": "object",
    "unittest.mock.patch.dict": "dict",
    "unittest.mock.patch.multiple": "multiple",
}
MOCKER_NAMES = frozenset(
    {"mocker", "module_mocker", "class_mocker", "package_mocker", "session_mocker"}
)
MOCKER_PATCH_KINDS: dict[str, str] = {
    "patch": "patch",
    "patch.object": "object",
    "patch.dict": "dict",
    "patch.multiple": "multiple",
}
MONKEYPATCH_METHODS = frozenset({"setattr", "delattr", "setitem", "delitem"})
MOCK_CLASS_NAMES = frozenset(
    {"Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock"}
)
MOCK_CLASSES = frozenset(f"unittest.mock.{name}" for name in MOCK_CLASS_NAMES)
AUTOSPEC_FUNCTIONS = frozenset({"unittest.mock.create_autospec"})

# Methods and attributes that read or check a mock's call record.
MOCK_ASSERT_METHODS = frozenset(
    {
        "assert_called",
        "assert_called_once",
        "assert_called_with",
        "assert_called_once_with",
        "assert_any_call",
        "assert_has_calls",
        "assert_not_called",
        "assert_awaited",
        "assert_awaited_once",
        "assert_awaited_with",
        "assert_awaited_once_with",
        "assert_any_await",
        "assert_has_awaits",
        "assert_not_awaited",
    }
)
MOCK_RECORD_ATTRIBUTES = frozenset(
    {
        "called",
        "call_count",
        "call_args",
        "call_args_list",
        "mock_calls",
        "method_calls",
        "await_count",
        "await_args",
        "await_args_list",
        "awaited",
    }
)
MOCK_CONFIG_ATTRIBUTES = frozenset({"return_value", "side_effect"})

RAISES_FUNCTIONS = frozenset({"pytest.raises", "pytest.warns", "pytest.deprecated_call"})
FAIL_FUNCTIONS = frozenset({"pytest.fail"})
SLEEP_FUNCTIONS = frozenset(
    {"time.sleep", "asyncio.sleep", "trio.sleep", "anyio.sleep", "gevent.sleep"}
)
# Reading the clock: a test that reads it before and after a sleep times the sleep.
CLOCK_FUNCTIONS = frozenset({"time.time", "time.monotonic", "time.perf_counter", "time.time_ns",
                             "time.monotonic_ns", "time.perf_counter_ns",
                             "datetime.datetime.now", "datetime.datetime.utcnow"})
BROAD_EXCEPTIONS = frozenset({"Exception", "BaseException", "builtins.Exception",
                              "builtins.BaseException"})
FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})
SETUP_METHODS = frozenset({"setUp", "asyncSetUp", "setup_method", "setup"})
UNITTEST_BASES = frozenset(
    {"unittest.TestCase", "unittest.IsolatedAsyncioTestCase", "TestCase",
     "IsolatedAsyncioTestCase", "django.test.TestCase", "django.test.SimpleTestCase"}
)


SKIP_FUNCTIONS = frozenset({"pytest.skip", "pytest.importorskip", "pytest.xfail",
                            "unittest.SkipTest", "unittest.skip"})
SKIP_METHODS = frozenset({"skipTest"})
WARNING_FILTERS = frozenset({"warnings.simplefilter", "warnings.filterwarnings"})

# Imports that make a module a binding to the outside world: foreign functions,
# the network, processes, databases, and OS- or desktop-specific APIs.
BINDING_MODULES = frozenset({
    "ctypes", "cffi", "_winapi", "winreg", "_winreg", "msvcrt", "win32api", "win32con",
    "win32cred", "win32clipboard", "win32gui", "pywintypes", "winerror", "wmi", "fcntl",
    "termios", "tty", "pty", "pwd", "grp", "resource", "mmap", "socket", "ssl", "select",
    "socketserver", "subprocess", "http.client", "urllib.request", "urllib3", "requests",
    "httpx", "aiohttp", "httplib2", "smtplib", "ftplib", "imaplib", "poplib", "telnetlib",
    "xmlrpc.client", "sqlite3", "psycopg2", "psycopg", "pymysql", "MySQLdb", "mysql",
    "pymongo", "redis", "asyncpg", "aiosqlite", "cx_Oracle", "pyodbc", "boto3", "botocore",
    "paramiko", "dbus", "jeepney", "secretstorage", "gi", "objc", "Foundation", "AppKit",
    "CoreFoundation", "Quartz", "Xlib", "pyudev", "serial", "usb", "webbrowser",
})
STDLIB_MODULES = frozenset(sys.stdlib_module_names)
BUILTIN_NAMES = frozenset(dir(builtins))
# Names of values a test stands in for that come from the standard library: a
# spec on a logger or a stream stand-in protects nothing of the project.
STDLIB_STANDIN_WORDS = frozenset({
    "logger", "log", "logging", "stream", "stdout", "stderr", "stdin", "sock", "socket",
    "file", "fh", "fp", "fd", "os", "sys", "popen", "proc", "subprocess", "thread",
    "lock", "queue", "signal", "environ", "print", "open", "warn", "warnings", "time",
    "sleep", "datetime", "urlopen", "exit", "transport", "selector", "poller", "executor",
})


# Standard-library types that tests stand in for through their own API (a socket
# handed to a server loop, a Future handed to a callback): type -> (its members,
# the members no other kind of object is likely to have). A mock used only
# through one type's members, at least one of them distinctive, stands in for
# that type, not for code under audit.
STDLIB_INTERFACES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "socket.socket": (
        frozenset({"accept", "bind", "listen", "connect", "connect_ex", "getsockname",
                   "getpeername", "recv", "recv_into", "recvfrom", "send", "sendall",
                   "sendto", "setsockopt", "getsockopt", "setblocking", "settimeout",
                   "gettimeout", "fileno", "close", "shutdown", "makefile", "family",
                   "type", "detach", "dup"}),
        frozenset({"accept", "getsockname", "getpeername", "recv_into", "recvfrom",
                   "sendall", "setsockopt", "getsockopt", "setblocking", "connect_ex",
                   "makefile"}),
    ),
    "concurrent.futures.Future": (
        frozenset({"cancelled", "cancel", "result", "done", "exception",
                   "add_done_callback", "running", "set_result", "set_exception"}),
        frozenset({"cancelled", "add_done_callback", "set_result", "set_exception"}),
    ),
    "asyncio.Transport": (
        frozenset({"write", "writelines", "close", "is_closing", "get_extra_info",
                   "pause_reading", "resume_reading", "abort", "write_eof", "can_write_eof",
                   "get_write_buffer_size", "set_write_buffer_limits", "is_reading",
                   "set_protocol", "get_protocol"}),
        frozenset({"is_closing", "get_extra_info", "pause_reading", "resume_reading",
                   "write_eof", "can_write_eof", "get_write_buffer_size",
                   "set_write_buffer_limits"}),
    ),
    "selectors.BaseSelector": (
        frozenset({"select", "register", "unregister", "modify", "get_key", "get_map",
                   "close"}),
        frozenset({"select", "unregister", "get_key", "get_map"}),
    ),
    "concurrent.futures.Executor": (
        frozenset({"submit", "map", "shutdown"}),
        frozenset({"submit"}),
    ),
}


def stdlib_interface(members: set[str]) -> str:
    """The standard-library type a mock used only through ``members`` stands in
    for ("" when none fits, or nothing is used)."""
    for name, (allowed, distinctive) in STDLIB_INTERFACES.items():
        if members and members <= allowed and members & distinctive:
            return name
    return ""


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def is_stdlib(name: str) -> bool:
    """Whether a canonical dotted name lies in the standard library (or builtins)."""
    head = name.split(".")[0]
    return head in STDLIB_MODULES or head == "builtins"


def binding_module(name: str) -> str | None:
    """The binding module ``name`` is or lies in (``urllib.request.urlopen`` ->
    ``urllib.request``), if any."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in BINDING_MODULES:
            return candidate
    return None


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else ``None``."""
    parts: list[str] = []
    current: cst.BaseExpression = node
    while isinstance(current, cst.Attribute):
        parts.append(current.attr.value)
        current = current.value
    if not isinstance(current, cst.Name):
        return None
    parts.append(current.value)
    return ".".join(reversed(parts))


def chain(node: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """``node`` and what it is read from, outermost first (``a.b().c`` -> ``a.b().c``,
    ``a.b()``, ``a.b``, ``a``), through attributes, calls, subscripts and awaits."""
    current: cst.BaseExpression | None = node
    while current is not None:
        yield current
        if isinstance(current, cst.Attribute | cst.Subscript):
            current = current.value
        elif isinstance(current, cst.Call):
            current = current.func
        elif isinstance(current, cst.Await):
            current = current.expression
        else:
            current = None


def root_name(node: cst.BaseExpression) -> str | None:
    """The leftmost name of an attribute/call/subscript chain (``a`` in ``a.b().c[0]``)."""
    *_, last = chain(node)
    return last.value if isinstance(last, cst.Name) else None


def canonical(name: str, imports: dict[str, str]) -> str:
    """Replace the first part of ``name`` by what it was imported as."""
    head, dot, rest = name.partition(".")
    if head in imports:
        name = imports[head] + (dot + rest if rest else "")
    if name == "mock" or name.startswith("mock."):
        name = "unittest." + name
    return name


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain (non f-) string literal, else ``None``."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        joined = node.evaluated_value
        return joined if isinstance(joined, str) else None
    return None


def is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional(call: cst.Call) -> list[cst.BaseExpression]:
    return [a.value for a in call.args if a.keyword is None and not a.star]


class _AttributeCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.found.add(node.attr.value)


class _CallFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Call(self, node: cst.Call) -> bool:
        self.found = True
        return False


def attributes_in(node: cst.CSTNode) -> set[str]:
    """Every attribute name read anywhere inside ``node``."""
    collector = _AttributeCollector()
    node.visit(collector)
    return collector.found


def contains_call(node: cst.CSTNode) -> bool:
    """Whether ``node`` contains any call (so evaluating it twice may differ)."""
    finder = _CallFinder()
    node.visit(finder)
    return finder.found
