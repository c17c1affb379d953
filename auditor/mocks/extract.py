"""Turn one file into :class:`~auditor.mocks.facts.FileFacts` with libcst.

Test files (test modules and ``conftest.py``) yield their imports, their
tests, fixtures, helpers and setUp methods with the patches and assertions in
each, and the findings that one function's code decides alone. Source files of
the code under audit yield what the module binds (definitions, imports,
class attributes) for the patch-target resolver. The function
:func:`extract` is a plain top-level function so that a process pool can run
it; it never raises on bad input: undecodable bytes and syntax errors become
``FileFacts.error``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

import libcst as cst

from auditor.mocks import names as n
from auditor.mocks.facts import ClassFacts, FileFacts, LocalFinding
from auditor.mocks.outside import outside_reason
from auditor.mocks.statements import body_of, statements
from auditor.mocks.suppress import parse_suppressions
from auditor.mocks.testfile import TestFileExtractor


@dataclass(frozen=True)
class ExtractJob:
    """One file to extract: ``kind`` is ``test`` or ``source``."""

    path: str  # relative to the project root, POSIX separators
    module: str
    kind: str
    is_package: bool
    data: bytes


def decode(data: bytes) -> str:
    """Decode with the file's declared encoding (PEP 263), UTF-8 by default."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def extract(job: ExtractJob) -> FileFacts:
    facts = FileFacts(path=job.path, module=job.module, kind=job.kind)
    try:
        text = decode(job.data)
    except UnicodeDecodeError as exc:
        facts.error = f"cannot decode: {exc.reason} at byte {exc.start}"
        facts.error_line = job.data[: exc.start].count(b"\n") + 1
        return facts
    except (SyntaxError, LookupError) as exc:  # a bad or unknown encoding declaration
        facts.error = f"cannot decode: {exc}"
        facts.error_line = 1
        return facts
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        facts.error, facts.error_line = _syntax_error(text, job.path, exc)
        return facts
    except (RecursionError, ValueError) as exc:  # pathological nesting, bad characters
        facts.error = f"cannot parse: {exc}"
        return facts
    facts.imports, facts.imported_modules, star = _collect_imports(module, job, text)
    if job.kind == "source":
        _source_facts(module, facts, star)
    else:
        facts.suppressions = parse_suppressions(text)
        TestFileExtractor(module, facts).run()
    return facts


