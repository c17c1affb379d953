"""Which functions of the code under audit touch the outside world.

Patching such a function is patching a boundary, not the code under audit:
the test replaces a terminal prompt, a random token, a subprocess, or the
machine's home folder, so that the code *around* it runs for real and
deterministically. A function is such a boundary when it

* uses a binding module (``subprocess``, ``socket``, ``ctypes``, an HTTP
  client, a database driver, an OS API) or asks the user at the terminal
  (``input``, ``getpass``, ``rich.prompt``, ``click.prompt``...), whatever its
  size; or
* is a thin wrapper (a few statements) over randomness, the clock, the
  environment of the machine (home folder, environment variables, ``which``,
  the platform) or the file system.
"""

from __future__ import annotations

import libcst as cst

from auditor.mocks import names as n

THIN_STATEMENTS = 12

_PROMPTS = ("builtins.input", "getpass.getpass", "rich.prompt", "click.prompt",
            "click.confirm", "click.getchar", "click.edit", "questionary", "prompt_toolkit",
            "readchar", "inquirer", "sys.stdin", "readline")
_THIN_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("randomness", ("random", "secrets", "uuid", "os.urandom")),
    ("the clock", ("time.time", "time.monotonic", "time.perf_counter", "datetime.datetime.now",
                   "datetime.datetime.utcnow", "datetime.datetime.today", "datetime.date.today")),
    ("the machine's environment", (
        "os.environ", "os.getenv", "os.path.expanduser", "os.path.expandvars",
        "pathlib.Path.home", "os.getuid", "os.geteuid", "os.getlogin", "getpass.getuser",
        "shutil.which", "platform", "sys.platform", "locale", "os.name", "os.cpu_count")),
    ("the file system", (
        "builtins.open", "io.open", "os.makedirs", "os.mkdir", "os.remove", "os.unlink",
        "os.rename", "os.replace", "os.rmdir", "os.listdir", "os.scandir", "os.walk",
        "os.stat", "os.chmod", "shutil", "tempfile", "os.path.exists", "os.path.isdir",
        "os.path.isfile", "glob")),
)


class _Uses(cst.CSTVisitor):
    """Canonical dotted names read in a function, and its number of statements."""

    def __init__(self, imports: dict[str, str]) -> None:
        super().__init__()
        self.imports = imports
        self.names: set[str] = set()
        self.local: set[str] = set()
        self.statements = 0

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = n.dotted(node)
        if name is None:
            return True
        self._add(name)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self._add(node.value)

    def _add(self, name: str) -> None:
        head = name.split(".")[0]
        if head in self.imports:
            self.names.add(n.canonical(name, self.imports))
        elif head in n.BUILTIN_NAMES:
            self.names.add("builtins." + name)
        elif head not in ("self", "cls"):
            self.local.add(head)  # maybe a function or class of the same module

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.SimpleStatementLine):
            self.statements += len(node.body)
        elif isinstance(node, cst.BaseCompoundStatement):
            self.statements += 1
        return super().on_visit(node)


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def strong_reason(name: str) -> str:
    """Why using ``name`` (a canonical name) makes a function a boundary whatever
    its size ("" if it does not): a binding module, or a terminal prompt."""
    binding = n.binding_module(name)
    if binding is not None:
        return f"uses {binding}"
    if _within(name, _PROMPTS):
        return f"asks the user at the terminal ({name.removeprefix('builtins.')})"
    return ""


def is_strong(reason: str) -> bool:
    """A reason that makes callers boundaries too (not a thin wrapper's)."""
    return bool(reason) and not reason.startswith("a thin wrapper")


def outside_reason(node: cst.FunctionDef, imports: dict[str, str]) -> tuple[str, list[str]]:
    """Why ``node`` is a binding to the outside ("" when it is not), and the
    other names it uses (the resolver follows them: a function calling a
    terminal prompt of the same package asks the user too)."""
    uses = _Uses(imports)
    node.body.visit(uses)
    references = sorted(uses.local | {name for name in uses.names
                                      if not n.is_stdlib(name)})[:40]
    for name in sorted(uses.names):
        reason = strong_reason(name)
        if reason:
            return reason, references
    if uses.statements > THIN_STATEMENTS:
        return "", references
    for kind, prefixes in _THIN_KINDS:
        for name in sorted(uses.names):
            if _within(name, prefixes):
                return (f"a thin wrapper over {kind} ({name.removeprefix('builtins.')})",
                        references)
    return "", references
