"""``[tool.audit]`` validation: one line naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import EXIT_USAGE, ConfigError
from auditor.registry import load_config
from tests.support.projects import make_calc_project, run_audit, write_files


def _project(tmp_path: Path, table: str) -> Path:
    return write_files(tmp_path, {"pyproject.toml": table, "calc.py": "X = 1\n"})


@pytest.mark.parametrize(
    "table, expected",
    [
        ('[tool.audit]\npackages = ["calc"]\npakages = 1\n',
         "pyproject.toml: [tool.audit] unknown key 'pakages'"),
        ('[tool.audit]\npackages = "calc"\n',
         "pyproject.toml: [tool.audit] packages: 'calc' is not of type 'array'"),
        ('[tool.audit]\npackages = ["calc"]\n[tool.audit.gate]\nline = 120\n',
         "pyproject.toml: [tool.audit.gate] line: 120 is greater than the maximum of 100"),
        ('[tool.audit]\npackages = ["calc"]\n[tool.audit.gate]\nbranch = -1\n',
         "pyproject.toml: [tool.audit.gate] branch: -1 is less than the minimum of 0"),
        ('[tool.audit]\npackages = ["calc"]\n[tool.audit.gate]\nlines = 80\n',
         "pyproject.toml: [tool.audit.gate] unknown key 'lines'"),
        ('[tool.audit]\npackages = ["calc"]\n[tool.audit.gate.modules]\n"calc/*" = 101\n',
         'pyproject.toml: [tool.audit.gate.modules] "calc/*": 101 is greater than the maximum'),
        ('[tool.audit]\npackages = ["calc", 3]\n',
         "pyproject.toml: [tool.audit] packages[1]: 3 is not of type 'string'"),
        ('[tool.audit]\ntests = ["t"]\n',
         "pyproject.toml: [tool.audit] 'packages' is a required property"),
        ('[tool.audit]\npackages = ["calc"]\ntest_timeout = 0\n',
         "pyproject.toml: [tool.audit] test_timeout: 0 is less than or equal to the minimum"),
        ('[tool.audit]\npackages = ["calc"]\nanalyses = ["speed"]\n',
         "pyproject.toml: [tool.audit] analyses[0]: 'speed' is not one of"),
        ("[tool.audit\n", "pyproject.toml: invalid TOML"),
        ("[project]\nname = 'x'\n", "no [tool.audit] table"),
    ],
)
def test_bad_configuration_names_file_and_key(tmp_path: Path, table: str, expected: str) -> None:
    root = _project(tmp_path, table)
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    message = str(caught.value)
    assert message.startswith(expected) or expected in message
    assert "\n" not in message.split("; add a [tool.audit]")[0]


def test_missing_table_tells_what_to_add(tmp_path: Path) -> None:
    root = _project(tmp_path, "[project]\nname = 'x'\n")
    with pytest.raises(ConfigError, match=r'packages = \["yourpackage"\]'):
        load_config(root)


def test_command_line_overrides_file(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path)
    config = load_config(root, overrides={"packages": ["other"], "output": "out", "base": None})
    assert config.packages == ["other"]
    assert config.output == (root / "out").resolve()
    assert config.tests == ["tests"]  # from the file


def test_bad_override_is_a_usage_error(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path)
    with pytest.raises(ConfigError, match=r"^command line: \[tool.audit\] output"):
        load_config(root, overrides={"output": ""})


def test_separate_config_file(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path)
    other = tmp_path / "audit.toml"
    other.write_text('packages = ["calc"]\noutput = "elsewhere"\n')
    config = load_config(root, other)
    assert config.output == (root / "elsewhere").resolve()
    assert config.source == str(other)


def test_fingerprint_ignores_output_but_not_thresholds(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path)
    first = load_config(root)
    moved = load_config(root, overrides={"output": "elsewhere"})
    assert first.fingerprint() == moved.fingerprint()
    stricter = load_config(root)
    stricter.gate["line"] = 99
    assert stricter.fingerprint() != first.fingerprint()


def test_cli_reports_config_error_in_one_line_with_exit_2(tmp_path: Path) -> None:
    root = make_calc_project(tmp_path, "[tool.audit.gate]\nline = 120\n")
    run = run_audit("report", root)
    assert run.exit_code == EXIT_USAGE
    assert run.error_lines == [
        "audit: error: pyproject.toml: [tool.audit.gate] line: 120 is greater than the "
        "maximum of 100"
    ]
    assert "Traceback" not in run.stderr
