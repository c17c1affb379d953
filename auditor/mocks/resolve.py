"""Resolving patch targets through the project's import graph.

A dotted name such as ``app.pricing.requests.get`` is split into the longest
prefix that is a module of the code under audit (``app.pricing``) and the
attributes after it. Each attribute is looked up in what that module binds:
a definition of the module itself (the target is *internal*), a name it
imported (followed: ``requests`` leads to ``requests.get``, which is
*external*), or nothing (the target is *unresolved*). A target that exists and
lies in a module declared as a boundary (an adapter) is a *boundary*, like
everything outside the packages under audit.

A first-party module can also *be* the boundary without being declared: a thin
binding to the outside (most of its functions use ``ctypes``, ``socket``,
``subprocess``, an HTTP client, a database driver or an OS API it imports), or
a platform-specific module (``_windows``, ``macos``). Those are *inferred*
boundaries, each with its reason; ``[tool.audit.mocks] internal`` overrides an
inference.

``mock.patch`` itself creates a builtin patched on a module (``pkg.mod.open``)
and every module has its dunders (``__file__``); neither is unresolved.

Where static knowledge ends (a star import, a module ``__getattr__``, a class
whose bases are not all known), the resolver gives the benefit of the doubt:
nothing is reported as unresolved that might exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.mocks import names as n
from auditor.mocks.facts import ClassFacts, FileFacts
from auditor.mocks.instances import FORWARDED
from auditor.mocks.outside import is_strong, strong_reason

_MAX_HOPS = 20
_OUTSIDE_DEPTH = 3


def _verb(reason: str) -> str:
    """``uses subprocess`` stays; ``a rich.prompt.Confirm class: asks...`` -> ``asks...``."""
    return reason.split(": ", 1)[1] if reason.startswith("a ") and ": " in reason else reason


@dataclass(frozen=True)
class Resolution:
    """``status``: internal, boundary, external or unresolved; ``name`` is the
    canonical name the target resolved to."""

    status: str
    name: str
    detail: str = ""


class ProjectIndex:
    """What the modules of the code under audit define and import."""

    def __init__(
        self, sources: dict[str, FileFacts], packages: list[str], boundaries: list[str],
        internal: list[str] | None = None, seen: dict[str, bool | None] | None = None,
    ) -> None:
        self.modules = sources  # dotted module name -> facts
        self.packages = sorted(packages)
        self.boundaries = sorted(boundaries)
        self.internal = sorted(internal or [])
        self.inferred = {
            module: reason for module, facts in sorted(sources.items())
            if (reason := inferred_reason(facts)) and not _within(module, self.internal)
            and not _within(module, self.boundaries)  # declared: nothing to infer
        }
        # functions inferred to be boundaries that a patch of the suite hit -> why
        self.used_inferred: dict[str, str] = {}
        self._instances = False  # class lookups also see instance attributes
        # the keyword names of the constructor call that built the instance
        # (None: not known, so attributes set from **kwargs may be anything)
        self._keywords: frozenset[str] | None = None
        # self.<attribute> -> the class the instance's methods build it from, gathered
        # from the instance's class down its bases (the subclass's first)
        self._built: dict[str, tuple[str, list[str]]] = {}
        self._cache: dict[str, Resolution] = {}
        self._raw: dict[str, str] = {}  # name -> status before boundary inference
        # Where static reading cannot tell (a dynamic module, a base class outside
        # the package): ``seen`` holds what importing the module showed (dotted
        # name -> found; None: looking failed), and ``doubts`` collects the
        # (module, attribute path) pairs nobody looked at yet.
        self.seen = dict(seen or {})
        self.doubts: set[tuple[str, str]] = set()
        # stubs on instances (``pkg.Class.attr``) whose class may set the attribute
        # in a way only the run shows (setattr with computed names, a base outside
        # the package): not reported, counted in a note
        self.instance_doubts: set[str] = set()
        self._doubted = False

    def is_first_party(self, name: str) -> bool:
        return _within(name, self.packages)

    def is_boundary(self, name: str) -> bool:
        if _within(name, self.boundaries):
            return True
        module = self.module_of(name)
        return module is not None and module in self.inferred

    def replaces_project_code(self, name: str) -> bool:
        """Whether patching ``name`` replaces the project's own code: it resolves into
        the packages under audit (an inferred boundary still is the project's code)
        or cannot be resolved, and is not in a declared boundary."""
        if _within(name, self.boundaries):
            return False
        resolved = self.resolve(name)  # also records the status before inference
        return self._raw[name] in ("internal", "unresolved") and not _within(
            resolved.name, self.boundaries)

    def module_of(self, name: str) -> str | None:
        """The longest prefix of ``name`` that is a module under audit."""
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in self.modules:
                return candidate
        return None

    def made_by_stdlib(self, name: str) -> bool:
        """``pkg.mod.log`` where ``log = logging.getLogger(...)``: a value of the
        standard library stored in a module of the code under audit."""
        module = self.module_of(name)
        if module is None or name == module:
            return False
        binding = self.modules[module].names.get(name[len(module) + 1 :].split(".")[0], "")
        return binding.startswith("var:") and n.is_stdlib(binding[len("var:") :])

    def attribute_outside(self, attribute: str, owner: str | None = None) -> str:
        """The class from outside the package (standard library or third party)
        whose instance ``attribute`` holds on objects of the code under audit:
        ``self.poller = selectors.DefaultSelector()`` in a method, or ``self.tpool
        = self.get_thread_pool()`` where that method returns
        ``futures.ThreadPoolExecutor(...)``. ``owner`` is the canonical class of
        the object when the test built it; unknown, every class of the package
        that sets the attribute must agree. "" when any of them sets it otherwise
        (a parameter, first-party code) or none sets it."""
        classes = self._classes_setting(attribute, owner)
        made: set[str] = set()
        for cls in classes:
            value = cls.attribute_classes.get(attribute)
            if value is None:
                return ""  # set from a parameter or an expression: not known
            made.add(value)
        if not made or any(self._resolve(value, 0).status != "external" for value in made):
            return ""
        return sorted(made)[0]

    def module_data(self, name: str) -> bool:
        """``pkg.mod.FLAG`` where the module binds ``FLAG = <expression>`` (a
        constant, a platform flag): a value, not code; a value made by a call
        (``log = logging.getLogger()``, ``local = LocalMachine()``) is an object
        with methods and does not count."""
        module = self.module_of(name)
        if module is None or name == module:
            return False
        rest = name[len(module) + 1 :]
        return "." not in rest and self.modules[module].names.get(rest) == "var"

    def instance_data(self, attribute: str) -> bool:
        """Whether a class of the package sets ``attribute`` on its instances
        (``self.wsgi = self.app.wsgi()``) rather than defining it as a method."""
        return any(attribute in cls.instance_attributes and attribute not in cls.attributes
                   for facts in self.modules.values() for cls in facts.classes.values())

    def _classes_setting(self, attribute: str, owner: str | None) -> list[ClassFacts]:
        """The classes whose methods set ``self.<attribute>``: ``owner`` and its
        first-party bases when it is a class under audit, else every class."""
        if owner is not None and self.is_first_party(owner):
            found: list[ClassFacts] = []
            pending, seen = [self._resolve(owner, 0).name], set()
            while pending:
                name = pending.pop()
                module = self.module_of(name)
                if name in seen or module is None or name == module:
                    continue
                seen.add(name)
                cls = self.modules[module].classes.get(name[len(module) + 1 :])
                if cls is None:
                    continue
                if attribute in cls.instance_attributes:
                    found.append(cls)
                pending += [b for b in cls.bases if self.is_first_party(b)]
            return found
        return [cls for facts in self.modules.values() for cls in facts.classes.values()
                if attribute in cls.instance_attributes]

    def outside(self, name: str, depth: int = 0) -> str:
        """Why the function ``name`` touches the outside ("" if it does not): its
        own code, a class it belongs to that derives from a prompt or binding
        class, or a function of the package it calls that asks the user or uses
        a binding module (followed a few calls deep)."""
        module = self.module_of(name)
        if module is None or name == module or depth > _OUTSIDE_DEPTH:
            return ""
        facts = self.modules[module]
        rest = name[len(module) + 1 :]
        own = facts.outside.get(rest, "")
        if own:
            return own
        cls = facts.classes.get(rest.split(".")[0])
        if cls is not None:
            for base in cls.bases:
                if why := strong_reason(base):
                    return f"a {base} class: {why}"
        if depth == _OUTSIDE_DEPTH:
            return ""
        for reference in facts.references.get(rest, []):
            target = reference if "." in reference else f"{module}.{reference}"
            if not self.is_first_party(target) or target == name:
                continue
            defined = self._resolve(target, 0).name
            why = self.outside(defined, depth + 1)
            if why and is_strong(why):
                return f"calls {defined.rpartition('.')[2]}, which {_verb(why)}"
        return ""

    def resolve_on_instance(self, name: str, keywords: list[str] | None = None) -> Resolution:
        """Like :meth:`resolve` for ``pkg.Class.attr`` set on an *instance*: the
        attributes its methods assign (``self.attr = ...``) exist too, so do the
        constructor's keywords (``keywords``, from the call that built it) where
        ``__init__`` sets its ``**kwargs`` as attributes, and the attributes of the
        object a forwarding ``__getattr__`` hands lookups to."""
        self._instances = True
        self._keywords = None if keywords is None or "**" in keywords else frozenset(keywords)
        self._built = {}
        try:
            result = self._resolve(name, 0)
            if result.status != "unresolved" and self._doubted:
                self.instance_doubts.add(name)  # only the run knows: not reported
            return result
        finally:
            self._instances = False
            self._keywords = None

    def resolve(self, name: str) -> Resolution:
        if name not in self._cache:
            result = self._resolve(name, 0)
            self._raw[name] = result.status
            if result.status == "internal" and self.is_boundary(result.name):
                result = Resolution("boundary", result.name, result.detail)
            elif result.status == "internal" and not _within(result.name, self.internal) and (
                why := self.outside(result.name)
            ):
                result = Resolution("boundary", result.name, why)
                self.used_inferred[result.name] = why
            self._cache[name] = result
        return self._cache[name]

    def _resolve(self, name: str, hops: int) -> Resolution:
        if hops > _MAX_HOPS:
            return Resolution("internal", name, "import cycle")
        if not self.is_first_party(name):
            return Resolution("external", name)
        module = self.module_of(name)
        if module is None:
            return Resolution("unresolved", name, f"no module {name.split('.')[0]!r}"
                              " of that name is under audit")
        rest = name[len(module) + 1 :].split(".") if name != module else []
        if not rest:
            return Resolution("internal", name)
        facts = self.modules[module]
        if n.is_dunder(rest[0]) and len(rest) == 1:
            # every module has its dunders (__file__, __name__...): metadata, not code
            return Resolution("external", name, "module attribute")
        binding = facts.names.get(rest[0])
        if binding is None:
            if rest[0] in n.BUILTIN_NAMES and len(rest) == 1:
                # mock.patch creates a builtin patched on a module (create=True)
                return Resolution("external", f"builtins.{rest[0]}")
            if facts.dynamic or facts.error:
                if self._absent(module, ".".join(rest)):
                    return Resolution("unresolved", name, f"module {module} has no "
                                      f"{rest[0]!r} (seen by importing it)")
                return Resolution("internal", name, "dynamic module")
            return Resolution("unresolved", name, f"module {module} has no {rest[0]!r}")
        if binding.startswith("import:"):
            target = binding[len("import:") :]
            followed = ".".join([target, *rest[1:]])
            result = self._resolve(followed, hops + 1)
            return Resolution(result.status, result.name, result.detail)
        if binding == "class" and len(rest) > 1:
            self._doubted = False
            if not self._class_has(module, rest[0], rest[1], hops):
                return Resolution("unresolved", name,
                                  f"class {module}.{rest[0]} has no {rest[1]!r}")
            # an instance may still get it from a base's __init__: only the class is
            # looked at by importing, and only for a patch of the class itself
            if self._doubted and not self._instances and self._absent(
                module, f"{rest[0]}.{rest[1]}"
            ):
                return Resolution("unresolved", name, f"class {module}.{rest[0]} has no "
                                  f"{rest[1]!r} (seen by importing it)")
        return Resolution("internal", name)

    def _absent(self, module: str, path: str) -> bool:
        """Whether importing ``module`` showed that ``path`` does not exist on it;
        a pair not looked at yet becomes a doubt (and is given the benefit of it)."""
        full = f"{module}.{path}"
        if full not in self.seen:
            self.doubts.add((module, path))
            return False
        return self.seen[full] is False

    def _class_has(self, module: str, class_name: str, attribute: str, hops: int) -> bool:
        """Whether a class (or one of its bases) binds ``attribute``; True when unsure."""
        if hops > _MAX_HOPS or attribute.startswith("__"):
            return True
        facts = self.modules.get(module)
        if facts is None or class_name not in facts.classes:
            return True
        cls = facts.classes[class_name]
        if attribute in cls.attributes:
            return True
        if self._instances and self._on_instances(cls, attribute, hops):
            return True
        for base in cls.bases:
            if base in ("object", "builtins.object"):
                continue
            base_module = self.module_of(base)
            if base == "?" or base_module is None or not self.is_first_party(base):
                self._doubted = True
                return True  # an external or dynamic base may provide it
            base_rest = base[len(base_module) + 1 :]
            binding = self.modules[base_module].names.get(base_rest)
            if binding is not None and binding.startswith("import:"):
                target = binding[len("import:") :]
                target_module = self.module_of(target)
                if target_module is None:
                    self._doubted = True
                    return True
                base_module, base_rest = target_module, target[len(target_module) + 1 :]
            if "." in base_rest:
                self._doubted = True
                return True
            if self._class_has(base_module, base_rest, attribute, hops + 1):
                return True
        return False


    def _on_instances(self, cls: ClassFacts, attribute: str, hops: int) -> bool:
        """Whether the methods of ``cls`` may put ``attribute`` on an instance
        (``_doubted`` is set when only the run could tell)."""
        for name, made in cls.attribute_classes.items():
            self._built.setdefault(name, (made, cls.attribute_keywords.get(name, ["**"])))
        if attribute in cls.instance_attributes:
            return True
        if "*" in cls.instance_attributes or (cls.kwargs_setattr and self._keywords is None):
            self._doubted = True
            return True
        if cls.kwargs_setattr and attribute in (self._keywords or ()):
            return True
        if not cls.forwards_to:
            return False
        # __getattr__ forwards to self.<forwards_to>: look there, with the class its
        # methods (or a subclass's) build it from; unknown -> it may have anything
        built = self._built.get(cls.forwards_to)
        if built is None:
            self._doubted = True
            return True
        made = self._resolve(built[0], 0).name
        module = self.module_of(made)
        if not self.is_first_party(made) or module is None or made == module:
            self._doubted = True
            return True
        # the keywords that object was built with: its own call's, plus the ones the
        # instance's constructor passed on through **kwargs
        outer = self._keywords
        inner = set(built[1]) - {FORWARDED}
        if "**" in inner or (FORWARDED in built[1] and outer is None):
            self._keywords = None
        else:
            self._keywords = frozenset(inner | (outer or frozenset()))
        try:
            return self._class_has(module, made[len(module) + 1 :], attribute, hops + 1)
        finally:
            self._keywords = outer


def _within(name: str, prefixes: list[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def inferred_reason(facts: FileFacts) -> str:
    """Why a module of the code under audit is a thin binding to the outside ("" if not).

    A platform-specific module always is; a module importing a binding module
    (ctypes, socket, subprocess, an HTTP client, a DB driver, an OS API) is when
    at least half of its functions and methods use that import, so a module of
    business logic that runs one subprocess stays code under audit.
    """
    if facts.platform_specific:
        return facts.platform_specific
    if not facts.binding_imports:
        return ""
    if facts.functions_total and facts.functions_binding * 2 < facts.functions_total:
        return ""
    used = (f"{facts.functions_binding} of {facts.functions_total} functions use it"
            if facts.functions_total else "no functions of its own")
    return f"imports {', '.join(facts.binding_imports)}; {used}"
