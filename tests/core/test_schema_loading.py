"""Reading ``[tool.audit]`` imports only the analyses the table configures.

An audit of one analysis used to import all of them to build the
configuration schema (the mocks analysis alone brings libcst). Three things
must hold:

- the answer is unchanged: every table, valid or not, gets the same verdict
  (the same one-line error) from the parts :func:`schema_parts` picks for it
  as from all of them (the oracle is the full schema, built as before);
- what the registry reads from an analysis's source, instead of importing
  it, is what the imported class says, for every built-in analysis;
- in a fresh interpreter, loading a coverage-only configuration imports no
  other analysis and no libcst (by ``sys.modules``), and a table with a
  ``[tool.audit.mocks]`` section does import the mocks analysis (the
  positive control: the check can see an import).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from auditor import registry, registry_source
from auditor.config import SchemaParts, validate_table
from auditor.errors import ConfigError

BASE: dict[str, Any] = {"packages": ["calc"]}
TABLES: list[dict[str, Any]] = [
    BASE,
    {**BASE, "gate": {"line": 80, "branch": 70}},
    {**BASE, "gate": {"line": "eighty"}},
    {**BASE, "gate": {"mutation_score": 80, "max_flaky": 0}},
    {**BASE, "gate": {"mutation_score": 101}},
    {**BASE, "gate": {"no_such_key": 1}},
    {**BASE, "gate": {"line": 80, "no_such_key": 1}},
    {**BASE, "gate": 5},
    {**BASE, "mocks": {"no_such_option": True}},
    {**BASE, "mocks": {}},
    {**BASE, "coverage": {"anything": 1}},  # coverage has no options: an unknown key
    {**BASE, "no_such_table": {}},
    {**BASE, "analyses": ["coverage", "no_such_analysis"]},
    {**BASE, "mutation": {"thresholds": {"high": 80, "low": 60}}, "gate": {"max_survivors": 3}},
]


def _verdict(table: dict[str, Any], parts: SchemaParts) -> str:
    try:
        validate_table(table, "pyproject.toml", parts)
    except ConfigError as error:
        return str(error)
    return "valid"


@pytest.mark.parametrize("table", TABLES, ids=lambda t: json.dumps(t, sort_keys=True)[:60])
def test_chosen_parts_judge_a_table_as_all_parts_do(table: dict[str, Any]) -> None:
    assert _verdict(table, registry.schema_parts(table)) == _verdict(table, registry.schema_parts())


@pytest.mark.parametrize("name", list(registry._REGISTRY))
def test_what_the_source_says_is_what_the_class_says(name: str) -> None:
    location = registry._REGISTRY[name]
    analysis = registry.get_analysis(name)
    for attribute, default in (("template_dir", None), ("report_schema", None),
                               ("report_formats", ())):
        read = registry_source.attribute(location, attribute, default)
        if read is not registry_source.UNKNOWN:
            assert read == getattr(analysis, attribute, default), attribute
    keys = registry_source.dict_keys(location, "gate_schema")
    if keys is not registry_source.UNKNOWN:
        assert keys == set(analysis.gate_schema)


def test_a_computed_attribute_and_a_base_class_are_unknown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "declared_here.py").write_text(textwrap.dedent("""
        HERE = "x"
        class Plain:
            report_formats = ("a.b",)
            template_dir = HERE + "/templates"
            gate_schema = {"k": HERE, **{}}
        class Derived(Plain):
            pass
        class Initialised:
            def __init__(self):
                self.report_formats = ("set.here",)
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    assert registry_source.attribute("declared_here:Plain", "report_formats", ()) == ("a.b",)
    assert registry_source.attribute("declared_here:Plain", "report_schema", None) is None
    assert registry_source.attribute("declared_here:Plain", "template_dir", None) \
        is registry_source.UNKNOWN
    assert registry_source.dict_keys("declared_here:Plain", "gate_schema") \
        is registry_source.UNKNOWN
    assert registry_source.attribute("declared_here:Derived", "report_formats", ()) \
        is registry_source.UNKNOWN
    assert registry_source.attribute("declared_here:Missing", "report_formats", ()) \
        is registry_source.UNKNOWN
    assert registry_source.attribute("declared_here:Initialised", "report_formats", ()) \
        is registry_source.UNKNOWN


LOAD = """
import json, sys
from pathlib import Path
from auditor.registry import load_config
load_config(Path(sys.argv[1]))
print(json.dumps(sorted(m for m in sys.modules
                        if m == "libcst" or m.endswith(".analysis"))))
"""


def _imported_by_loading(tmp_path: Path, extra: str) -> list[str]:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.audit]\npackages = ["calc"]\nanalyses = ["coverage"]\n\n'
        '[tool.audit.gate]\nline = 80\n' + extra)
    done = subprocess.run([sys.executable, "-c", LOAD, str(tmp_path)], capture_output=True,
                          text=True, timeout=120, check=True)
    imported: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return imported


def test_coverage_configuration_imports_no_other_analysis(tmp_path: Path) -> None:
    imported = _imported_by_loading(tmp_path, "")
    assert "libcst" not in imported
    assert [m for m in imported if m.startswith("auditor.") and m != "auditor.analysis"] == [
        "auditor.coverage.analysis"]  # the owner of the gate's `line`


def test_a_mocks_table_imports_the_mocks_analysis(tmp_path: Path) -> None:
    imported = _imported_by_loading(tmp_path, "\n[tool.audit.mocks]\nmax_patches = 3\n")
    assert "auditor.mocks.analysis" in imported
