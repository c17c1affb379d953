"""``do_not_mutate`` matches as every module glob does: ``*`` stays in its folder.

mutmut's own matcher (``fnmatch``) lets ``shop/*.py`` take ``shop/extra/more.py``
too; the audit matches the globs itself and hands mutmut the files. One
real ``audit mutate`` of a project with a module in ``shop/`` and one in
``shop/extra/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mutation.projects import NO_HYPOTHESIS, audit, report
from tests.support.projects import write_files

pytestmark = pytest.mark.slow

PROJECT = {
    "pyproject.toml": """
        [project]
        name = "shop"
        version = "0"

        [tool.audit]
        packages = ["shop"]
        tests = ["tests"]

        [tool.audit.mutation]
        explain = 0
        do_not_mutate = ["shop/*.py"]
    """,
    "shop/__init__.py": "",
    "shop/pricing.py": "def add(a, b):\n    return a + b\n",
    "shop/extra/__init__.py": "",
    "shop/extra/more.py": "def double(x):\n    return x * 2\n",
    "tests/test_shop.py": """
        from shop.extra.more import double
        from shop.pricing import add


        def test_add():
            assert add(2, 3) == 5


        def test_double():
            assert double(4) == 8
    """,
}


def test_star_does_not_cross_into_subpackages(tmp_path: Path) -> None:
    root = write_files(tmp_path / "p", PROJECT)
    done = audit("mutate", str(root), "--output", str(tmp_path / "out"), env=NO_HYPOTHESIS)
    assert done.returncode == 0, done.stderr
    mutants = report(tmp_path / "out")["analyses"]["mutation"]["mutants"]
    # shop/pricing.py is left alone; shop/extra/more.py (x * 2) is mutated
    assert mutants and {m["path"] for m in mutants} == {"shop/extra/more.py"}
