"""The generated coverage rc file, read back by the real coverage.py (fast, no test run).

What we write must be what coverage.py reads: ``Coverage(config_file=...)``
and ``get_option`` on the file, in TOML and in INI, with values that trip
each format (regexes starting with ``#``/``;``, ``$``, non-ASCII text). The
source narrowing is checked on real directories, and the 0% line count of a
file nobody can parse on real bytes. The slow, end-to-end tier is
tests/core/test_coverage_config.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import coverage
import pytest

from auditor.coverage.rcfile import (
    ProjectCoverageConfig,
    generated_sections,
    narrowed_source,
    render_ini,
    render_toml,
)
from auditor.coverage.unparsable import countable_lines
from auditor.errors import ConfigError
from auditor.project import PackageLocation
from tests.support.projects import write_files

TRICKY_REGEXES = [
    r"#\s*pragma: no cover",  # starts with a comment prefix (INI drops such lines)
    r";\s*never",
    r"raise NotImplementedError$",  # coverage.py expands $WORD: must stay literal
    r"if \$DEBUG:",
    "naïve — ünïcode",
]


def _read_back(path: Path) -> coverage.Coverage:
    return coverage.Coverage(config_file=str(path))


@pytest.mark.parametrize("render, name", [(render_toml, "rc.toml"), (render_ini, "rc")])
def test_generated_rc_file_reads_back_as_written(tmp_path: Path, render: Any, name: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # coverage.py lets COVERAGE_FILE override the data file of any rc file; the test run
    # drops it (testrun/command.py), and so does this read-back (a user running our suite
    # under `COVERAGE_FILE=... coverage run` set it)
    monkeypatch.delenv("COVERAGE_FILE", raising=False)
    sections = {
        "run": {"branch": True, "parallel": True, "omit": ["*/legacy.py", "src/x/*"],
                "source": [str(tmp_path)], "concurrency": ["thread", "multiprocessing"],
                "data_file": str(tmp_path / ".coverage"), "plugins": []},
        "report": {"exclude_lines": TRICKY_REGEXES, "exclude_also": [], "fail_under": 0.0,
                   "ignore_errors": True, "partial_branches": [r"#\s*maybe"],
                   "precision": 2},
        "paths": {"source": ["src/", "*/site-packages/"]},
    }
    rc = tmp_path / name
    rc.write_text(render(sections), encoding="utf-8")
    cov = _read_back(rc)
    exclude = cov.get_option("report:exclude_lines")
    partial = cov.get_option("report:partial_branches")
    assert isinstance(exclude, list) and isinstance(partial, list)
    if name == "rc":
        # INI drops continuation lines that start with "#" or ";": the writer
        # spells such a first character as a class, "[#]", which matches the same.
        assert exclude[:2] == [r"[#]\s*pragma: no cover", r"[;]\s*never"]
        assert re.search(exclude[0], "x = 1  # pragma: no cover")
        exclude = [TRICKY_REGEXES[0], TRICKY_REGEXES[1], *exclude[2:]]
        partial = [r"#\s*maybe"] if partial == [r"[#]\s*maybe"] else partial
    assert exclude == TRICKY_REGEXES
    assert partial == [r"#\s*maybe"]
    assert cov.get_option("run:omit") == ["*/legacy.py", "src/x/*"]
    assert cov.get_option("run:concurrency") == ["thread", "multiprocessing"]
    assert cov.get_option("run:data_file") == str(tmp_path / ".coverage")
    assert cov.get_option("run:parallel") is True
    assert cov.get_option("report:precision") == 2
    assert cov.get_option("paths") == {"source": ["src/", "*/site-packages/"]}


def test_plugin_options_keep_their_types_and_dollars(tmp_path: Path) -> None:
    # coverage.py reads plugin sections raw (no $VAR expansion), typed as TOML gives them.
    options: dict[str, Any] = {"flag": True, "limit": 3, "table": {"x": ["a"]},
                               "text": "cost: $5"}
    sections: dict[str, dict[str, Any]] = {"run": {"plugins": ["shop.plugin"]},
                                           "shop.plugin": options}
    rc = tmp_path / "rc.toml"
    rc.write_text(render_toml(sections), encoding="utf-8")
    assert _read_back(rc).config.get_plugin_options("shop.plugin") == options


def test_exclude_also_is_written_once(tmp_path: Path) -> None:
    # get_option gives exclude_lines with exclude_also already appended: the
    # generated file must not make coverage.py append it a second time.
    project = tmp_path / "p"
    write_files(project, {".coveragerc": """
        [report]
        exclude_also =
            def __repr__
        """})
    original = coverage.Coverage(config_file=str(project / ".coveragerc"))
    merged = original.get_option("report:exclude_lines")
    assert isinstance(merged, list)
    config = ProjectCoverageConfig(options={"report:exclude_lines": merged,
                                            "report:exclude_also": ["def __repr__"]})
    sections = generated_sections(config, source=["x"], extra_omit=[],
                                  data_file=tmp_path / ".coverage", debug_file=tmp_path / "d")
    rc = tmp_path / "rc.toml"
    rc.write_text(render_toml(sections), encoding="utf-8")
    assert _read_back(rc).get_option("report:exclude_lines") == merged
    assert merged.count("def __repr__") == 1


def test_run_include_moves_to_the_report_side(tmp_path: Path) -> None:
    # coverage.py ignores [run] include once source is set; we always set source.
    config = ProjectCoverageConfig(options={"run:include": ["src/a/core/*"], "run:omit": ["*/x"]})
    sections = generated_sections(config, source=["src/a"], extra_omit=["/abs/tests/*"],
                                  data_file=tmp_path / ".c", debug_file=tmp_path / "d")
    assert sections["run"]["include"] == []
    assert sections["report"]["include"] == ["src/a/core/*"]
    assert sections["run"]["omit"] == ["*/x", "/abs/tests/*"]
    assert sections["run"]["branch"] is True


def _package(root: Path, relative: str) -> PackageLocation:
    path = root / relative
    path.mkdir(parents=True, exist_ok=True)
    return PackageLocation(name=path.name, path=path, import_root=path.parent)


def test_source_wider_than_our_package_is_narrowed_to_it(tmp_path: Path) -> None:
    shop = _package(tmp_path, "src/shop")
    config = ProjectCoverageConfig(options={"run:source": ["src", "."]})
    assert narrowed_source(config, [shop], tmp_path) == [str(shop.path)]


def test_source_inside_our_package_wins(tmp_path: Path) -> None:
    shop = _package(tmp_path, "src/shop")
    (shop.path / "core").mkdir()
    config = ProjectCoverageConfig(options={"run:source": ["src/shop/core"]})
    assert narrowed_source(config, [shop], tmp_path) == [str(shop.path / "core")]
    dotted = ProjectCoverageConfig(options={"run:source_pkgs": ["shop.core"]})
    assert narrowed_source(dotted, [shop], tmp_path) == [str(shop.path / "core")]


def test_source_naming_our_package_stays_a_name(tmp_path: Path) -> None:
    shop = _package(tmp_path, "src/shop")
    config = ProjectCoverageConfig(options={"run:source": ["shop"]})
    assert narrowed_source(config, [shop], tmp_path) == ["shop"]


def test_source_without_our_packages_is_a_config_error(tmp_path: Path) -> None:
    shop = _package(tmp_path, "src/shop")
    _package(tmp_path, "src/other")
    config = ProjectCoverageConfig(config_file=str(tmp_path / ".coveragerc"),
                                   options={"run:source": ["src/other"]})
    with pytest.raises(ConfigError, match=r"^\.coveragerc: .*none of the packages under audit"):
        narrowed_source(config, [shop], tmp_path)


def test_a_file_nobody_can_parse_counts_its_code_lines() -> None:
    source = b"# a comment\n\ndef broken(:\n    return '\xff'\n    # indented comment\n"
    # Line 1 is a comment, 2 blank, 5 a comment: lines 3 and 4 are the missing statements.
    assert countable_lines(source) == [3, 4]
