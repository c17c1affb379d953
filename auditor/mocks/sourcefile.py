"""The facts of one module of the code under audit, for the patch-target
resolver (:mod:`auditor.mocks.resolve`): the names it binds (definitions,
imports, module variables and what made them), its classes with their
attributes, bases and the attributes their methods set on instances, whether
it binds names dynamically, and why it may be a thin binding to the outside
(an inferred boundary). Test modules are :mod:`auditor.mocks.testfile`'s.
"""

from __future__ import annotations

import re

import libcst as cst

from auditor.mocks import names as n
from auditor.mocks.facts import ClassFacts, FileFacts
from auditor.mocks.instances import InstanceAttributes, forwarded_attribute, returned_class
from auditor.mocks.outside import outside_reason
from auditor.mocks.statements import body_of, statements


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


def source_facts(module: cst.Module, facts: FileFacts, star: bool) -> None:
    """Fill ``facts`` with what a module of the code under audit binds (its
    definitions, imports, class attributes, instance attributes its methods set)
    and why it may be a boundary; ``star``: the module has a star import."""
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


def _class_facts(node: cst.ClassDef, facts: FileFacts) -> ClassFacts:
    def constructor(name: str) -> str | None:
        if name.partition(".")[0] in facts.imports:
            return n.canonical(name, facts.imports)
        return f"{facts.module}.{name}" if "." not in name else None

    instance = InstanceAttributes(constructor)
    node.body.visit(instance)
    attributes: dict[str, str] = {}
    forwards_to = ""
    returning: dict[str, str] = {}  # method -> the class its one return constructs
    for stmt in statements(body_of(node.body)):
        if isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            attributes[stmt.name.value] = "def"
            if isinstance(stmt, cst.FunctionDef) and (made := returned_class(stmt, constructor)):
                returning[stmt.name.value] = made
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "__getattr__":
                forwards_to = forwarded_attribute(stmt)
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
    # a __getattr__ that only forwards to another attribute is followed (see
    # auditor.mocks.instances); __setattr__ decides where a value goes, not which
    # names exist before it is set
    if "__slots__" in attributes or ("__getattr__" in attributes and not forwards_to):
        instance.names.add("*")
    for attribute, method in instance.from_methods.items():
        if method in returning:
            instance.classes.setdefault(attribute, returning[method])
    return ClassFacts(attributes=sorted(attributes), bases=bases,
                      instance_attributes=sorted(instance.names),
                      kwargs_setattr=instance.kwargs_setattr, forwards_to=forwards_to,
                      attribute_classes=dict(sorted(instance.classes.items())),
                      attribute_keywords=dict(sorted(instance.class_keywords.items())))


__all__ = ["source_facts"]
