"""Zero-config start (issue 14, part 7): no ``[tool.audit]``, and the audit still runs.

The inference is checked on real project trees in ``tmp_path`` through the
real configuration loader; the expected packages and tests are read off each
fixture by hand (the comment says where they come from). The command-line
tests run ``audit`` in a subprocess, as a new user does.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from auditor.errors import EXIT_GATE_FAILED, EXIT_OK, EXIT_USAGE, ConfigError
from auditor.registry import load_config
from tests.support.projects import init_repo, run_audit, tree_digest, write_files

PACKAGE = {"__init__.py": "", "core.py": "def one():\n    return 1\n"}
TEST = "from {pkg}.core import one\n\n\ndef test_one():\n    assert one() == 1\n"


def project(root: Path, pyproject: str, packages: dict[str, str],
            tests: tuple[str, ...] = ("tests",), **extra: str) -> Path:
    """A project: ``packages`` maps a package folder (e.g. ``src/shop``) to its import name."""
    files = {"pyproject.toml": pyproject, **extra}
    for folder, name in packages.items():
        files.update({f"{folder}/{f}": text for f, text in PACKAGE.items()})
        for test_dir in tests:
            files[f"{test_dir}/test_{name}.py"] = TEST.format(pkg=name)
    return write_files(root, files)


CASES = [
    # [project] name "My-Shop" is imported as my_shop (PEP 503 normalisation, then _)
    ('[project]\nname = "My-Shop"\n', {"src/my_shop": "my_shop", "src/extra": "extra"},
     ["my_shop"], ["tests"], ()),
    # src layout, no usable name: every package in src/
    ('[project]\nname = "tools"\n', {"src/alpha": "alpha", "src/beta": "beta"},
     ["alpha", "beta"], ["tests"], ()),
    # flat layout: tests/ and docs/ are never the code under audit
    ("[project]\nname = 'x'\n", {"shop": "shop", "docs": "docs"}, ["shop"], ["tests"], ()),
    # setuptools' explicit list: top-level names only (shop.cart comes with shop)
    ('[project]\nname = "x"\n[tool.setuptools]\npackages = ["shop", "shop.cart"]\n',
     {"shop": "shop", "other": "other"}, ["shop"], ["tests"], ()),
    # setuptools' find: where = ["src"], include a pattern
    ('[project]\nname = "x"\n[tool.setuptools.packages.find]\nwhere = ["src"]\n'
     'include = ["sh*"]\n', {"src/shop": "shop", "src/tools": "tools"}, ["shop"], ["tests"], ()),
    # hatch's wheel target names a path: its last part is the import name
    ('[project]\nname = "x"\n[tool.hatch.build.targets.wheel]\npackages = ["src/shop"]\n',
     {"src/shop": "shop", "src/tools": "tools"}, ["shop"], ["tests"], ()),
    # poetry's packages: include (from src)
    ('[tool.poetry]\nname = "x"\npackages = [{include = "shop", from = "src"}]\n',
     {"src/shop": "shop", "src/tools": "tools"}, ["shop"], ["tests"], ()),
    # pytest testpaths in pyproject (a glob is expanded; a missing path is left out)
    ('[project]\nname = "shop"\n[tool.pytest.ini_options]\ntestpaths = ["checks/*", "gone"]\n',
     {"shop": "shop"}, ["shop"], ["checks/unit"], ("checks/unit",)),
    # pytest.ini wins over pyproject.toml, as in pytest itself
    ('[project]\nname = "shop"\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
     {"shop": "shop"}, ["shop"], ["spec"], ("tests", "spec")),
    # setup.cfg's [tool:pytest]; "test/" would be the fallback otherwise
    ('[project]\nname = "shop"\n', {"shop": "shop"}, ["shop"], ["qa"], ("test", "qa")),
]
EXTRA_FILES = {8: {"pytest.ini": "[pytest]\ntestpaths = spec\n"},
               9: {"setup.cfg": "[tool:pytest]\ntestpaths =\n    qa\n"}}


@pytest.mark.parametrize("index", range(len(CASES)))
def test_packages_and_tests_are_inferred_from_what_the_project_declares(
    tmp_path: Path, index: int
) -> None:
    pyproject, packages, want_packages, want_tests, test_dirs = CASES[index]
    root = project(tmp_path, pyproject, packages, test_dirs or ("tests",),
                   **EXTRA_FILES.get(index, {}))
    config = load_config(root)
    assert config.packages == want_packages
    assert config.tests == want_tests
    # What was assumed is said, and the table to paste is valid TOML naming the same values.
    table_start = config.inferred.index("[tool.audit]")
    pasted = "\n".join(config.inferred[table_start:])
    assert tomllib.loads(pasted)["tool"]["audit"] == {"packages": want_packages,
                                                       "tests": want_tests}


def test_command_line_packages_and_tests_suffice_and_nothing_is_inferred(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n",
                                  "lib/calc.py": "X = 1\n", "checks/test_x.py": ""})
    config = load_config(root, overrides={"packages": ["lib"], "tests": ["checks"]})
    assert (config.packages, config.tests) == (["lib"], ["checks"])
    assert config.inferred == [
        "audit: no [tool.audit] table in pyproject.toml: using the command line's packages "
        "and tests"
    ]


def test_nothing_to_infer_says_where_it_looked_in_one_line(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n",
                                  "notes/readme.txt": "x"})
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    message = str(caught.value)
    assert message.startswith("pyproject.toml: no [tool.audit] table and no package found")
    assert "[project] name" in message and "src/" in message
    assert "\n" not in message


@pytest.mark.slow
def test_packages_option_alone_runs_an_audit_without_a_table(tmp_path: Path) -> None:
    root = project(tmp_path / "p", "[project]\nname = 'whatever'\n", {"lib": "lib"})
    run = run_audit("coverage", root, "--packages", "lib")
    assert run.exit_code == EXIT_OK, run.stderr
    assert "tests = [\"tests\"]  (the tests/ folder)" in run.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, expected",
    [
        (["--gate", "lines=80"], "--gate lines: unknown gate key 'lines'"),
        (["--gate", "line"], "--gate 'line': expected KEY=VALUE"),
        (["--gate", "line=eighty"], "--gate line: 'eighty' is not a TOML value"),
        (["--gate", "line=120"], "command line: [tool.audit.gate] line: 120 is greater"),
        (["--fail-under-line", "101"], "--fail-under-line"),
    ],
)
def test_bad_gate_override_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    root = project(tmp_path / "p", "[project]\nname = 'lib'\n", {"lib": "lib"})
    before = tree_digest(root)
    run = run_audit("coverage", root, *args)
    assert run.exit_code == EXIT_USAGE, run.stderr
    assert expected in run.stderr
    assert "Traceback" not in run.stderr
    assert {k for k in tree_digest(root) if k not in before} <= {".audit/"}


SHOP = {
    "pyproject.toml": '[project]\nname = "shop"\nversion = "0.1"\n',
    "src/shop/__init__.py": "",
    # 7 statements (2 def, 5 in the bodies); test_total runs the two defs and lines 2, 3, 5:
    # 5 of 7 lines, 71.43% (the `if discount:` body and is_empty's body never run).
    "src/shop/cart.py": """
        def total(prices, discount=0):
            subtotal = sum(prices)
            if discount:
                subtotal -= subtotal * discount / 100
            return round(subtotal, 2)


        def is_empty(prices):
            return not prices
    """,
    "tests/test_cart.py": """
        from shop.cart import total


        def test_total():
            assert total([1, 2]) == 3
    """,
}


@pytest.mark.slow
def test_a_fresh_project_reaches_a_failing_gate_with_its_first_fix_in_one_command(
    tmp_path: Path,
) -> None:
    """The issue's "Done when": a fresh checkout, ``audit report --fail-under-line 90``.

    (The other command is the install, ``pip install`` of this checkout:
    tests/integrations/test_clean_install.py.)
    """
    root = write_files(tmp_path / "shop", SHOP)
    init_repo(root)
    run = run_audit("report", "--fail-under-line", "90", "--only", "coverage", cwd=root)
    assert run.exit_code == EXIT_GATE_FAILED, run.stderr
    assert 'packages = ["shop"]' in run.stderr and 'tests = ["tests"]' in run.stderr
    report = json.loads((root / "audit-report" / "report.json").read_text())
    (line_rule,) = [r for r in report["gate"]["rules"] if r["id"] == "line"]
    assert line_rule["status"] == "failed" and line_rule["threshold"] == 90
    assert line_rule["measured"] == pytest.approx(100 * 5 / 7, abs=0.01)
    # The verdict on stdout names the failed rule first, then the one thing to do about it.
    lines = run.stdout.splitlines()
    failed = next(i for i, line in enumerate(lines) if "FAILED line" in line)
    assert lines[failed + 1].strip().startswith("do:")
    assert "src/shop/cart.py" in lines[failed + 1]


def test_a_setup_py_project_without_pyproject_is_inferred_from_its_layout(tmp_path: Path) -> None:
    # no pyproject.toml: src/legacy is the one package; setup.cfg's [tool:pytest] names checks
    root = write_files(tmp_path, {
        "setup.py": "from setuptools import setup\nsetup()\n",
        "setup.cfg": "[tool:pytest]\ntestpaths = checks\n",
        "src/legacy/__init__.py": "", "checks/test_legacy.py": "",
    })
    config = load_config(root)
    assert (config.packages, config.tests) == (["legacy"], ["checks"])
    assert config.inferred[0] == (
        "audit: no pyproject.toml (a setup.py/setup.cfg project); inferred:")
    assert "paste into a new pyproject.toml:" in config.inferred[3]
    assert not (root / "pyproject.toml").exists()  # the user's tree is left as it was
