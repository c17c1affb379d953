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
from libcst.metadata import MetadataWrapper, PositionProvider

from auditor.mocks import names as n
from auditor.mocks.facts import ClassFacts, FileFacts, FunctionFacts, LocalFinding
from auditor.mocks.rules import assertions, hygiene, patches
from auditor.mocks.scan import FunctionScan, patch_api, scan_function
from auditor.mocks.suppress import parse_suppressions


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
        _TestFileExtractor(module, facts).run()
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
        for stmt in _statements(module):
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


def _statements(body: cst.Module | list[cst.CSTNode]) -> list[cst.CSTNode]:
    """Module-level statements, descending into if/try/with blocks (all may bind)."""
    items: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = list(body) if isinstance(body, list) else list(body.body)
    while stack:
        node = stack.pop(0)
        if isinstance(node, cst.If | cst.Try | cst.With | cst.For | cst.While):
            blocks: list[cst.CSTNode] = [node.body]
            if isinstance(node, cst.If) and node.orelse is not None:
                blocks.append(node.orelse)
            if isinstance(node, cst.Try):
                blocks += [h.body for h in node.handlers]
                blocks += [b.body for b in (node.orelse, node.finalbody) if b is not None]
            for block in blocks:
                if isinstance(block, cst.If):
                    stack.append(block)
                elif isinstance(block, cst.Else):
                    stack.extend(_body_of(block.body))
                else:
                    stack.extend(_body_of(block))
            continue
        items.append(node)
    return items


def _body_of(suite: cst.CSTNode) -> list[cst.CSTNode]:
    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    if isinstance(suite, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=suite.body)]
    return []


def _source_facts(module: cst.Module, facts: FileFacts, star: bool) -> None:
    names: dict[str, str] = {}
    for alias, target in facts.imports.items():
        names[alias] = f"import:{target}"
    facts.dynamic = star
    for stmt in _statements(module):
        if isinstance(stmt, cst.FunctionDef):
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
                    if not all(_is_dunder(t.target) for t in small.targets):
                        facts.defines_code = True
                elif isinstance(small, cst.AnnAssign | cst.AugAssign):
                    _bind_targets(small.target, names)
                    facts.defines_code = True
    facts.names = names


def _is_dunder(target: cst.BaseExpression) -> bool:
    return isinstance(target, cst.Name) and target.value.startswith("__")


def _class_facts(node: cst.ClassDef, facts: FileFacts) -> ClassFacts:
    attributes: dict[str, str] = {}
    for stmt in _statements(_body_of(node.body)):
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
    return ClassFacts(attributes=sorted(attributes), bases=bases)


# ---------------------------------------------------------------- test modules


