"""Stage a mutmut run in the auditor's own folder, never in the user's tree.

mutmut reads its configuration only from the current directory's
``pyproject.toml`` and always writes ``mutants/`` in the current directory.
So the run happens in ``.audit/mutation/``: the packages, the test folders,
a root ``conftest.py`` and any configured extra files are mirrored there, a
``pyproject.toml`` is generated with our ``[tool.mutmut]`` (and a copy of the
user's pytest settings), and mutmut runs with that folder as its cwd.

The mirror is kept between runs so mutmut's cache (``mutants/``) is reused.
A file is re-copied only when its content changed, and then with a fresh
mtime, which is what mutmut compares to decide whether to regenerate mutants.
Files that disappeared from the user's tree are removed from the mirror and
from ``mutants/`` (mutmut itself never removes anything there).
"""

from __future__ import annotations

import filecmp
import json
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.errors import ConfigError
from auditor.globs import matching
from auditor.project import PackageLocation

STAGE_NAME = "mutation"
PLUGIN_DIR = "_audit_plugin"
PLUGIN_MODULE = "audit_mutmut_plugin"
RUNNER_MODULE = "audit_fork_session"
SERVER_MODULE = "audit_fork_server"
_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".git", ".audit"}


@dataclass
class StageSettings:
    """What goes into the generated ``[tool.mutmut]``."""

    timeout_multiplier: float = 2.0
    timeout_constant: float = 1.0
    memory_limit_mb: int = 2048
    also_copy: list[str] = field(default_factory=list)
    do_not_mutate: list[str] = field(default_factory=list)
    max_children: int | None = None
    runner: str = "session-fork"  # [tool.audit.mutation] runner (auditor.mutation.driver.RUNNERS)


@dataclass
class Stage:
    """The working folder of the mutmut runs of one project."""

    root: Path  # the user's project
    folder: Path  # .audit/mutation
    source_paths: list[str]  # relative (posix) paths of the packages, as in the user's tree
    test_paths: list[str]
    copied: list[str] = field(default_factory=list)  # relative paths mirrored

    @property
    def mutants(self) -> Path:
        return self.folder / "mutants"

    @property
    def plugin_dir(self) -> Path:
        return self.folder / PLUGIN_DIR

    @property
    def killers(self) -> Path:
        """One file per function: the tests that killed its mutants (orders the next runs)."""
        return self.folder / "killers"


def _relative(root: Path, path: Path, what: str) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise ConfigError(f"[tool.audit] {what}: {path} is outside the project {root}") from None


def _walk(base: Path) -> list[Path]:
    if base.is_file():
        return [base]
    found = []
    for path in sorted(base.rglob("*")):
        rel_parts = path.relative_to(base).parts
        if any(part in _SKIP_DIRS or part.endswith(".egg-info") for part in rel_parts):
            continue
        if path.is_file() and path.suffix not in (".pyc", ".pyo"):
            found.append(path)
    return found


