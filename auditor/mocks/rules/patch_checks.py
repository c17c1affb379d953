"""The checks behind the patch rules' hooks (mock-internal, mock-unresolved,
mock-no-spec, mock-density): what a patch call patches, and the verdicts on
it. The rule classes in :mod:`auditor.mocks.rules.patches` call these; this
module names no rule, so the two do not import each other."""

from __future__ import annotations

import ast

import libcst as cst

from auditor.mocks import names as n
from auditor.mocks.facts import FunctionFacts, LocalFinding, PatchFact
from auditor.mocks.resolve import ProjectIndex
from auditor.mocks.rules.hooks import PatchContext, patched_name, patched_names
from auditor.mocks.scan import FunctionScan, patch_api

_SPEC_KEYWORDS = ("spec", "spec_set")
_PATCH_KEYWORDS = frozenset({"target", "attribute", "new", "spec", "create", "spec_set",
                             "autospec", "new_callable", "in_dict", "values", "clear",
                             "name", "raising", "value"})


def _given(arg: cst.Arg | None) -> bool:
    """A keyword given with a value other than ``None``/``False``."""
    if arg is None:
        return False
    value = arg.value
    return not (isinstance(value, cst.Name) and value.value in ("None", "False"))


def patch_fact(scan: FunctionScan, call: cst.Call, via: str) -> PatchFact | None:
    """Describe the patch made by ``call`` (``None`` if it is not a patch)."""
    api = patch_api(scan, call)
    if api is None:
        return None
    line, column = scan.position(call)
    fact = PatchFact(api=api, line=line, column=column, via=via)
    args = n.positional(call)
    first = args[0] if args else (n.keyword(call, "target") or n.keyword(call, "in_dict"))
    first_expr = first.value if isinstance(first, cst.Arg) else first
    if first_expr is not None:
        fact.target = n.string_value(first_expr)
        if fact.target is None:
            fact.object_ref = _object_ref(scan, first_expr)
    if api == "object" or (api == "monkeypatch" and fact.target is None):
        attribute = args[1] if len(args) > 1 else None
        attr_kw = n.keyword(call, "attribute") or n.keyword(call, "name")
        if attribute is None and attr_kw is not None:
            attribute = attr_kw.value
        fact.attribute = n.string_value(attribute) if attribute is not None else None
    canonical = scan.canonical(call.func) or ""
    if api == "monkeypatch" and canonical.endswith(("setitem", "delitem")):
        fact.api = "dict"
        fact.attribute = None
    new_position = {"patch": 1, "object": 2}.get(api)
    has_new = (
        (new_position is not None and len(args) > new_position)
        or n.keyword(call, "new") is not None
        or n.keyword(call, "new_callable") is not None
    )
    fact.creates_mock = api in ("patch", "object") and not has_new
    fact.has_spec = _given(n.keyword(call, "autospec")) or any(
        _given(n.keyword(call, k)) for k in _SPEC_KEYWORDS
    )
    fact.allows_create = _given(n.keyword(call, "create"))
    if api == "multiple":  # patch.multiple(target, name=DEFAULT, ...): each keyword a name
        fact.members = [a.keyword.value for a in call.args
                        if a.keyword is not None and a.keyword.value not in _PATCH_KEYWORDS]
    if first_expr is not None and fact.target is None:
        fact.shown = scan.code(first_expr)
    # patch(..., return_value=1) and other keywords configure the mock it makes
    fact.used = any(a.keyword is not None and a.keyword.value not in _PATCH_KEYWORDS
                    for a in call.args)
    fact.spy = is_spy(scan, call)
    fact.interface = any(a.star == "**" or (
        a.keyword is not None and a.keyword.value not in _PATCH_KEYWORDS
        and a.keyword.value not in n.MOCK_CONFIG_ATTRIBUTES) for a in call.args)
    return fact


_EXCEPTION_SUFFIXES = ("Error", "Exception", "Exit", "Interrupt", "Warning", "Failure",
                      "Timeout", "Refused", "Denied")


