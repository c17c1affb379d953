"""test-no-assert's static check on assertions the code under test runs for the
test: a class of the test module whose method asserts, handed to the code (an
application object whose ``wsgi()`` checks the environment). The project is
analysed from its files without a test run (the verdict is then static, as
under ``--assert=plain``); the expected verdicts follow from reading it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.mocks.engine import analyse_project
from auditor.mocks.evaluate import Settings
from auditor.project import PackageLocation
from tests.mocks.projects import write_files

SERVER = textwrap.dedent("""\
    def serve(app):
        return app.wsgi()
    """)

TESTS = textwrap.dedent("""\
    import os

    from pkg.server import serve


    def verify_env():
        assert os.environ.get("MODE") == "test"


    class CheckingApp:
        def wsgi(self):
            verify_env()
            return [b"OK"]


    class PlainApp:
        def wsgi(self):
            return [b"OK"]


    def test_checks_through_the_app(monkeypatch):
        monkeypatch.setenv("MODE", "test")
        serve(CheckingApp())


    def test_checks_nothing():
        serve(PlainApp())
    """)


def test_a_class_of_the_test_module_that_asserts_counts(tmp_path: Path) -> None:
    write_files(tmp_path, {"pkg/__init__.py": "", "pkg/server.py": SERVER,
                           "tests/__init__.py": "", "tests/test_server.py": TESTS})
    result = analyse_project(tmp_path, [PackageLocation("pkg", tmp_path / "pkg", tmp_path)],
                             [tmp_path / "tests"], Settings(packages=["pkg"]), workers=1)
    flagged = sorted(f.test for f in result.active if f.rule == "test-no-assert")
    # CheckingApp.wsgi calls verify_env, which asserts; PlainApp asserts nothing
    assert flagged == ["tests/test_server.py::test_checks_nothing"]
