"""mock-unresolved on direct stubs of instances: what a class's methods put on
its instances (setattr over ``**kwargs``, a forwarding ``__getattr__``), and
where only the run knows, no finding. Each case is a real project analysed
from its files; the expected verdicts follow from reading the class by hand."""

from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.mocks.engine import analyse_project
from auditor.mocks.evaluate import Settings
from auditor.project import PackageLocation
from tests.mocks.projects import write_files

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


def _unresolved(tmp_path: Path, test_body: str) -> list[tuple[int, str]]:
    write_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/grants.py": GRANTS,
        "tests/__init__.py": "",
        "tests/test_grants.py": "from unittest.mock import Mock\n\n"
                                "from pkg.grants import CodeGrant, OpenIdGrant\n\n\n"
                                + textwrap.dedent(test_body),
    })
    result = analyse_project(tmp_path, [PackageLocation("pkg", tmp_path / "pkg", tmp_path)],
                             [tmp_path / "tests"], Settings(packages=["pkg"]), workers=1)
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
    found = _unresolved(tmp_path, """\
        def test_code(options):
            grant = CodeGrant(validator=None, **options)
            grant.save_token = Mock()
            assert grant.create is not None
        """)
    assert found == []


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
