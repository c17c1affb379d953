"""The cache of what the analyses' sources declare (auditor/registry_source.py, ``use_cache``).

It must answer exactly as parsing the source does, be read when it is there,
and be ignored for a module whose source changed since it was written.
"""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor import registry, registry_source
from auditor.registry_source import CACHE_NAME, attribute, class_source, dict_keys, use_cache


@pytest.fixture(autouse=True)
def _no_cache_after() -> Iterator[None]:
    yield
    use_cache(None)  # the rest of the session parses as before


def _answers(locations: list[str]) -> dict[str, Any]:
    """Every answer the registry can get about every class-body name of ``locations``."""
    found: dict[str, Any] = {}
    for location in locations:
        source = class_source(location)
        assert source is not None, location
        found[location] = {
            "plain": source.plain,
            "names": sorted(source.assignments),
            "values": {n: attribute(location, n, "absent") for n in source.assignments},
            "keys": {n: dict_keys(location, n) for n in source.assignments},
            "missing": attribute(location, "no_such_attribute", "absent"),
        }
    return found


def _built_in() -> list[str]:
    return [str(registry.analysis_location(name)) for name in registry.analysis_names()
            if isinstance(registry.analysis_location(name), str)]


def test_the_cache_answers_as_parsing_the_source_does(tmp_path: Path) -> None:
    locations = _built_in()
    use_cache(None)
    parsed = _answers(locations)
    assert any(v is not registry_source.UNKNOWN for a in parsed.values()
               for v in a["values"].values())  # literals were read, not only "unknown"
    state = tmp_path / ".audit"
    state.mkdir()
    use_cache(state)
    assert _answers(locations) == parsed  # parsed, and kept
    registry_source.save_cache()
    written = (state / CACHE_NAME).read_bytes()
    use_cache(state)
    assert _answers(locations) == parsed  # answered from the file
    registry_source.save_cache()
    assert (state / CACHE_NAME).read_bytes() == written  # nothing new: not rewritten


def test_the_cache_file_is_what_answers(tmp_path: Path) -> None:
    state = tmp_path / ".audit"
    state.mkdir()
    location = str(registry.analysis_location("coverage"))
    use_cache(state)
    assert attribute(location, "title", None) == "Coverage"
    registry_source.save_cache()
    document = json.loads((state / CACHE_NAME).read_text())
    (entry,) = [e for e in document["files"].values() if "CoverageAnalysis" in e["classes"]]
    entry["classes"]["CoverageAnalysis"]["assignments"]["title"] = "'From the cache'"
    (state / CACHE_NAME).write_text(json.dumps(document))
    use_cache(state)
    assert attribute(location, "title", None) == "From the cache"


def test_a_changed_module_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "src" / "cachedpkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    module = package / "analysis.py"
    module.write_text(textwrap.dedent("""
        class Thing:
            formats = ("a.json",)
            gate_schema = {"line": PERCENT}

            def run(self):
                return None
    """))
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    state = tmp_path / ".audit"
    state.mkdir()
    location = "cachedpkg.analysis:Thing"
    use_cache(state)
    assert attribute(location, "formats", ()) == ("a.json",)
    assert dict_keys(location, "gate_schema") == {"line"}
    assert attribute(location, "run", None) is registry_source.UNKNOWN  # a method: ask the class
    assert attribute(location, "other", "default") == "default"  # a plain class has no other
    registry_source.save_cache()
    module.write_text(module.read_text().replace('("a.json",)', '("b.json", "c.md")'))
    use_cache(state)
    assert attribute(location, "formats", ()) == ("b.json", "c.md")
    assert dict_keys(location, "gate_schema") == {"line"}
    assert attribute(location, "run", None) is registry_source.UNKNOWN
    sys.modules.pop("cachedpkg.analysis", None)
    sys.modules.pop("cachedpkg", None)


def test_without_an_audit_folder_nothing_is_written(tmp_path: Path) -> None:
    use_cache(tmp_path / ".audit")  # not there
    assert attribute(str(registry.analysis_location("coverage")), "title", None) == "Coverage"
    registry_source.save_cache()
    assert list(tmp_path.iterdir()) == []


FOLDER_MODULE = """
    from pathlib import Path

    HERE = Path(__file__).resolve().parent
    PLAIN = Path(__file__).parent
    {rebinding}


    class Thing:
        template_dir = HERE / "templates"
        schema = PLAIN / "schemas" / "thing.json"
        computed = HERE.parent / "x"
"""


@pytest.mark.parametrize("cached", [False, True], ids=["parsed", "from the cache"])
def test_a_path_under_the_modules_own_folder_is_read_without_importing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: bool) -> None:
    package = tmp_path / "src" / "folderpkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    module = package / "analysis.py"
    module.write_text(textwrap.dedent(FOLDER_MODULE.format(rebinding="")))
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    state = tmp_path / ".audit"
    state.mkdir()
    use_cache(state)
    location = "folderpkg.analysis:Thing"
    if cached:
        assert class_source(location) is not None
        registry_source.save_cache()
        use_cache(state)
    try:
        imported = importlib.import_module("folderpkg.analysis")  # only to compare
        for name in ("template_dir", "schema"):
            assert attribute(location, name, None) == getattr(imported.Thing, name)
        assert attribute(location, "computed", None) is registry_source.UNKNOWN
        # bound twice: only the import can tell which value the class saw
        rebound = FOLDER_MODULE.format(rebinding="HERE = Path('/elsewhere')")
        module.write_text(textwrap.dedent(rebound))
        use_cache(state)
        assert attribute(location, "template_dir", None) is registry_source.UNKNOWN
    finally:
        sys.modules.pop("folderpkg.analysis", None)
        sys.modules.pop("folderpkg", None)
