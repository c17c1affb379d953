"""Imports run in scratch: writes at import are reported, and the tree stays byte-identical.

Each fixture module writes one way a real module does at import: a relative
path (the working directory), next to ``__file__`` (inside the package), an
absolute path into the project root, a cache under ``~``, a temporary file,
and one through a subprocess (no audit event: found by the tree snapshot).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.imports.analysis import ImportsAnalysis
from auditor.imports.result import ImportsResult, ImportWrite
from tests.imports.fixture_project import make_context, write_project
from tests.support.projects import read_report, run_audit, tree_digest

WRITERS = {
    "src/pkg/__init__.py": "",
    "src/pkg/relative.py": "with open('app.log', 'w') as f:\n    f.write('started')\n",
    "src/pkg/beside.py": (
        "import os\n"
        "HERE = os.path.dirname(__file__)\n"
        "with open(os.path.join(HERE, 'cache.json'), 'w') as f:\n"
        "    f.write('{}')\n"
    ),
    "src/pkg/tolerant.py": (
        "import pathlib\n"
        "try:\n"
        "    pathlib.Path(__file__).with_name('tables.py').write_text('TABLES = {}')\n"
        "except OSError:\n"
        "    TABLES = None  # like ply: tables that cannot be written are rebuilt\n"
        "VALUE = 1\n"
    ),
    "src/pkg/into_root.py": (
        "import pathlib\n"
        "ROOT = pathlib.Path(__file__).resolve().parents[2]\n"
        "(ROOT / 'generated').mkdir()\n"
    ),
    "src/pkg/overwrites.py": (
        "import pathlib\n"
        "ROOT = pathlib.Path(__file__).resolve().parents[2]\n"
        "(ROOT / 'README.txt').write_text('clobbered')\n"
    ),
    "src/pkg/homecache.py": (
        "import os\n"
        "folder = os.path.expanduser('~/.cache/pkg')\n"
        "os.makedirs(folder, exist_ok=True)\n"
        "open(os.path.join(folder, 'index'), 'w').close()\n"
    ),
    "src/pkg/temporary.py": "import tempfile\nHANDLE = tempfile.NamedTemporaryFile()\n",
    "src/pkg/where.py": "import os\nCWD = os.getcwd()\nHOME = os.environ['HOME']\n",
    "src/pkg/clean.py": "VALUE = 2\n",
    "README.txt": "the user's own file\n",
}


def _check(tmp_path: Path, mode: str, files: dict[str, str]) -> tuple[Path, ImportsResult]:
    root = write_project(tmp_path / "proj", files, ["pkg"],
                         f'[tool.audit.imports]\nmode = "{mode}"\nworkers = 1\n')  # fmt: skip
    before = tree_digest(root)
    result = ImportsAnalysis().run(make_context(root))
    assert tree_digest(root) == before, "the import check changed the project tree"
    return root, result


def _by_module(writes: list[ImportWrite]) -> dict[str, list[tuple[str, str, bool]]]:
    found: dict[str, list[tuple[str, str, bool]]] = {}
    for write in writes:
        found.setdefault(write.module, []).append((write.where, write.path, write.blocked))
    return found


@pytest.mark.parametrize("mode", ["fork", "fresh"])
def test_writes_at_import_are_reported_and_the_tree_is_untouched(
    tmp_path: Path, mode: str
) -> None:
    _, result = _check(tmp_path, mode, WRITERS)
    writes = _by_module(result.writes)
    assert writes == {
        "pkg.relative": [("cwd", "app.log", False)],
        "pkg.beside": [("project", "src/pkg/cache.json", True)],
        "pkg.tolerant": [("project", "src/pkg/tables.py", True)],
        "pkg.into_root": [("project", "generated", True)],
        "pkg.overwrites": [("project", "README.txt", True)],
        "pkg.homecache": [("home", ".cache/pkg/index", False)],
    }
    # Blocked writes that the module did not survive stop its import: they
    # are reported as the write, not as a broken module.
    stopped = {w.module for w in result.writes if w.stopped_import}
    assert stopped == {"pkg.beside", "pkg.into_root", "pkg.overwrites"}
    assert result.failures == []


def test_a_write_names_the_line_that_asked_for_it(tmp_path: Path) -> None:
    _, result = _check(tmp_path, "fork", WRITERS)
    lines = {w.module: (w.file, w.line) for w in result.writes}
    # Counted by hand in WRITERS: the open()/write_text()/mkdir() calls.
    assert lines["pkg.relative"] == ("src/pkg/relative.py", 1)
    assert lines["pkg.beside"] == ("src/pkg/beside.py", 3)
    assert lines["pkg.tolerant"] == ("src/pkg/tolerant.py", 3)
    assert lines["pkg.into_root"] == ("src/pkg/into_root.py", 3)
    assert lines["pkg.homecache"] == ("src/pkg/homecache.py", 4)


@pytest.mark.parametrize("mode", ["fork", "fresh"])
def test_imports_run_in_scratch_not_the_project_or_home(tmp_path: Path, mode: str) -> None:
    files = {
        "src/pkg/__init__.py": "",
        # Fails (and says where it ran) unless cwd and HOME are scratch folders.
        "src/pkg/where.py": (
            "import os, pathlib, tempfile\n"
            "ROOT = pathlib.Path(__file__).resolve().parents[2]\n"
            "places = {'cwd': os.getcwd(), 'home': os.path.expanduser('~'),\n"
            "          'tmp': tempfile.gettempdir()}\n"
            "bad = {k: v for k, v in places.items()\n"
            "       if pathlib.Path(v).resolve() in (ROOT, *ROOT.parents)\n"
            f"       or v == {str(Path.home())!r}}}\n"
            "if bad or len(set(places.values())) != 3:\n"
            "    raise RuntimeError(repr(places))\n"
        ),
    }
    _, result = _check(tmp_path, mode, files)
    assert result.failures == []


@pytest.mark.slow
def test_a_subprocess_write_is_found_by_the_tree_snapshot(tmp_path: Path) -> None:
    # A subprocess raises no audit event in our child: the guard cannot block
    # it; the snapshot of the package folders finds it (and it is not undone).
    files = {
        "src/pkg/__init__.py": "",
        "src/pkg/shell.py": (
            "import os, subprocess\n"
            "subprocess.run(['touch', os.path.join(os.path.dirname(__file__), 'stamp')])\n"
        ),
    }
    root = write_project(tmp_path / "proj", files, ["pkg"])
    result = ImportsAnalysis().run(make_context(root))
    assert [(w.module, w.where, w.path, w.action) for w in result.writes] == [
        ("", "project", "src/pkg/stamp", "created")
    ]
    assert any("C code or a subprocess" in note for note in result.notes)


@pytest.mark.slow
def test_audit_imports_reports_writes_and_leaves_the_tree_identical(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {**WRITERS, "tests/test_pkg.py": ""}, ["pkg"])
    before = tree_digest(root)
    run = run_audit("imports", root, "--output", tmp_path / "out")
    assert run.exit_code == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert tree_digest(root) == before
    report = read_report(tmp_path, "out")
    section = report["analyses"]["imports"]
    assert section["write_count"] == 6
    shown = {w["shown_path"] for w in section["writes"]}
    assert {"./app.log", "~/.cache/pkg/index", "src/pkg/cache.json", "README.txt"} <= shown
    html = (tmp_path / "out" / "index.html").read_text()
    assert 'id="imports-writes"' in html and "src/pkg/cache.json" in html
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "| pkg.beside | src/pkg/cache.json |" in markdown


def _python_3_8() -> str | None:
    found = sorted(Path("/root/.pyenv/versions").glob("3.8.*/bin/python"))
    return str(found[0]) if found else None


@pytest.mark.skipif(_python_3_8() is None, reason="no Python 3.8 on this machine")
@pytest.mark.parametrize("mode", ["fork", "fresh"])
def test_guard_and_environment_work_under_python_3_8(tmp_path: Path, mode: str) -> None:
    # 3.8 has no sys.stdlib_module_names nor packages_distributions: the
    # helpers' fallbacks must still classify winreg as another platform's.
    files = {
        "src/pkg/__init__.py": "",
        "src/pkg/beside.py": WRITERS["src/pkg/beside.py"],
        "src/pkg/relative.py": WRITERS["src/pkg/relative.py"],
        "src/pkg/windows.py": "import winreg\n",
    }
    config = f'[tool.audit.imports]\nmode = "{mode}"\n'
    root = write_project(tmp_path / "proj", files, ["pkg"], config)
    before = tree_digest(root)
    python = _python_3_8()
    assert python is not None
    result = ImportsAnalysis().run(make_context(root, python))
    assert tree_digest(root) == before
    assert result.python == python
    assert _by_module(result.writes) == {
        "pkg.beside": [("project", "src/pkg/cache.json", True)],
        "pkg.relative": [("cwd", "app.log", False)],
    }
    assert [(f.module, f.cause) for f in result.failures] == [("pkg.windows", "platform")]


def test_a_write_is_reported_even_when_the_import_then_hangs(tmp_path: Path) -> None:
    # The guard logs each write as it happens, so a child killed at the
    # timeout still has its writes reported.
    files = {
        "src/pkg/__init__.py": "",
        "src/pkg/writes_then_hangs.py": (
            "import os, time\n"
            "try:\n"
            "    open(os.path.join(os.path.dirname(__file__), 'pid'), 'w')\n"
            "except OSError:\n"
            "    pass\n"
            "while True:\n"
            "    time.sleep(0.05)\n"
        ),
    }
    config = '[tool.audit.imports]\ntimeout = 1\nmode = "fresh"\n'
    root = write_project(tmp_path / "proj", files, ["pkg"], config)
    before = tree_digest(root)
    result = ImportsAnalysis().run(make_context(root))
    assert tree_digest(root) == before
    assert [(f.module, f.error_type) for f in result.failures] == [
        ("pkg.writes_then_hangs", "Timeout")
    ]
    assert _by_module(result.writes) == {
        "pkg.writes_then_hangs": [("project", "src/pkg/pid", True)]
    }