def is_spy(scan: FunctionScan, call: cst.Call) -> bool:
    """``wraps=real`` or ``side_effect=real_function``: the real code still runs."""
    if _given(n.keyword(call, "wraps")):
        return True
    effect = n.keyword(call, "side_effect")
    if effect is None:
        return False
    name = n.dotted(effect.value)
    if name is None or name in scan.mock_vars or name in ("None", "True", "False"):
        return False
    # an imported function (json.dump, the package's own function), not a local fake,
    # a list of values or an exception class
    last = name.rpartition(".")[2]
    return (last[:1].islower() and not last.endswith(_EXCEPTION_SUFFIXES)
            and name.partition(".")[0] in scan.imports)


def _object_ref(scan: FunctionScan, expr: cst.BaseExpression) -> str | None:
    name = n.dotted(expr)
    if name is None:
        return None
    if name in scan.made_by:
        return scan.made_by[name]  # ``client = pkg.Client()``: an instance of pkg.Client
    if name.partition(".")[0] not in scan.imports:
        return None  # a local value: what it is cannot be known statically
    return n.canonical(name, scan.imports)


def stub_fact(scan: FunctionScan, assign: cst.Assign, target: cst.Attribute) -> PatchFact:
    """``obj.method = Mock()``: a patch by assignment (never undone by the test)."""
    line, column = scan.position(assign)
    return PatchFact(
        api="object", line=line, column=column, via="assign",
        object_ref=_object_ref(scan, target.value), attribute=target.attr.value,
        allows_create=True,  # assignment creates a missing attribute
        used=True, replaces_with_mock=True, shown=scan.code(target.value),
        constructed_with=scan.made_with.get(n.dotted(target.value) or ""),
    )


# Keywords of a mock constructor that do not configure the mock's behaviour.
_INERT_KEYWORDS = frozenset({"name", "spec", "spec_set", "wraps", "unsafe", "parent",
                             "_new_name", "_new_parent", "instance", "new_callable"})


def _shown(fact: PatchFact) -> str:
    if fact.target is not None:
        return fact.target
    if fact.attribute is not None:
        return f"{fact.object_ref or fact.shown or 'an object'}.{fact.attribute}"
    return fact.object_ref or fact.shown or "an object"


def no_spec_patch_reason(index: ProjectIndex, fact: PatchFact,
                         function: FunctionFacts | None = None) -> str:
    """Why an unspec'd patch mock is worth a spec ("" when a spec protects nothing).

    Reported: a patch that makes a MagicMock of first- or third-party code
    which the test configures or checks. Not reported: standard-library
    targets (loggers, ``os``, ``socket``...), dunders, ``create=True`` (there is
    nothing to take a spec from), targets that do not resolve statically (for
    example defined on another platform), and inert placeholders.
    """
    if (not fact.creates_mock or fact.has_spec or fact.allows_create or not fact.used
            or fact.spy):
        return ""
    name = patched_name(fact)
    if name is None:
        return ""
    if n.is_dunder(name.rpartition(".")[2]):
        return ""
    resolution = index.resolve(name)
    if resolution.status == "unresolved" or n.is_stdlib(resolution.name):
        return ""
    if resolution.status in ("internal", "boundary") and index.made_by_stdlib(resolution.name):
        return ""  # ``pkg.mod.log``: a logger the module made with logging.getLogger
    if resolution.status == "external" and function is not None and not fact.interface and (
        function.role != "fixture" and not _asserted(function, fact.bound)
    ):
        # a third-party function only pinned by return_value (oauthlib's
        # generate_nonce), never checked: a spec would guard its signature alone,
        # which nothing calls through the test; a fixture hands its mock to the
        # tests, which may check it
        return ""
    return f"patch of {_shown(fact)} creates a MagicMock without autospec=True or spec"


