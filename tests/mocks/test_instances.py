"""mock-unresolved on direct stubs of instances: what a class's methods put on
its instances (setattr over ``**kwargs``, a forwarding ``__getattr__``), and
where only the run knows, no finding. Each case is a real project analysed
from its files; the expected verdicts follow from reading the class by hand."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from auditor.imports.checker import CheckRequest, check_imports
from auditor.mocks.engine import analyse_project
from auditor.mocks.evaluate import Settings
from auditor.mocks.lookup import importing_look_up
from auditor.mocks.result import MocksResult
from auditor.project import PackageLocation
from tests.mocks.projects import write_files
from tests.support.projects import tree_digest

GRANTS = textwrap.dedent("""\
    class Base:
        def __init__(self, validator=None, **kwargs):
            self.validator = validator
            for key, value in kwargs.items():
                setattr(self, key, value)


    class CodeGrant(Base):
        def create(self, request):
            return self.validator.save(request)


    class Proxy:
        def __getattr__(self, name):
            return getattr(self.target, name)

        def __setattr__(self, name, value):
            super().__setattr__(name, value)


    class OpenIdGrant(Proxy):
        def __init__(self, validator=None, **kwargs):
            self.target = CodeGrant(validator=validator, **kwargs)
    """)


def _analyse(tmp_path: Path, test_body: str) -> MocksResult:
    write_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/grants.py": GRANTS,
        "tests/__init__.py": "",
        "tests/test_grants.py": "from unittest.mock import Mock\n\n"
                                "from pkg.grants import CodeGrant, OpenIdGrant\n\n\n"
                                + textwrap.dedent(test_body),
    })
    return analyse_project(tmp_path, [PackageLocation("pkg", tmp_path / "pkg", tmp_path)],
                           [tmp_path / "tests"], Settings(packages=["pkg"]), workers=1)


def _unresolved(tmp_path: Path, test_body: str) -> list[tuple[int, str]]:
    result = _analyse(tmp_path, test_body)
    return [(f.line, f.test) for f in result.active if f.rule == "mock-unresolved"]


def test_stub_of_a_name_no_keyword_set_is_reported(tmp_path: Path) -> None:
    # Base.__init__ sets only the constructor's **kwargs: here none, so no
    # instance of CodeGrant has save_token (line 8: five lines of imports, the def, the constructor)
    found = _unresolved(tmp_path, """\
        def test_code():
            grant = CodeGrant(validator=None)
            grant.save_token = Mock()
            assert grant.create is not None
        """)
    assert found == [(8, "tests/test_grants.py::test_code")]


def test_stub_of_a_keyword_given_to_the_constructor_is_not(tmp_path: Path) -> None:
    found = _unresolved(tmp_path, """\
        def test_code():
            grant = CodeGrant(validator=None, save_token=None)
            grant.save_token = Mock()
            assert grant.create is not None
        """)
    assert found == []


def test_constructor_with_a_mapping_of_unknown_keys_is_not_judged(tmp_path: Path) -> None:
    result = _analyse(tmp_path, """\
        def test_code(options):
            grant = CodeGrant(validator=None, **options)
            grant.save_token = Mock()
            assert grant.create is not None
        """)
    assert [f for f in result.active if f.rule == "mock-unresolved"] == []
    # ... and the report says so
    assert any(note.startswith("mock-unresolved: 1 stub(s) on instances not judged")
               and "pkg.grants.CodeGrant.save_token" in note for note in result.notes)


def test_forwarding_getattr_is_followed_to_the_object_it_forwards_to(tmp_path: Path) -> None:
    # OpenIdGrant forwards lookups to self.target, a CodeGrant built with the
    # keywords given here: save_token exists on neither; create exists on the target
    found = _unresolved(tmp_path, """\
        def test_open_id():
            grant = OpenIdGrant(validator=None)
            grant.save_token = Mock()
            grant.create = Mock()
            assert grant.target is not None


        def test_open_id_keyword():
            grant = OpenIdGrant(validator=None, save_token=None)
            grant.save_token = Mock()
            assert grant.target is not None
        """)
    assert found == [(8, "tests/test_grants.py::test_open_id")]


DYNAMIC = textwrap.dedent("""\
    import collections

    for _name in ("alpha", "beta"):
        globals()[_name] = len


    class Table(collections.OrderedDict):
        def total(self):
            return sum(self.values())
    """)


@pytest.mark.slow
def test_doubtful_targets_are_settled_by_importing_the_module(tmp_path: Path) -> None:
    # pkg.dyn binds alpha and beta through globals(), and Table's methods come
    # partly from OrderedDict: only importing tells. alpha and Table.keys exist
    # (lines 6 and 12 of the test module are fine); gamma and Table.kyes do not.
    write_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/dyn.py": DYNAMIC,
        "tests/__init__.py": "",
        "tests/test_dyn.py": textwrap.dedent("""\
            from unittest import mock

            from pkg import dyn


            @mock.patch("pkg.dyn.alpha", autospec=True)
            @mock.patch("pkg.dyn.gamma", autospec=True)
            def test_names(gamma, alpha):
                assert dyn.beta("ab") == 2


            @mock.patch("pkg.dyn.Table.keys", autospec=True)
            @mock.patch("pkg.dyn.Table.kyes", autospec=True)
            def test_table(kyes, keys):
                assert dyn.Table(a=1).total() == 1
            """),
    })
    before = tree_digest(tmp_path)
    packages = [PackageLocation("pkg", tmp_path / "pkg", tmp_path)]
    settings = Settings(packages=["pkg"])
    static = analyse_project(tmp_path, packages, [tmp_path / "tests"], settings, workers=1)
    looked = analyse_project(tmp_path, packages, [tmp_path / "tests"], settings, workers=1,
                             look_up=importing_look_up(sys.executable, tmp_path, packages))
    assert [f for f in static.active if f.rule == "mock-unresolved"] == []
    assert [(f.line, f.severity) for f in looked.active if f.rule == "mock-unresolved"] == [
        (7, "error"), (13, "error")]
    assert any("2 do not exist" in note for note in looked.notes), looked.notes
    assert tree_digest(tmp_path) == before  # importing wrote nothing into the project


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["fork", "fresh"])
def test_the_import_worker_looks_attributes_up_in_both_modes(tmp_path: Path, mode: str) -> None:
    # m.py binds Box with a class attribute size and a property that raises:
    # size exists, Box.size.real exists (an int's), Box.lid does not, broken raises
    write_files(tmp_path, {"m.py": textwrap.dedent("""\
        class Meta(type):
            @property
            def broken(cls):
                raise RuntimeError("no")


        class Box(metaclass=Meta):
            size = 3
        """)})
    request = CheckRequest(python=sys.executable, root=tmp_path, import_roots=[tmp_path],
                           modules=["m"], mode=mode,
                           lookups={"m": ["Box.size", "Box.size.real", "Box.lid", "Box.broken"]})
    outcome = check_imports(request).outcomes["m"]
    assert outcome.ok
    assert outcome.lookups == {"Box.size": True, "Box.size.real": True, "Box.lid": False,
                               "Box.broken": None}
