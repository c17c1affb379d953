"""What real suites do, and the audit must survive without hand-holding."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.support.projects import read_report, run_audit, tree_digest, write_files

pytestmark = pytest.mark.slow

FLAT_PACKAGE = {
    "shapes/__init__.py": "",
    "shapes/area.py": """
        import warnings


        def square(side):
            if side < 0:
                raise ValueError("negative side")
            return side * side


        def legacy(side):
            warnings.warn("use square", DeprecationWarning, stacklevel=2)
            return square(side)
    """,
}


def _audit_ok(root: Path) -> dict[str, object]:
    before = tree_digest(root)
    run = run_audit("coverage", root)
    assert run.exit_code == 0, run.stderr
    assert tree_digest(root) == before
    return read_report(root)


@pytest.mark.installed_plugins  # the project's addopts ask for pytest-cov
def test_pytest_cov_forced_in_addopts_does_not_clobber_our_data(tmp_path: Path) -> None:
    root = write_files(tmp_path, {
        **FLAT_PACKAGE,
        "pyproject.toml": """
            [tool.pytest.ini_options]
            addopts = "--cov=shapes --cov-report=term"
            [tool.audit]
            packages = ["shapes"]
            tests = ["tests"]
        """,
        "tests/test_area.py": """
            from shapes.area import square

            def test_square():
                assert square(3) == 9
        """,
        # Hypothesis keeps an example database in ./.hypothesis unless told otherwise.
        "tests/test_property.py": """
            from hypothesis import given, strategies as st
            from shapes.area import square

            @given(st.integers(min_value=0, max_value=1000))
            def test_square_is_not_negative(side):
                assert square(side) >= 0
        """,
    })
    report = _audit_ok(root)
    assert not (root / ".hypothesis").exists()
    module = report["analyses"]["coverage"]["modules"]["shapes/area.py"]  # type: ignore[index]
    # Lines not run: the raise, and legacy's two body lines.
    assert len(module["missing_lines"]) == 3


def test_warnings_as_errors_and_tests_inside_the_package(tmp_path: Path) -> None:
    root = write_files(tmp_path, {
        **FLAT_PACKAGE,
        "setup.cfg": """
            [tool:pytest]
            filterwarnings = error
        """,
        "pyproject.toml": """
            [tool.audit]
            packages = ["shapes"]
            tests = ["shapes/tests"]
        """,
        "shapes/tests/__init__.py": "",
        "shapes/tests/test_area.py": """
            import pytest
            from shapes.area import legacy, square

            def test_square():
                assert square(2) == 4

            def test_legacy_warns():
                with pytest.warns(DeprecationWarning):
                    assert legacy(2) == 4
        """,
    })
    report = _audit_ok(root)
    modules = report["analyses"]["coverage"]["modules"]  # type: ignore[index]
    assert sorted(modules) == ["shapes/__init__.py", "shapes/area.py"]
    assert modules["shapes/area.py"]["missing_lines"] != []


def test_unittest_suite_with_hidden_pytest_ini(tmp_path: Path) -> None:
    root = write_files(tmp_path, {
        **FLAT_PACKAGE,
        ".pytest.ini": """
            [pytest]
            python_files = check_*.py
        """,
        "pyproject.toml": """
            [tool.audit]
            packages = ["shapes"]
            tests = ["checks"]
        """,
        "checks/check_area.py": """
            import unittest
            from shapes.area import square

            class SquareTest(unittest.TestCase):
                def test_square(self):
                    self.assertEqual(square(5), 25)

                def test_negative(self):
                    with self.assertRaises(ValueError):
                        square(-1)
        """,
    })
    report = _audit_ok(root)
    tests = report["tests"]["tests"]  # type: ignore[index]
    assert {t["nodeid"]: t["assertions_executed"] for t in tests} == {
        "checks/check_area.py::SquareTest::test_square": 1,
        "checks/check_area.py::SquareTest::test_negative": 1,
    }


def test_project_virtualenv_bin_is_on_path(tmp_path: Path) -> None:
    """A suite that calls a console script of its own virtualenv."""
    root = write_files(tmp_path, {
        **FLAT_PACKAGE,
        "pyproject.toml": """
            [tool.audit]
            packages = ["shapes"]
            tests = ["tests"]
        """,
        "tests/test_tool.py": """
            import subprocess

            def test_console_script():
                done = subprocess.run(["shapes-tool"], capture_output=True, text=True)
                assert done.stdout.strip() == "ok"
        """,
    })
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")],
                   check=True)
    # The fixture venv borrows this interpreter's packages (pytest, coverage).
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = root / ".venv" / "lib" / version / "site-packages"
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    tool = root / ".venv" / "bin" / "shapes-tool"
    tool.write_text("#!/bin/sh\necho ok\n")
    tool.chmod(0o755)
    report = _audit_ok(root)
    assert report["tests"]["counts"]["passed"] == 1  # type: ignore[index]
    assert report["tests"]["command"][0] == str(root / ".venv" / "bin" / "python")  # type: ignore[index]