def _sync_file(source: Path, target: Path) -> bool:
    """Copy when missing or different; a changed file gets a fresh mtime. True if copied."""
    if target.is_file() and filecmp.cmp(source, target, shallow=False):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return True


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
        )
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _toml_table(name: str, table: dict[str, Any]) -> str:
    lines = [f"[{name}]"]
    lines += [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def user_pytest_options(root: Path) -> dict[str, Any]:
    """The user's ``[tool.pytest.ini_options]`` (copied so tests run as they do at home)."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    options = data.get("tool", {}).get("pytest", {}).get("ini_options", {})
    return dict(options) if isinstance(options, dict) else {}


def parent_package_files(root: Path, test_paths: list[str]) -> list[str]:
    """``__init__.py``/``conftest.py`` of the folders above each test path.

    Without ``tests/__init__.py``, pytest would import ``tests/provisioner/``
    as a top-level package named ``provisioner`` and shadow the real one.
    """
    found = set()
    for rel in test_paths:
        for parent in Path(rel).parents:
            if parent == Path("."):
                break
            for name in ("__init__.py", "conftest.py"):
                if (root / parent / name).is_file():
                    found.add((parent / name).as_posix())
    return sorted(found)


def mutmut_table(stage: Stage, settings: StageSettings) -> dict[str, Any]:
    also_copy = [
        *stage.test_paths,
        *parent_package_files(stage.root, stage.test_paths),
        *settings.also_copy,
    ]
    if (stage.root / "conftest.py").is_file():
        also_copy.append("conftest.py")
    if (stage.root / "pytest.ini").is_file():
        also_copy.append("pytest.ini")
    table: dict[str, Any] = {
        "source_paths": stage.source_paths,
        "pytest_add_cli_args_test_selection": stage.test_paths,
        "pytest_add_cli_args": ["-p", PLUGIN_MODULE, "-p", "no:cacheprovider"],
        # folders first: mutmut copies a file only into a folder that exists
        "also_copy": sorted(dict.fromkeys(also_copy), key=lambda p: (Path(p).suffix != "", p)),
        "timeout_multiplier": float(settings.timeout_multiplier),
        "timeout_constant": float(settings.timeout_constant),
        # the staged folder lives inside the user's repository: keep mutmut's
        # git-based cache invalidation away from it (we invalidate ourselves)
        "use_git_change_detection": False,
        "on_dependency_change": "ignore",
    }
    if settings.do_not_mutate:
        # matched here with the globs of every analysis (gitignore-style), handed to
        # mutmut as the files themselves: mutmut's own fnmatch lets `*` cross folders
        sources = [rel for rel in stage.copied if rel.endswith(".py") and any(
            rel == src or rel.startswith(src.rstrip("/") + "/") for src in stage.source_paths)]
        table["do_not_mutate"] = sorted(
            {path for pattern in settings.do_not_mutate for path in matching(pattern, sources)}
        )
    return table


def prepare_stage(
    root: Path,
    state_dir: Path,
    packages: list[PackageLocation],
    tests: list[str],
    settings: StageSettings,
) -> Stage:
    """Mirror the project into ``state_dir/mutation`` and write the mutmut config."""
    folder = state_dir / STAGE_NAME
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by test-auditor: mutmut's working folder.\n*\n")
    source_paths = [_relative(root, p.path, "packages") for p in packages]
    test_paths = []
    for test in tests:
        path = root / test
        if not path.exists():
            raise ConfigError(f"[tool.audit] tests: {test!r} does not exist")
        test_paths.append(_relative(root, path, "tests"))
    stage = Stage(root=root, folder=folder, source_paths=source_paths, test_paths=test_paths)

    wanted: set[str] = set()
    roots = [
        *source_paths,
        *test_paths,
        *parent_package_files(root, test_paths),
        *settings.also_copy,
        "conftest.py",
        "pytest.ini",
    ]
    for rel in roots:
        base = root / rel
        if not base.exists():
            continue
        for path in _walk(base):
            wanted.add(path.relative_to(root).as_posix())
    for rel in sorted(wanted):
        if _sync_file(root / rel, folder / rel) and not rel.endswith(".py"):
            # mutmut copies non-Python package files only once; refresh its copy
            mirror = stage.mutants / rel
            if mirror.exists():
                shutil.copyfile(root / rel, mirror)
    _remove_vanished(stage, wanted, roots)
    stage.copied = sorted(wanted)

    plugin_source = Path(__file__).with_name("worker_plugin.py")
    stage.plugin_dir.mkdir(exist_ok=True)
    _sync_file(plugin_source, stage.plugin_dir / f"{PLUGIN_MODULE}.py")
    # the session-fork runner and its server, imported by the mutmut_entry program
    for source, module in (("fork_session.py", RUNNER_MODULE), ("fork_server.py", SERVER_MODULE)):
        _sync_file(Path(__file__).with_name(source), stage.plugin_dir / f"{module}.py")

    pytest_options = user_pytest_options(root)
    text = (
        "# Generated by test-auditor for its mutmut runs; edits are overwritten.\n"
        + _toml_table("tool.mutmut", mutmut_table(stage, settings))
        + "\n"
        + _toml_table("tool.pytest.ini_options", pytest_options)
    )
    config_file = folder / "pyproject.toml"
    if not config_file.exists() or config_file.read_text() != text:
        config_file.write_text(text)
    return stage


def _remove_vanished(stage: Stage, wanted: set[str], roots: list[str]) -> None:
    for rel in roots:
        base = stage.folder / rel
        if not base.exists():
            continue
        for path in _walk(base):
            name = path.relative_to(stage.folder).as_posix()
            if name in wanted:
                continue
            path.unlink()
            for stale in (stage.mutants / name, stage.mutants / (name + ".meta")):
                stale.unlink(missing_ok=True)
