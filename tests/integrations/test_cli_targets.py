"""Command-line gate overrides and test-file targets, in process (auditor/cli_targets.py).

The subprocess tests (test_zero_config.py, test_targets.py) run them through
``audit``; these pin the rules themselves on real files in ``tmp_path``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cli_targets import Target, gate_overrides, narrow_tests, split_target
from auditor.errors import UsageError
from tests.support.projects import write_files

KNOWN = {"line", "mutation_score", "cycles", "mutation_modules"}


def test_gate_values_are_toml_and_the_fail_under_options_name_their_keys() -> None:
    gate = gate_overrides(("cycles=0", 'mutation_modules={"shop/*" = 60}'), 80.0, 55.5, KNOWN)
    assert gate == {"cycles": 0, "mutation_modules": {"shop/*": 60}, "line": 80.0,
                    "mutation_score": 55.5}
    assert gate_overrides((), None, None, KNOWN) is None  # nothing given: the file's gate


def test_fail_under_line_wins_over_a_gate_item_for_the_same_key() -> None:
    assert gate_overrides(("line=10",), 90.0, None, KNOWN) == {"line": 90.0}


@pytest.mark.parametrize(
    "item, message",
    [
        ("lines=80", "--gate lines: unknown gate key 'lines' (known: cycles, line, "),
        ("=80", "--gate '=80': expected KEY=VALUE"),
        ("line", "--gate 'line': expected KEY=VALUE"),
        ("line=8o", "--gate line: '8o' is not a TOML value"),
    ],
)
def test_a_bad_gate_item_is_a_usage_error_naming_it(item: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        gate_overrides((item,), None, None, KNOWN)
    assert caught.value.message.startswith(message)


def test_a_folder_or_nothing_is_the_project_and_files_are_tests_of_the_one_here(
    tmp_path: Path,
) -> None:
    write_files(tmp_path, {"tests/test_a.py": "", "tests/test_b.py": ""})
    assert split_target(()) == Target(Path("."))
    assert split_target((tmp_path,)) == Target(tmp_path)
    assert split_target((tmp_path / "elsewhere",)) == Target(tmp_path / "elsewhere")
    files = (tmp_path / "tests/test_a.py", tmp_path / "tests/test_b.py")
    assert split_target(files) == Target(Path("."), list(files))
    with pytest.raises(UsageError, match="tests: is a folder"):
        split_target((tmp_path / "tests/test_a.py", tmp_path / "tests"))


def test_only_test_modules_inside_the_test_paths_are_kept(tmp_path: Path) -> None:
    root = write_files(tmp_path, {
        "tests/test_a.py": "", "tests/b_test.py": "", "tests/conftest.py": "",
        "tests/helpers.py": "", "other/test_c.py": "", "src/shop/cart.py": "",
    })
    given = [root / p for p in ("tests/test_a.py", "tests/b_test.py", "tests/conftest.py",
                                "tests/helpers.py", "other/test_c.py", "src/shop/cart.py")]
    kept, left_out = narrow_tests(root, ["tests"], given)
    assert kept == ["tests/test_a.py", "tests/b_test.py"]
    assert left_out == ["tests/conftest.py", "tests/helpers.py", "other/test_c.py",
                        "src/shop/cart.py"]
    with pytest.raises(UsageError, match="outside the project"):
        narrow_tests(root / "tests", ["."], [root / "other/test_c.py"])