class _TestFileExtractor:
    def __init__(self, module: cst.Module, facts: FileFacts) -> None:
        self.facts = facts
        self.wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.module = self.wrapper.module
        self.positions = self.wrapper.resolve(PositionProvider)

    def run(self) -> None:
        for stmt in _statements(self.module):
            if isinstance(stmt, cst.FunctionDef):
                self._function(stmt, None, False, [], set())
            elif isinstance(stmt, cst.ClassDef):
                self._class(stmt, [], [])

    def _scan_for(self, body: cst.CSTNode, role: str,
                  injected: list[tuple[str, cst.Call | None]]) -> FunctionScan:
        return scan_function(body, role, self.facts.imports, self.positions, self.module, injected)

    def _class(self, node: cst.ClassDef, outer: list[str], inherited: list[cst.Call]) -> None:
        names = [*outer, node.name.value]
        bases = {n.canonical(n.dotted(a.value) or "", self.facts.imports) for a in node.bases}
        is_test_class = node.name.value.startswith("Test") or bool(
            bases & n.UNITTEST_BASES
        ) or any(b.endswith("TestCase") for b in bases)
        decorator_patches = list(inherited)
        probe = self._scan_for(cst.Module(body=[]), "helper", [])
        for decorator in node.decorators:
            call = decorator.decorator
            if isinstance(call, cst.Call) and patch_api(probe, call) is not None:
                decorator_patches.append(call)
                fact = patches.patch_fact(probe, call, "class-decorator")
                if fact is not None:
                    finding = patches.check_no_spec_patch(fact)
                    if finding is not None:
                        self.facts.module_findings.append(finding)
        statements = _statements(_body_of(node.body))
        # setUp runs first: the mocks it stores on self are mocks in every test
        setups = [s for s in statements
                  if isinstance(s, cst.FunctionDef) and s.name.value in n.SETUP_METHODS]
        class_mocks: set[str] = set()
        for setup in setups:
            class_mocks |= self._function(setup, names, is_test_class, decorator_patches, set())
        for stmt in statements:
            if isinstance(stmt, cst.FunctionDef) and all(stmt is not s for s in setups):
                self._function(stmt, names, is_test_class, decorator_patches, class_mocks)
            elif isinstance(stmt, cst.ClassDef):
                self._class(stmt, names, decorator_patches)

    def _function(self, node: cst.FunctionDef, classes: list[str] | None, in_test_class: bool,
                  class_patches: list[cst.Call], class_mocks: set[str]) -> set[str]:
        """Record one function; return the ``self.`` attributes it stores mocks in."""
        name = node.name.value
        fixture_name, autouse = self._fixture(node)
        if fixture_name is not None:
            role = "fixture"
        elif name.startswith("test") and (classes is None or in_test_class):
            role = "test"
        elif classes is not None and name in n.SETUP_METHODS:
            role = "setup"
        else:
            role = "helper"
        params = [p.name.value for p in (*node.params.posonly_params, *node.params.params)]
        if classes is not None and params and params[0] in ("self", "cls"):
            params = params[1:]
        line, _ = self._position(node.name)
        column = self.positions[node].start.column + 1
        fn = FunctionFacts(
            qualname="::".join([*(classes or []), name]),
            name=name,
            role=role,
            line=line,
            column=column,
            end_line=self.positions[node].end.line,
            class_name="::".join(classes) if classes else None,
            params=params,
            fixture_name=fixture_name,
            autouse=autouse,
        )
        probe = self._scan_for(cst.Module(body=[]), role, [])
        decorator_calls: list[tuple[cst.Call, str]] = [
            (d.decorator, "decorator") for d in node.decorators
            if isinstance(d.decorator, cst.Call) and patch_api(probe, d.decorator) is not None
        ]
        if role == "test":
            decorator_calls += [(c, "class-decorator") for c in class_patches]
        injected: list[tuple[str, cst.Call | None]] = []
        creating = [c for c, _ in decorator_calls if _decorator_injects(probe, c)]
        for param, call in zip(params, reversed(creating), strict=False):
            injected.append((param, call))
        for param in params[len(creating):]:
            if param.startswith("mock_") or param.endswith("_mock") or param.startswith("mocked_"):
                injected.append((param, None))
        injected += [(name, None) for name in sorted(class_mocks)]
        scan = self._scan_for(node.body, role, injected)
        for call, via in decorator_calls:
            fact = patches.patch_fact(scan, call, via)
            if fact is not None:
                fn.patches.append(fact)
                if via == "decorator":
                    finding = patches.check_no_spec_patch(fact)
                    if finding is not None:
                        fn.findings.append(finding)
        self._analyse(scan, fn)
        self.facts.functions.append(fn)
        return {var for var in scan.mock_vars if var.startswith("self.")}

    def _analyse(self, scan: FunctionScan, fn: FunctionFacts) -> None:
        for call, _loop in scan.calls:
            fact = patches.patch_fact(scan, call, "call")
            if fact is not None:
                fn.patches.append(fact)
                finding = patches.check_no_spec_patch(fact)
                if finding is not None:
                    fn.findings.append(finding)
                continue
            finding = patches.check_no_spec_constructor(scan, call)
            if finding is not None:
                fn.findings.append(finding)
            func = call.func
            if isinstance(func, cst.Name) and func.value not in self.facts.imports:
                fn.helper_calls.append(func.value)
            elif isinstance(func, cst.Attribute) and n.dotted(func.value) in ("self", "cls"):
                fn.helper_calls.append("self." + func.attr.value)
        fn.asserts = assertions.assertion_sites(scan)
        fn.findings += assertions.check_tautologies(scan)
        if fn.role == "test":
            fn.findings += assertions.check_echo(scan)
        if fn.role in ("test", "setup", "fixture"):
            patched = {p.target for p in fn.patches if p.target}
            fn.findings += hygiene.check_sleeps(scan, patched)
        if fn.role in ("test", "setup"):
            fn.findings += hygiene.check_broad_excepts(scan)
        else:
            fn.findings += [f for f in hygiene.check_broad_excepts(scan)
                            if not f.message.startswith("except")]
        fn.findings.sort(key=lambda f: (f.line, f.column, f.rule))

    def _fixture(self, node: cst.FunctionDef) -> tuple[str | None, bool]:
        for decorator in node.decorators:
            expr = decorator.decorator
            call = expr if isinstance(expr, cst.Call) else None
            target = call.func if call is not None else expr
            canonical = n.canonical(n.dotted(target) or "", self.facts.imports)
            if canonical not in n.FIXTURE_DECORATORS:
                continue
            name = node.name.value
            autouse = False
            if call is not None:
                name_arg = n.keyword(call, "name")
                if name_arg is not None:
                    name = n.string_value(name_arg.value) or name
                autouse_arg = n.keyword(call, "autouse")
                autouse = autouse_arg is not None and n.dotted(autouse_arg.value) == "True"
            return name, autouse
        return None, False

    def _position(self, node: cst.CSTNode) -> tuple[int, int]:
        start = self.positions[node].start
        return start.line, start.column + 1


def _decorator_injects(scan: FunctionScan, call: cst.Call) -> bool:
    """A ``@patch`` decorator passes a mock argument unless ``new`` is given."""
    api = patch_api(scan, call)
    if api not in ("patch", "object"):
        return False
    args = n.positional(call)
    limit = 1 if api == "patch" else 2
    return len(args) <= limit and n.keyword(call, "new") is None


__all__ = ["ExtractJob", "LocalFinding", "decode", "extract"]
