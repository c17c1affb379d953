"""Declared dependencies are read from the project's files without running them; SARIF levels.

Each fixture is a metadata file as projects write them; the expected sets
are the requirement names of the fixture, normalised by PEP 503 by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from auditor.imports.dependencies import read_declared
from auditor.imports.result import ImportFailure, ImportsResult, ImportWrite
from auditor.model import AuditResult
from auditor.reports import sarif
from tests.support.projects import write_files

SARIF_SCHEMA = json.loads(
    (Path(__file__).parents[1] / "mocks" / "data" / "sarif-schema-2.1.0.json").read_text()
)


def test_setup_cfg_with_a_file_reference_and_extras(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "setup.cfg": """
            [metadata]
            name = cfg-project

            [options]
            install_requires =
                requests>=2
                ruamel.yaml; python_version >= "3.8"
            [options.extras_require]
            toml = file: extra-requirements.txt
        """,
        "extra-requirements.txt": "# comment\nTOMLi>=1\n",
    })  # fmt: skip
    declared = read_declared(tmp_path)
    assert declared.names == ["cfg-project"]
    assert sorted(declared.required) == ["requests", "ruamel-yaml"]
    assert declared.optional == {"tomli": ["toml"]}
    assert declared.sources == ["setup.cfg [options]"]


def test_setup_py_is_read_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "setup-py-ran"
    write_files(tmp_path, {
        "setup.py": f"""
            import pathlib
            pathlib.Path({str(marker)!r}).write_text("ran")
            from setuptools import setup
            BASE = ["six", "Jinja2>=3"]
            EXTRAS = {{"docs": ["Sphinx"], "fast:platform_system != 'Windows'": ["uvloop"]}}
            setup(name="py-project", install_requires=BASE + ["click"], extras_require=EXTRAS)
        """,
    })  # fmt: skip
    declared = read_declared(tmp_path)
    assert not marker.exists()
    assert declared.names == ["py-project"]
    assert sorted(declared.required) == ["click", "jinja2", "six"]
    assert declared.optional == {"sphinx": ["docs"], "uvloop": ["fast"]}


def test_poetry_dependencies_and_optional_entries(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pyproject.toml": """
            [tool.poetry]
            name = "poetry-project"
            [tool.poetry.dependencies]
            python = "^3.9"
            Django = ">=4"
            psycopg = {version = "^3", optional = true}
            [tool.poetry.extras]
            pg = ["psycopg"]
            [tool.poetry.group.dev.dependencies]
            pytest = "*"
        """,
    })  # fmt: skip
    declared = read_declared(tmp_path)
    assert sorted(declared.required) == ["django"]
    assert declared.optional == {"psycopg": ["pg"]}  # dev groups are not runtime dependencies
    assert declared.status("DJANGO") == "required"
    assert declared.status("pytest") == "undeclared"


def test_a_broken_setup_py_is_named_not_fatal(tmp_path: Path) -> None:
    write_files(tmp_path, {"setup.py": "setup(install_requires=[\n"})
    declared = read_declared(tmp_path)
    assert declared.required == {}
    assert declared.skipped == ["setup.py: cannot be parsed (SyntaxError)"]


def test_sarif_levels_follow_the_cause_and_writes_are_results() -> None:
    imports = ImportsResult(
        modules_checked=4,
        failures=[
            ImportFailure("pkg.a", "ImportError", "cannot import name", "src/pkg/a.py", 1),
            ImportFailure("pkg.b", "ModuleNotFoundError", "No module named 'x'",
                          cause="undeclared"),
            ImportFailure("pkg.c", "ModuleNotFoundError", "No module named 'winreg'",
                          cause="platform"),
        ],
        writes=[ImportWrite("pkg.d", "project", "src/pkg/cache.json", "open", blocked=True,
                            file="src/pkg/d.py", line=3)],
    )  # fmt: skip
    result = AuditResult(project="p", root="/tmp/p", commit=None, branch=None, created="now",
                         duration_seconds=1.0, config_fingerprint="x",
                         analyses={"imports": imports})  # fmt: skip
    document = sarif.sarif_document(result)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(document)
    run = document["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    levels = {(r["ruleId"], r["message"]["text"].split(":")[0].split(" ")[0], r["level"])
              for r in run["results"]}  # fmt: skip
    assert levels == {
        ("import-failure", "pkg.a", "error"),
        ("import-failure", "pkg.b", "warning"),
        ("import-failure", "pkg.c", "note"),
        ("import-writes", "pkg.d", "warning"),
    }
    write = next(r for r in run["results"] if r["ruleId"] == "import-writes")
    assert rules[write["ruleIndex"]] == "import-writes"
    region = write["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 3
