"""The worker's helper scripts, called in this process (the worker runs them in the project's).

The write guard is called as the audit hook would call it, with the
arguments of CPython's audit events, but never installed here: an audit hook
cannot be removed and would guard the test process for good. The
environment description is compared with ``importlib.metadata`` itself.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

import pytest

from auditor.imports import _environment, _guard


@pytest.fixture
def guard(tmp_path: Path) -> _guard.WriteGuard:
    root = tmp_path / "proj"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / ".audit").mkdir()
    places = _guard.scratch_places(str(tmp_path / "scratch" / "1"))
    write_guard = _guard.WriteGuard(str(root), [str(root / ".audit")], [str(root / "src")])
    write_guard.attach(str(tmp_path / "scratch" / "writes.log"),
                       {"cwd": places["cwd"], "home": places["home"]})  # fmt: skip
    return write_guard


def _log(tmp_path: Path) -> list[tuple[str, str, str, bool]]:
    entries = _guard.read_log(str(tmp_path / "scratch" / "writes.log"))
    return [(e["where"], e["path"], e["action"], e["blocked"]) for e in entries]


def test_writes_into_the_tree_are_blocked_and_logged(
    guard: _guard.WriteGuard, tmp_path: Path
) -> None:
    target = tmp_path / "proj" / "src" / "pkg" / "cache.json"
    with pytest.raises(PermissionError) as raised:
        guard("open", (str(target), "w", 0))
    assert _guard.blocked_by_guard(raised.value)
    with pytest.raises(PermissionError):
        guard("os.rename", (str(tmp_path / "elsewhere"), str(tmp_path / "proj" / "moved"), None,
                            None))  # fmt: skip
    # A hard link from scratch to a tree file would let a scratch write change it.
    source = tmp_path / "proj" / "src" / "pkg" / "mod.py"
    scratch_link = tmp_path / "scratch" / "1" / "cwd" / "link"
    with pytest.raises(PermissionError):
        guard("os.link", (str(source), str(scratch_link), None, None))
    assert _log(tmp_path) == [
        ("project", "src/pkg/cache.json", "open", True),
        ("project", "moved", "os.rename", True),
        ("project", "src/pkg/mod.py", "os.link", True),
    ]


def test_reads_ours_and_outside_places_pass(guard: _guard.WriteGuard, tmp_path: Path) -> None:
    guard("open", (str(tmp_path / "proj" / "src" / "pkg" / "mod.py"), "r", 0))
    guard("open", (str(tmp_path / "proj" / "src" / "pkg" / "mod.py"), None, os.O_RDONLY))
    guard("open", (str(tmp_path / "proj" / ".audit" / "state"), "w", 0))
    guard("open", (str(tmp_path / "outside.txt"), "w", 0))
    guard("sqlite3.connect", (":memory:",))
    guard("os.listdir", (str(tmp_path / "proj"),))
    assert _log(tmp_path) == []


def test_scratch_writes_are_logged_not_blocked(guard: _guard.WriteGuard, tmp_path: Path) -> None:
    cwd = tmp_path / "scratch" / "1" / "cwd"
    guard("open", (str(cwd / "app.log"), "a", 0))
    guard("open", (str(cwd / "raw"), None, os.O_WRONLY | os.O_CREAT))
    assert _log(tmp_path) == [("cwd", "app.log", "open", False), ("cwd", "raw", "open", False)]


def test_an_exception_raised_while_handling_a_blocked_write_is_still_ours() -> None:
    blocked = PermissionError(13, _guard.BLOCKED_MARK, "x")
    try:
        try:
            raise blocked
        except PermissionError:
            raise RuntimeError("could not write the cache") from None
    except RuntimeError as wrapped:
        # `from None` hides the cause from the traceback, not from the context:
        # the import still ended because of the blocked write.
        assert _guard.blocked_by_guard(wrapped)
    assert not _guard.blocked_by_guard(PermissionError(13, "Permission denied", "x"))


def test_scratch_environment_points_home_and_temp_at_scratch(tmp_path: Path) -> None:
    places = _guard.scratch_places(str(tmp_path / "s"))
    env = _guard.scratch_environment(places, {"HOME": "/home/u", "XDG_CACHE_HOME": "/c",
                                              "PATH": "/bin"})  # fmt: skip
    assert (env["HOME"], env["TMPDIR"], env["TEMP"], env["TMP"]) == (
        places["home"], places["tmp"], places["tmp"], places["tmp"])  # fmt: skip
    assert "XDG_CACHE_HOME" not in env
    assert env["PATH"] == "/bin"
    assert env["PYTHONUSERBASE"]  # the real user base, so --user installs stay visible


def test_created_files_lists_files_and_empty_folders(tmp_path: Path) -> None:
    places = _guard.scratch_places(str(tmp_path / "s"))
    Path(places["cwd"], "out.txt").write_text("x")
    Path(places["home"], ".cache", "empty").mkdir(parents=True)
    found = [(e["where"], e["path"]) for e in _guard.created_files(places, limit=10)]
    assert found == [("cwd", "out.txt"), ("home", os.path.join(".cache", "empty") + os.sep)]


def test_environment_agrees_with_importlib_metadata() -> None:
    described = _environment.describe(["rich", "winreg", "nowhere_xyz"], ["auditor"],
                                      ["Test_Auditor"])  # fmt: skip
    expected = importlib.metadata.packages_distributions()
    assert described["providers"]["rich"] == expected["rich"]
    assert "nowhere_xyz" not in described["providers"]
    assert described["stdlib"] == ["winreg"]
    assert described["markers"]["sys_platform"] == sys.platform
    assert described["installed"]["jinja2"] == importlib.metadata.version("jinja2")
    # The auditor is installed (editable) in this venv: found by its name
    # (PEP 503: Test_Auditor is test-auditor), its Requires-Dist is the project's.
    requires = described["project_requires"]
    assert list(requires) == ["test-auditor"]
    assert any(line.startswith("libcst") for lines in requires.values() for line in lines)


def test_child_describes_a_missing_module_and_where_it_was_raised(tmp_path: Path) -> None:
    from auditor.imports import _child

    _child.guard = _guard  # what the worker's loader sets
    module = tmp_path / "proj_xyz_mod.py"
    module.write_text("import os\nimport nowhere_xyz.sub\n")
    sys.path.insert(0, str(tmp_path))
    try:
        importlib.import_module("proj_xyz_mod")
    except ModuleNotFoundError as exc:
        described = _child._describe_exception(exc, [str(tmp_path)])
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("proj_xyz_mod", None)
    assert described["error_type"] == "ModuleNotFoundError"
    assert (described["missing"], described["not_found"]) == ("nowhere_xyz", True)
    assert (described["path"], described["line"]) == (str(module), 2)
    assert described["raised_in_library"] is False  # the project's own import line