def _asserted(function: FunctionFacts, bound: str) -> bool:
    """Whether the function checks the call record of the mock stored in ``bound``."""
    return bool(bound) and any(
        site.mock == bound or site.mock.startswith(bound + ".")
        for site in function.asserts)


def _is_stdlib_standin(var: str | None) -> bool:
    if var is None:
        return False
    words = {w for part in var.split(".") for w in part.lower().split("_") if w}
    return bool(words & n.STDLIB_STANDIN_WORDS)


_METHOD_VERBS = ("save", "get", "set", "validate", "create", "load", "read", "write", "send",
                 "fetch", "check", "update", "delete", "make", "build", "run", "handle",
                 "process", "parse", "render", "find", "call", "open", "close", "start",
                 "stop", "authenticate", "authorize", "verify", "generate", "request")


def _stored_as_data(scan: FunctionScan) -> set[str]:
    """Names stored on a data attribute of another object (``request.client = m``)."""
    stored: set[str] = set()
    for assign in scan.assigns:
        for target in assign.targets:
            if (isinstance(target.target, cst.Attribute)
                    and not _method_name(target.target.attr.value)
                    and (name := n.dotted(assign.value)) is not None):
                stored.add(name)
    return stored


def _method_name(attribute: str) -> bool:
    """``save_token``, ``get_claims``: a method name, not a data attribute (``client``)."""
    head, _, rest = attribute.lstrip("_").partition("_")
    return bool(rest) and head in _METHOD_VERBS


def check_no_spec_constructor(rule_id: str, scan: FunctionScan, call: cst.Call,
                              bound: str | None, contained: bool) -> LocalFinding | None:
    """A ``Mock()``/``MagicMock()`` without spec where a spec protects something.

    ``bound`` is where the mock is stored (a variable, ``self.x``, ``obj.attr``),
    ``contained`` whether it is part of another mock (``Mock(get=Mock())``,
    ``m.child = Mock()``): then the outer mock is the one object to report.
    """
    canonical = scan.canonical(call.func)
    if canonical is None or contained:
        return None
    head, _, rest = canonical.partition(".")
    if canonical in n.MOCK_CLASSES:
        kind = canonical.rpartition(".")[2]
    elif head in n.MOCKER_NAMES and rest in n.MOCK_CLASS_NAMES:
        kind = rest
    else:
        return None
    args = n.positional(call)
    if args and not n.is_none(args[0]):
        return None  # Mock(SomeClass): the first positional parameter is spec
    if any(_given(n.keyword(call, k)) for k in _SPEC_KEYWORDS) or is_spy(scan, call):
        return None  # spec'd, or a spy around a real object
    # Mock(get=Mock(...)), Mock(**{"get.return_value": 1}): methods configured
    # (a dunder keyword, ``MagicMock(__name__="f")``, dresses a plain callable up as
    # a function: no interface)
    interface = any(a.keyword is not None and a.keyword.value not in _INERT_KEYWORDS
                    and a.keyword.value not in n.MOCK_CONFIG_ATTRIBUTES
                    and not n.is_dunder(a.keyword.value) for a in call.args
                    ) or any(a.star == "**" for a in call.args)
    if bound is not None:
        last = bound.rpartition(".")[2]
        if n.is_dunder(last) or _is_stdlib_standin(bound):
            return None
        # a method replaced on a real object (``Grant.save_token = Mock()``,
        # ``self.validator.get_claims = Mock()``): a spec guards its signature; a
        # mock setUp keeps on ``self`` is configured by the tests
        stub = bound.count(".") >= (2 if bound.startswith(("self.", "cls.")) else 1) and (
            _method_name(last) or bound in scan.configured
            or any(r == bound or r.startswith(bound + ".") for r in scan.record_reads))
        kept = bound.startswith("self.") and scan.role == "setup" and bound.count(".") == 1
        # ``validator.validate_token = fake``: a method of the stand-in given
        methods = any(_method_name(a) for a in scan.touched_attributes.get(bound, ()))
        if bound in _stored_as_data(scan) and bound not in scan.handed_in:
            return None  # ``request.client = client``: a data value of a real object
        if not interface and not scan.has_interface(bound) and not stub and not kept and (
            not methods
        ):
            # inert, a plain callable (m.return_value) or a bag of attributes
            # (m.name = "x"): a spec would guard nothing the test relies on
            return None
    elif not interface:
        return None  # an inert placeholder, or a plain callable, passed along
    if bound is not None:
        members = _members(scan, bound, call)
        if n.stdlib_interface(members):
            return None  # ``listener.accept.return_value = ...``: a socket, not our code
    line, column = scan.position(call)
    what = f"{kind}() for {bound}" if bound else f"{kind}()"
    finding = LocalFinding(rule_id, line, column,
                           f"{what} without spec or spec_set accepts any attribute and call")
    if bound is not None:
        finding.attribute, finding.owner = _held_by(scan, bound)
        # ``worker.wsgi = Mock(return_value=[b"OK"])``, never checked: if the
        # attribute is data of the object (the user's app, a callback it is
        # handed), a spec would guard nothing the test relies on (see keep_local)
        finding.pinned = "." in bound and not members and _pinned_to_data(scan, bound)
    return finding


