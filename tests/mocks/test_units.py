"""The parts of the analysis on their own: resolver, suppressions, extraction."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from auditor.mocks.cli import rules
from auditor.mocks.extract import ExtractJob, extract
from auditor.mocks.facts import ClassFacts, FileFacts
from auditor.mocks.resolve import ProjectIndex
from auditor.mocks.rules import RULES, rule_ids
from auditor.mocks.suppress import parse_suppressions


def _module(name: str, names: dict[str, str], classes: dict[str, ClassFacts] | None = None,
            dynamic: bool = False) -> FileFacts:
    return FileFacts(path=name.replace(".", "/") + ".py", module=name, kind="source",
                     names=names, classes=classes or {}, dynamic=dynamic)


@pytest.fixture
def index() -> ProjectIndex:
    modules = {
        "pkg": _module("pkg", {"api": "import:pkg.api"}),
        "pkg.api": _module("pkg.api", {
            "requests": "import:requests", "helper": "import:pkg.util.helper",
            "Client": "class", "Adapter": "import:pkg.adapters.http.Adapter", "LIMIT": "var",
        }, {"Client": ClassFacts(["send"], ["pkg.api.Base"]),
            "Base": ClassFacts(["close"], ["object"])}),
        "pkg.util": _module("pkg.util", {"helper": "def"}),
        "pkg.plugins": _module("pkg.plugins", {}, dynamic=True),
        "pkg.adapters.http": _module("pkg.adapters.http", {"Adapter": "class"},
                                     {"Adapter": ClassFacts(["get"], ["object"])}),
    }
    modules["pkg.api"].names["Base"] = "class"
    return ProjectIndex(modules, ["pkg"], ["pkg.adapters"])


@pytest.mark.parametrize(("target", "status", "name"), [
    ("pkg.api.requests.get", "external", "requests.get"),
    ("requests.get", "external", "requests.get"),
    ("pkg.api.helper", "internal", "pkg.util.helper"),
    ("pkg.api.Client.send", "internal", "pkg.api.Client.send"),
    ("pkg.api.Client.close", "internal", "pkg.api.Client.close"),
    ("pkg.api.Client.sned", "unresolved", "pkg.api.Client.sned"),
    ("pkg.api.LIMIT", "internal", "pkg.api.LIMIT"),
    ("pkg.api.missing", "unresolved", "pkg.api.missing"),
    ("pkg.apx.helper", "unresolved", "pkg.apx.helper"),
    ("pkg.plugins.anything", "internal", "pkg.plugins.anything"),
    ("pkg.api.Adapter.get", "boundary", "pkg.adapters.http.Adapter.get"),
    ("pkg.api.Adapter.gte", "unresolved", "pkg.adapters.http.Adapter.gte"),
])
def test_resolution(index: ProjectIndex, target: str, status: str, name: str) -> None:
    resolution = index.resolve(target)
    assert (resolution.status, resolution.name) == (status, name)


_RULE = st.sampled_from(rule_ids())
_REASON = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="#\r\n\x0b\x0c\x1c"
                                         "\x1d\x1e\x85\u2028\u2029"), max_size=40)


@given(st.lists(_RULE, min_size=1, max_size=3, unique=True), _REASON)
def test_suppression_round_trip(rule_list: list[str], reason: str) -> None:
    line = f"x = 1  # audit: ignore[{', '.join(rule_list)}] {reason}\n"
    [parsed] = parse_suppressions(line)
    assert parsed.rules == rule_list
    assert parsed.reason == reason.strip().lstrip(":-—– ").strip()
    assert parsed.line == 1


def test_suppression_in_a_string_is_not_a_suppression() -> None:
    assert parse_suppressions('s = "# audit: ignore[test-sleep] no"\n') == []


def _facts(code: str) -> FileFacts:
    return extract(ExtractJob("tests/test_x.py", "tests.test_x", "test", False,
                              textwrap.dedent(code).encode()))


def test_decorator_mocks_are_the_first_parameters() -> None:
    facts = _facts("""
        from unittest import mock

        @mock.patch("a.b", autospec=True)
        @mock.patch("a.c", new=1)
        @mock.patch("a.d", autospec=True)
        def test_x(mock_d, mock_b, tmp_path):
            mock_d.return_value = 3
            assert mock_d() == 3
    """)
    [fn] = facts.functions
    assert [(p.target, p.creates_mock) for p in fn.patches] == [
        ("a.b", True), ("a.c", False), ("a.d", True)]
    assert fn.params == ["mock_d", "mock_b", "tmp_path"]
    assert [f.rule for f in fn.findings] == ["mock-echo"]


def test_fixture_roles_and_names() -> None:
    facts = _facts("""
        import pytest

        @pytest.fixture(name="db", autouse=True)
        def make_db(mocker):
            mocker.patch("x.y", autospec=True)

        class TestA:
            def setup_method(self):
                pass

            def test_a(self, db):
                assert db

            def helper(self):
                pass
    """)
    roles = {(f.qualname, f.role, f.fixture_name, f.autouse) for f in facts.functions}
    assert roles == {("make_db", "fixture", "db", True), ("TestA::setup_method", "setup", None,
                     False), ("TestA::test_a", "test", None, False),
                     ("TestA::helper", "helper", None, False)}


def test_source_module_bindings() -> None:
    facts = extract(ExtractJob("pkg/m.py", "pkg.m", "source", False, textwrap.dedent("""
        import os.path
        from . import sibling
        from .other import thing as alias
        try:
            import ujson as json
        except ImportError:
            import json
        LIMIT: int = 3
        a, b = 1, 2

        class K(Base, metaclass=Meta):
            x = 1
            def run(self): ...
    """).encode()))
    assert facts.names["os"] == "import:os"
    assert facts.names["sibling"] == "import:pkg.sibling"
    assert facts.names["alias"] == "import:pkg.other.thing"
    assert facts.names["json"] == "import:json"
    assert {facts.names[k] for k in ("LIMIT", "a", "b")} == {"var"}
    assert facts.classes["K"] == ClassFacts(attributes=["run", "x"], bases=["pkg.m.Base", "?"])


def test_rules_command_lists_and_shows() -> None:
    runner = CliRunner()
    listing = runner.invoke(rules, [])
    assert listing.exit_code == 0
    assert [line.split()[0] for line in listing.output.splitlines()[: len(RULES)]] == rule_ids()
    one = runner.invoke(rules, ["mock-echo"])
    assert one.exit_code == 0
    assert one.output.startswith("mock-echo (warning): asserts that a mock returns")
    assert "INVALID:" in one.output and "VALID:" in one.output
    unknown = runner.invoke(rules, ["mock-nope"])
    assert unknown.exit_code == 2
    assert "unknown rule 'mock-nope'" in unknown.output


def test_canonical_names_fold_the_mock_backport() -> None:
    from auditor.mocks.names import canonical, dotted

    imports = {"mock": "mock", "p": "unittest.mock.patch", "np": "numpy"}
    assert canonical("mock.patch.object", imports) == "unittest.mock.patch.object"
    assert canonical("p.dict", imports) == "unittest.mock.patch.dict"
    assert canonical("np.testing.assert_equal", imports) == "numpy.testing.assert_equal"
    assert canonical("local.thing", imports) == "local.thing"
    import libcst as cst

    assert dotted(cst.parse_expression("a.b.c")) == "a.b.c"
    assert dotted(cst.parse_expression("a().b")) is None


def test_rule_severity_is_checked() -> None:
    from auditor.mocks.rules.base import Rule

    with pytest.raises(ValueError, match="unknown severity 'fatal'"):
        type("Fatal", (Rule,), {"id": "x", "message": "m", "rationale": "r",
                                "severity": "fatal"})


def test_scan_tracks_mocks_and_configured_values() -> None:
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from auditor.mocks.scan import scan_function

    code = textwrap.dedent("""
        def test_x(mocker):
            client = mocker.patch("a.Client", autospec=True, return_value=7)
            api = client.api
            api.get.return_value = {"k": 1}
            with mock.patch("a.b", autospec=True) as b:
                result = b()
            self.helper = Mock(spec=int)
    """)
    wrapper = MetadataWrapper(cst.parse_module(code), unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    function = wrapper.module.body[0]
    assert isinstance(function, cst.FunctionDef)
    scan = scan_function(function.body, "test", {"mock": "unittest.mock",
                                                 "Mock": "unittest.mock.Mock"},
                         positions, wrapper.module, [])
    assert scan.mock_vars == {"client", "api", "b", "self.helper"}
    assert scan.configured == {"client": {"7"}, "api": {'{"k": 1}'}}
    assert scan.result_vars == {"result": "b"}
