"""What a class of the code under audit puts on its instances, read from its
methods: for ``mock-unresolved`` on a direct stub (``grant.save_token =
Mock()``), which needs to know whether the attribute can exist on the object.

Statically visible: ``self.x = ...`` anywhere in its methods, ``setattr(self,
"x", ...)``, ``setattr`` over a literal list of names, ``setattr`` over the
``**kwargs`` of ``__init__`` (then the names are the keywords of the
constructor call, which the test shows), and a ``__getattr__`` that forwards
to another attribute (``return getattr(self.target, name)``), whose class its
methods construct. Anything else that may add names (``setattr`` with a name
computed otherwise, ``vars(self)``, ``self.__dict__.update``, ``__slots__``, a
``__getattr__`` that does more) is ``*``: only the run would know, and the
rule does not report.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from auditor.mocks import names as n

_DYNAMIC = ("vars", "self.__dict__.update")


class InstanceAttributes(cst.CSTVisitor):
    """Walks a class body; ``canonical`` names a constructor (``Grant`` ->
    ``pkg.grants.Grant``), ``None`` when it is not a class of known name."""

    def __init__(self, canonical: Callable[[str], str | None]) -> None:
        super().__init__()
        self.canonical = canonical
        self.names: set[str] = set()
        self.kwargs_setattr = False
        self.classes: dict[str, str] = {}  # self.x = Class(...) -> x -> canonical
        # ... and that call's keyword names: "**" for a mapping of unknown keys,
        # FORWARDED for the enclosing method's own ``**kwargs`` passed on
        self.class_keywords: dict[str, list[str]] = {}
        # self.x = self.method(...) -> x -> method (what the method returns, if known,
        # is what x holds)
        self.from_methods: dict[str, str] = {}
        self._functions: list[str | None] = []  # the ``**`` parameter of each enclosing def
        self._loops: list[cst.For] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        star = node.params.star_kwarg
        self._functions.append(star.name.value if star is not None else None)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()

    def visit_For(self, node: cst.For) -> None:
        self._loops.append(node)

    def leave_For(self, original_node: cst.For) -> None:
        self._loops.pop()

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._add(node.target)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.value, cst.Call):
            return
        target = node.targets[0].target
        callee = n.dotted(node.value.func)
        if isinstance(target, cst.Attribute) and n.dotted(target.value) == "self" and callee:
            head, _, method = callee.partition(".")
            if head == "self" and method and "." not in method:
                # ``self.tpool = self.get_thread_pool()``: settled once the class's
                # methods are known (see :func:`returned_classes`)
                self.from_methods[target.attr.value] = method
                return
            made = self.canonical(callee)
            if made is not None:
                self.classes[target.attr.value] = made
                kwargs = self._functions[-1] if self._functions else None
                self.class_keywords[target.attr.value] = sorted(
                    _keyword_name(arg, kwargs) for arg in node.value.args
                    if arg.keyword is not None or arg.star == "**")

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
        name = n.dotted(node.func)
        if name in _DYNAMIC:
            self.names.add("*")
        elif name in ("setattr", "object.__setattr__"):
            self._setattr(node)

    def _setattr(self, node: cst.Call) -> None:
        args = n.positional(node)
        if len(args) < 2 or n.dotted(args[0]) != "self":
            return  # setattr on another object adds nothing to this one
        literal = n.string_value(args[1])
        if literal is not None:
            self.names.add(literal)
            return
        variable = n.dotted(args[1])
        loop = next((f for f in reversed(self._loops) if variable in _loop_names(f)), None)
        if variable is None or loop is None:
            self.names.add("*")
            return
        kwargs = self._functions[-1] if self._functions else None
        listed = _literal_names(loop.iter)
        if listed is not None:
            self.names.update(listed)  # for name in ("a", "b"): setattr(self, name, ...)
        elif kwargs is not None and _over(loop.iter, kwargs):
            self.kwargs_setattr = True  # for k, v in kwargs.items(): setattr(self, k, v)
        else:
            self.names.add("*")


FORWARDED = "**forwarded"


def _keyword_name(arg: cst.Arg, kwargs: str | None) -> str:
    if arg.keyword is not None:
        return arg.keyword.value
    return FORWARDED if kwargs is not None and n.dotted(arg.value) == kwargs else "**"


def _loop_names(loop: cst.For) -> set[str]:
    """The names a ``for`` binds (``k`` in ``for k in ...``, ``k, v`` in pairs)."""
    target = loop.target
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, cst.Tuple | cst.List) and target.elements:
        first = target.elements[0].value
        return {first.value} if isinstance(first, cst.Name) else set()
    return set()


def _literal_names(expr: cst.BaseExpression) -> list[str] | None:
    if not isinstance(expr, cst.Tuple | cst.List | cst.Set):
        return None
    values = [n.string_value(e.value) for e in expr.elements]
    return [v for v in values if v is not None] if all(v is not None for v in values) else None


def _over(expr: cst.BaseExpression, kwargs: str) -> bool:
    """``kwargs``, ``kwargs.items()`` or ``kwargs.keys()``."""
    if isinstance(expr, cst.Name):
        return expr.value == kwargs
    return (isinstance(expr, cst.Call) and not expr.args
            and n.dotted(expr.func) in (f"{kwargs}.items", f"{kwargs}.keys"))


def returned_class(node: cst.FunctionDef, canonical: Callable[[str], str | None]) -> str:
    """The canonical callee of a method whose only ``return`` is a constructor
    call (``return futures.ThreadPoolExecutor(...)``); "" for any other body."""
    returns: list[cst.Return] = []

    class _Returns(cst.CSTVisitor):
        def visit_FunctionDef(self, inner: cst.FunctionDef) -> bool:
            return inner is node  # a nested def's returns are not the method's

        def visit_Return(self, stmt: cst.Return) -> None:
            returns.append(stmt)

    node.visit(_Returns())
    if len(returns) != 1 or not isinstance(returns[0].value, cst.Call):
        return ""
    callee = n.dotted(returns[0].value.func)
    return (canonical(callee) or "") if callee else ""


def forwarded_attribute(node: cst.FunctionDef) -> str:
    """``def __getattr__(self, name): return getattr(self.target, name)`` ->
    ``"target"``; "" for any other body."""
    params = node.params.params
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else []
    statements = [s for s in body if not (
        isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1
        and isinstance(s.body[0], cst.Expr) and isinstance(s.body[0].value, cst.SimpleString))]
    if len(params) != 2 or len(statements) != 1:
        return ""
    stmt = statements[0]
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Return)):
        return ""
    value = stmt.body[0].value
    if not (isinstance(value, cst.Call) and n.dotted(value.func) == "getattr"):
        return ""
    args = n.positional(value)
    if len(value.args) != 2 or len(args) != 2 or n.dotted(args[1]) != params[1].name.value:
        return ""
    target = n.dotted(args[0]) or ""
    head, _, attribute = target.partition(".")
    return attribute if head == "self" and attribute and "." not in attribute else ""


__all__ = ["FORWARDED", "InstanceAttributes", "forwarded_attribute", "returned_class"]