def _members(scan: FunctionScan, var: str, call: cst.Call) -> set[str]:
    """The attributes of the mock in ``var`` the function configures, sets or
    checks (``accept`` for ``var.accept.return_value = ...``)."""
    prefix = var + "."
    used = set(scan.configured_children.get(var, ())) | scan.touched_attributes.get(var, set())
    used |= {r[len(prefix):].split(".")[0] for r in scan.record_reads if r.startswith(prefix)}
    used |= {a.keyword.value.split(".")[0] for a in call.args if a.keyword is not None}
    return used - n.MOCK_CONFIG_ATTRIBUTES - n.MOCK_RECORD_ATTRIBUTES - _INERT_KEYWORDS - {
        m for m in used if m in n.MOCK_ASSERT_METHODS or n.is_dunder(m)}


def _pinned_to_data(scan: FunctionScan, bound: str) -> bool:
    """Whether the mock in ``bound`` is only configured to return literal data
    (``return_value=[b"OK"]``) and its calls are never checked."""
    values = scan.configured.get(bound)
    if not values or _method_name(bound.rpartition(".")[2]):
        return False
    checked = any(r == bound or r.startswith(bound + ".") for r in scan.record_reads)
    return not checked and all(_literal_code(value) for value in values)


def _literal_code(code: str) -> bool:
    """Whether a configured value (as code) is literal data, not a mock or a name."""
    try:
        ast.literal_eval(code)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def _held_by(scan: FunctionScan, bound: str) -> tuple[str, str]:
    """For a mock stored on another object (``worker.poller``, also
    ``protocol.transport.write``): the attribute of that object it replaces or
    lives in, and the object's class when the function built it."""
    parts = bound.split(".")
    start = 2 if parts[0] in ("self", "cls") else 1
    if len(parts) <= start:
        return "", ""
    return parts[start], scan.made_by.get(".".join(parts[:start]), "")


def _judged(patch: PatchContext) -> bool:
    """Whether the patch replaces code at all: a spy runs the real code, and
    patch.dict only sets and restores entries."""
    return patch.resolution is not None and not patch.patch.spy and patch.patch.api != "dict"


