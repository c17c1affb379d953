"""What one file contributes to the analysis, as plain data.

Extracting these facts is the expensive part (parsing with libcst); they are
computed in parallel and cached by file content hash, so a warm run only
re-parses changed files. Everything that depends on *other* files (patch
target resolution, fixtures from ``conftest.py``, helpers, the runtime
assertion count) is decided afterwards from these facts, cheaply.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from auditor.model import JSONDict


@dataclass
class PatchFact:
    """One patch applied by test code.

    ``target`` is the dotted string target (``patch("pkg.mod.name")``);
    ``object_ref`` the canonical dotted name of the object patched by
    ``patch.object(obj, "attr")``-like calls (``None`` when it is a local
    value that cannot be resolved statically), with ``attribute``.
    ``creates_mock`` is true when the patch makes a ``MagicMock`` itself (no
    ``new``/``new_callable``); ``has_spec`` when it is spec'd or autospec'd.
    """

    api: str  # patch | object | dict | multiple | monkeypatch
    line: int
    column: int
    target: str | None = None
    object_ref: str | None = None
    attribute: str | None = None
    creates_mock: bool = False
    has_spec: bool = False
    allows_create: bool = False
    count: int = 1  # how many patches this one counts as (mock-density)
    # patch.multiple: the attributes it replaces (its keywords), each a patched name
    members: list[str] = field(default_factory=list)
    via: str = "call"  # call | decorator | class-decorator | assign (``obj.x = Mock()``)
    # the mock the patch makes is configured or asserted by the function (an unused
    # one is an inert placeholder, where a spec protects nothing)
    used: bool = False
    replaces_with_mock: bool = False  # ``obj.x = Mock()``: the stub is a mock
    shown: str = ""  # the patched name as written (``logger.warning``), for messages
    # wraps= or side_effect=<the real function>: a spy, the real code still runs
    spy: bool = False
    bound: str = ""  # the name the patch's mock is stored in (``as m``, ``m = patch()``)
    # the test calls that mock itself (``with patch("pkg.Request", autospec=True) as
    # Request: request = Request()``): a way to build a spec'd stand-in
    factory: bool = False
    # a stub on an instance the test built (``grant = pkg.Grant(validator=v)``): the
    # keyword names of that constructor call ("**" for a ``**mapping``); None when
    # the object was not built in the function
    constructed_with: list[str] | None = None
    # the mock is used through its attributes (``m.get.return_value``, ``m.post()``
    # configured, ``Mock(**{"a.b": 1})``), not only as a plain callable
    # (``m.return_value = "abc"``)
    interface: bool = False


@dataclass
class AssertSite:
    """One assertion in test code. ``kind``: assert, raises, unittest, mock, call, fail,
    or expect (a parametrized expectation used as a context manager, warnings turned
    into errors: checks the test run does not count)."""

    kind: str
    line: int
    column: int
    on_mock: bool = False
    mock: str = ""  # the mock whose call record it checks, when known


@dataclass
class LocalFinding:
    """A finding decided from one function's code alone."""

    rule: str
    line: int
    column: int
    message: str
    # the roles of function this finding applies to (empty: any); whether a
    # function is a test is only settled once the test run's ids are known
    roles: list[str] = field(default_factory=list)
    # a mock stored on (or in a method of) an attribute of another object
    # (``worker.poller = Mock()``): that attribute, and the canonical class of the
    # object when the function built it ("" unknown). What the attribute holds is
    # settled against the code under audit (see Rule.keep_local).
    attribute: str = ""
    owner: str = ""
    # ... that mock is only pinned to return literal data and never checked
    pinned: bool = False


@dataclass
class FunctionFacts:
    """A test, fixture, helper or setUp method of a test file."""

    qualname: str  # "Class::name" or "name"
    name: str
    role: str  # test | fixture | helper | setup
    line: int  # the line of ``def``
    column: int
    end_line: int
    class_name: str | None = None
    params: list[str] = field(default_factory=list)
    fixture_name: str | None = None
    autouse: bool = False
    patches: list[PatchFact] = field(default_factory=list)
    asserts: list[AssertSite] = field(default_factory=list)
    helper_calls: list[str] = field(default_factory=list)
    findings: list[LocalFinding] = field(default_factory=list)
    skips: bool = False  # calls pytest.skip / self.skipTest: skipping is its verdict

    @classmethod
    def from_dict(cls, data: JSONDict) -> FunctionFacts:
        values = dict(data)
        values["patches"] = [PatchFact(**p) for p in data["patches"]]
        values["asserts"] = [AssertSite(**a) for a in data["asserts"]]
        values["findings"] = [LocalFinding(**f) for f in data["findings"]]
        return cls(**values)


@dataclass
class Suppression:
    """``# audit: ignore[rule-a, rule-b] reason`` on ``line``."""

    line: int
    rules: list[str]
    reason: str


@dataclass
class ClassFacts:
    """A class of the code under audit: its own attributes and its bases."""

    attributes: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)  # canonical names; "?" if not static
    # ``self.x = ...`` in its methods, ``setattr(self, "x", ...)`` and setattr over a
    # literal list of names ("*": set dynamically, setattr/__getattr__/__slots__)
    instance_attributes: list[str] = field(default_factory=list)
    # ``for k, v in kwargs.items(): setattr(self, k, v)`` over the ``**`` parameter of
    # ``__init__``: the constructor's keyword arguments become attributes
    kwargs_setattr: bool = False
    # ``def __getattr__(self, name): return getattr(self.target, name)``: "target"
    forwards_to: str = ""
    # ``self.x = pkg.Class(...)`` in its methods: x -> the canonical class name
    attribute_classes: dict[str, str] = field(default_factory=dict)
    # ... and the keyword names of that call (see auditor.mocks.instances.FORWARDED)
    attribute_keywords: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class FileFacts:
    """Everything the analysis needs from one file.

    ``kind`` is ``test`` (a test module or ``conftest.py``) or ``source``
    (a module of the code under audit). ``error`` is set, and the rest left
    empty, when the file cannot be decoded or parsed.
    """

    path: str
    module: str
    kind: str
    error: str | None = None
    error_line: int | None = None
    imports: dict[str, str] = field(default_factory=dict)
    imported_modules: list[str] = field(default_factory=list)
    functions: list[FunctionFacts] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    module_findings: list[LocalFinding] = field(default_factory=list)
    # source modules only
    names: dict[str, str] = field(default_factory=dict)  # name -> def|class|var|import:<target>
    classes: dict[str, ClassFacts] = field(default_factory=dict)
    dynamic: bool = False
    defines_code: bool = False
    # why the module may be a thin binding to the outside (inferred boundary)
    binding_imports: list[str] = field(default_factory=list)  # ctypes, socket, ...
    platform_specific: str = ""  # why, when it is
    functions_total: int = 0  # functions and methods defined
    functions_binding: int = 0  # ... of which use a binding import
    # functions ("name" or "Class.name") that touch the outside -> why (boundaries)
    outside: dict[str, str] = field(default_factory=dict)
    references: dict[str, list[str]] = field(default_factory=dict)  # function -> names it uses

    def to_dict(self) -> JSONDict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileFacts:
        values = dict(data)
        values["functions"] = [FunctionFacts.from_dict(f) for f in data["functions"]]
        values["suppressions"] = [Suppression(**s) for s in data["suppressions"]]
        values["module_findings"] = [LocalFinding(**f) for f in data["module_findings"]]
        values["classes"] = {n: ClassFacts(**c) for n, c in data["classes"].items()}
        return cls(**values)