def _syntax_error(text: str, path: str, exc: cst.ParserSyntaxError) -> tuple[str, int]:
    """Python's own message and line when it agrees the code is invalid (libcst's
    positions can point past the real error); libcst's otherwise."""
    try:
        compile(text, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        return f"syntax error: {error.msg}", error.lineno or 1
    except (ValueError, RecursionError, MemoryError):
        pass
    return f"syntax error: {exc.message}", exc.raw_line


def _resolve_relative(job: ExtractJob, level: int, name: str | None) -> str:
    package = job.module.split(".") if job.is_package else job.module.split(".")[:-1]
    if level > 1:
        package = package[: len(package) - (level - 1)]
    return ".".join([*package, *([name] if name else [])])


_NESTED_IMPORT = re.compile(r"^[ \t]+(?:from[ \t]+\S+[ \t]+)?import[ \t]", re.MULTILINE)


def _collect_imports(
    module: cst.Module, job: ExtractJob, text: str
) -> tuple[dict[str, str], list[str], bool]:
    """local name -> canonical name, imported modules, whether a star import exists.

    Imports inside functions count too (tests often import there), but walking
    the whole tree for them costs as much as the rest of the extraction, so the
    tree is walked only when the text has an indented import; otherwise the
    module-level statements are enough.
    """
    imports: dict[str, str] = {}
    modules: list[str] = []
    star = False

    class _Imports(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            for alias in node.names:
                full = n.dotted(alias.name) or ""
                modules.append(full)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    imports[alias.asname.name.value] = full
                else:
                    head = full.split(".")[0]
                    imports[head] = head

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            nonlocal star
            base = n.dotted(node.module) if node.module is not None else None
            level = len(node.relative)
            if level:
                base = _resolve_relative(job, level, base)
            if base is None:
                return
            if isinstance(node.names, cst.ImportStar):
                star = True
                modules.append(base)
                return
            for alias in node.names:
                name = n.dotted(alias.name) or ""
                local = alias.asname.name.value if (
                    alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                ) else name
                imports[local] = f"{base}.{name}" if base else name
                modules.append(f"{base}.{name}" if base else name)

    visitor = _Imports()
    if _NESTED_IMPORT.search(text):
        module.visit(visitor)
    else:
        for stmt in statements(module):
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Import):
                        visitor.visit_Import(small)
                    elif isinstance(small, cst.ImportFrom):
                        visitor.visit_ImportFrom(small)
    return imports, modules, star


# ---------------------------------------------------------------- source modules


def _bind_targets(target: cst.BaseExpression, names: dict[str, str]) -> None:
    if isinstance(target, cst.Name):
        names.setdefault(target.value, "var")
    elif isinstance(target, cst.Tuple | cst.List):
        for element in target.elements:
            _bind_targets(element.value, names)


_PLATFORM_PART = re.compile(
    r"^_?(win|win32|win64|windows|nt|mac|macos|macosx|osx|darwin|linux|posix|unix|bsd"
    r"|freebsd|cygwin|android|ios)(_.*)?$|.*_(win|win32|windows|nt|mac|macos|osx|darwin"
    r"|linux|posix|unix)$",
    re.IGNORECASE,
)
_DYNAMIC_CALLS = frozenset({"globals", "setattr", "exec", "vars"})


class _NamesUsed(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


class _FunctionCounter(cst.CSTVisitor):
    """Counts functions and methods, and those that use a binding import; notes
    module-level ``global`` assignments and ``globals()``/``setattr`` tricks."""

    def __init__(self, binding_names: set[str], imports: dict[str, str]) -> None:
        super().__init__()
        self.binding_names = binding_names
        self.imports = imports
        self.total = 0
        self.binding = 0
        self.global_names: set[str] = set()
        self.dynamic = False
        self.scope: list[str] = []
        self.outside: dict[str, str] = {}
        self.references: dict[str, list[str]] = {}

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scope.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scope.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.total += 1
        if self.binding_names:
            used = _NamesUsed()
            node.body.visit(used)
            if used.names & self.binding_names:
                self.binding += 1
        if len(self.scope) <= 1:  # module functions and methods; not nested functions
            reason, references = outside_reason(node, self.imports)
            qualname = ".".join([*self.scope, node.name.value])
            if reason:
                self.outside[qualname] = reason
            elif references:
                self.references[qualname] = references
        self.scope.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scope.pop()

    def visit_Global(self, node: cst.Global) -> None:
        self.global_names.update(item.name.value for item in node.names)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in _DYNAMIC_CALLS:
            self.dynamic = True


def _source_facts(module: cst.Module, facts: FileFacts, star: bool) -> None:
    names: dict[str, str] = {}
    for alias, target in facts.imports.items():
        names[alias] = f"import:{target}"
    facts.dynamic = star
    bindings = {local: binding for local, target in facts.imports.items()
                if (binding := n.binding_module(target)) is not None}
    facts.binding_imports = sorted(set(bindings.values()))
    platform_part = next((p for p in facts.module.split(".")[1:] if _PLATFORM_PART.match(p)),
                         None)
    if platform_part is not None:
        facts.platform_specific = f"platform-specific module name ({platform_part})"
    counter = _FunctionCounter(set(bindings), facts.imports)
    module.visit(counter)
    facts.functions_total, facts.functions_binding = counter.total, counter.binding
    facts.outside = counter.outside
    facts.references = counter.references
    facts.dynamic = facts.dynamic or counter.dynamic
    for name in counter.global_names:
        names.setdefault(name, "var")  # assigned at run time through ``global``
    for stmt in statements(module):
        if isinstance(stmt, cst.FunctionDef):
            # ``if win: def getuid(): ... else: from os import getuid``: on this
            # platform the name may well be the import; keep it
            if not names.get(stmt.name.value, "").startswith("import:"):
                names[stmt.name.value] = "def"
            facts.defines_code = True
            if stmt.name.value == "__getattr__":
                facts.dynamic = True
        elif isinstance(stmt, cst.ClassDef):
            names[stmt.name.value] = "class"
            facts.defines_code = True
            facts.classes[stmt.name.value] = _class_facts(stmt, facts)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for assign_target in small.targets:
                        _bind_targets(assign_target.target, names)
                        _bind_class_attribute(assign_target.target, facts)
                    made_by = n.dotted(small.value.func) if isinstance(
                        small.value, cst.Call) else None
                    if made_by is not None and len(small.targets) == 1 and isinstance(
                        small.targets[0].target, cst.Name
                    ):
                        # ``log = logging.getLogger(...)``: what made the value
                        names[small.targets[0].target.value] = (
                            "var:" + n.canonical(made_by, facts.imports))
                    if not all(_is_dunder(t.target) for t in small.targets):
                        facts.defines_code = True
                elif isinstance(small, cst.AnnAssign | cst.AugAssign):
                    _bind_targets(small.target, names)
                    facts.defines_code = True
    facts.names = names


def _bind_class_attribute(target: cst.BaseExpression, facts: FileFacts) -> None:
    """``Class.attr = value`` at module level adds an attribute to the class."""
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
        cls = facts.classes.get(target.value.value)
        if cls is not None and target.attr.value not in cls.attributes:
            cls.attributes.append(target.attr.value)


def _is_dunder(target: cst.BaseExpression) -> bool:
    return isinstance(target, cst.Name) and target.value.startswith("__")


class _InstanceAttributes(cst.CSTVisitor):
    """``self.name = ...`` (and ``self.a, self.b = ...``) in a class's methods."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._add(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._add(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._add(node.target)

    def _add(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._add(element.value)
        elif isinstance(target, cst.Attribute) and n.dotted(target.value) == "self":
            self.names.add(target.attr.value)

    def visit_Call(self, node: cst.Call) -> None:
        if n.dotted(node.func) in ("setattr", "vars", "self.__dict__.update"):
            self.names.add("*")


def _class_facts(node: cst.ClassDef, facts: FileFacts) -> ClassFacts:
    instance = _InstanceAttributes()
    node.body.visit(instance)
    attributes: dict[str, str] = {}
    for stmt in statements(body_of(node.body)):
        if isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            attributes[stmt.name.value] = "def"
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        _bind_targets(target.target, attributes)
                elif isinstance(small, cst.AnnAssign):
                    _bind_targets(small.target, attributes)
    bases: list[str] = []
    for arg in node.bases:
        if arg.keyword is not None:
            continue
        name = n.dotted(arg.value)
        if name is None:
            bases.append("?")
        elif name.partition(".")[0] in facts.imports:
            bases.append(n.canonical(name, facts.imports))
        elif "." not in name:
            bases.append(f"{facts.module}.{name}" if name not in ("object",) else "object")
        else:
            bases.append("?")
    for keyword in node.keywords:
        if keyword.keyword is not None and keyword.keyword.value == "metaclass":
            bases.append("?")  # a metaclass can add anything
    if {"__getattr__", "__setattr__", "__slots__"} & set(attributes):
        instance.names.add("*")
    return ClassFacts(attributes=sorted(attributes), bases=bases,
                      instance_attributes=sorted(instance.names))


__all__ = ["ExtractJob", "LocalFinding", "decode", "extract"]