def unresolved_message(patch: PatchContext) -> str:
    """Why the patch target certainly does not exist ("" when it exists or may)."""
    fact, resolution = patch.patch, patch.resolution
    if not _judged(patch) or resolution is None:
        return ""
    if fact.members and resolution.status != "unresolved" and not fact.allows_create:
        missing = [(f"{patch.name}.{m}", r) for m in fact.members
                   if (r := patch.index.resolve(f"{patch.name}.{m}")).status == "unresolved"]
        return "; ".join(f"patch target {name!r} does not exist ({r.detail})"
                         for name, r in missing)
    if resolution.status != "unresolved":
        return ""
    if fact.via != "assign":
        if fact.allows_create:
            return ""  # create=True on a missing name: it replaces no code of the package
        return f"patch target {patch.name!r} does not exist ({resolution.detail})"
    if "class" not in resolution.detail or patch.name is None:
        return ""
    on_instance = patch.index.resolve_on_instance(patch.name, fact.constructed_with)
    if on_instance.status != "unresolved":
        return ""  # an instance attribute its methods set
    return (f"stub {fact.shown}.{fact.attribute} = Mock(): {on_instance.detail}, so "
            f"nothing reads the mock (a stale or misplaced stub)")


def internal_message(patch: PatchContext) -> str:
    """Why the patch replaces code under audit ("" when it patches a boundary,
    does not resolve, or is a spy, a dict entry or a factory of stand-ins)."""
    fact, resolution = patch.patch, patch.resolution
    if not _judged(patch) or resolution is None or patch.name is None:
        return ""
    if resolution.status == "unresolved" and (
        fact.via != "assign" or "class" in resolution.detail
    ):
        return ""  # mock-unresolved's to judge: a missing name is no code of the package
    if fact.factory:
        return ""  # the test calls the patch's mock to make a spec'd stand-in
    if resolution.status not in ("internal", "unresolved"):
        return ""
    if fact.members:
        return _internal_members_message(patch)
    if resolution.status == "internal" and patch.index.module_data(resolution.name):
        return ""  # ``monkeypatch.setattr(mod, "LINGER", 0)``: a constant, not code
    written = _shown(fact)
    shown = written if resolution.name == patch.name else f"{written} (= {resolution.name})"
    module = patch.index.module_of(resolution.name) or resolution.name
    return (f"patches {shown}, code under audit; patch a boundary, or declare "
            f'"{module}" in [tool.audit.mocks] boundaries if it is one')


def _internal_members_message(patch: PatchContext) -> str:
    """mock-internal's message for a patch.multiple: the names of it that are code
    under audit ("" when every name is a boundary, a constant or unresolved)."""
    written = _shown(patch.patch)
    internal = []
    for member in patch.patch.members:
        resolution = patch.index.resolve(f"{patch.name}.{member}")
        if resolution.status == "internal" and not patch.index.module_data(resolution.name):
            internal.append((f"{written}.{member}", resolution.name))
    if not internal:
        return ""
    shown = ", ".join(w if w == name else f"{w} (= {name})" for w, name in internal)
    modules = sorted({patch.index.module_of(name) or name for _, name in internal})
    declare = ", ".join(f'"{m}"' for m in modules)
    return (f"patch.multiple patches {shown}, code under audit; patch a boundary, or declare "
            f"{declare} in [tool.audit.mocks] boundaries if it is one")


def patches_boundary(index: ProjectIndex, fact: PatchFact) -> bool:
    """Whether the patch replaces a boundary (third-party, standard library, a
    declared or inferred boundary of the package); every name, for patch.multiple."""
    names = patched_names(fact)
    return names is not None and all(
        index.resolve(name).status in ("external", "boundary") for name in names)


def is_internal(index: ProjectIndex, fact: PatchFact) -> bool:
    names = patched_names(fact)
    return names is not None and any(index.resolve(name).status == "internal" for name in names)


def replaces_project_code(index: ProjectIndex, fact: PatchFact) -> bool:
    """Whether the patch replaces the project's own code (what mock-density counts):
    not the standard library, a third-party package or a declared boundary. A
    first-party module inferred to be a binding still is the project's code, and
    a target that cannot be resolved counts: it may be the project's. A
    patch.multiple counts when one of its names is the project's code."""
    names = patched_names(fact)
    return names is None or any(index.replaces_project_code(name) for name in names)


def density_message(count: int, limit: int) -> str:
    return f"{count} patches of the code under audit active in one test (limit {limit})"
