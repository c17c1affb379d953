"""Each module is imported in isolation, in the project's interpreter.

Module ``a_*`` files sort (and so start) before the ``b_*`` files they try
to influence; with ``workers = 1`` they also run strictly before them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.errors import ConfigError, IncompleteAuditError
from auditor.imports.analysis import ImportsAnalysis
from auditor.imports.checker import CheckRequest, check_imports
from auditor.imports.result import ImportFailure
from tests.imports.fixture_project import ProjectFactory


def _failed(failures: list[ImportFailure]) -> dict[str, str]:
    return {f.module: f.error_type for f in failures}


@pytest.mark.parametrize("mode", ["fork", "fresh"])
def test_side_effects_of_one_module_do_not_reach_another(
    project: ProjectFactory, mode: str
) -> None:
    ctx = project(
        {
            "pkg/__init__.py": "",
            # Hides b_needs_fake's failure if it leaked.
            "pkg/a_fakes_module.py": (
                "import sys, types\n"
                "sys.modules['fake_dep_xyz'] = types.ModuleType('fake_dep_xyz')\n"
            ),
            "pkg/b_needs_fake.py": "import fake_dep_xyz\n",
            # Would make b_uses_json fail if it leaked.
            "pkg/a_breaks_json.py": "import json\njson.loads = None\n",
            "pkg/b_uses_json.py": "import json\nVALUE = json.loads('[1]')\n",
        },
        extra_config=f'[tool.audit.imports]\nworkers = 1\nmode = "{mode}"\n',
    )
    result = ImportsAnalysis().run(ctx)
    assert result.mode == mode
    assert _failed(result.failures) == {"pkg.b_needs_fake": "ModuleNotFoundError"}
    assert result.modules_checked == 5


def test_flat_layout_and_namespace_packages(project: ProjectFactory) -> None:
    ctx = project(
        {
            # `ns` has no __init__.py at any level (PEP 420).
            "ns/plain.py": "X = 1\n",
            "ns/deeper/leaf.py": "from ns.plain import X\nY = X + 1\n",
            "ns/deeper/broken.py": "from ns.plain import Z\n",
            "ns/__pycache__/stale.py": "raise RuntimeError('never looked at')\n",
            "ns/not-a-module.py": "raise RuntimeError('cannot be imported by name')\n",
        },
        packages=["ns"],
    )
    assert ctx.packages[0].import_root == ctx.root  # flat layout
    result = ImportsAnalysis().run(ctx)
    assert sorted(result.import_seconds) == ["ns.deeper.broken", "ns.deeper.leaf", "ns.plain"]
    assert _failed(result.failures) == {"ns.deeper.broken": "ImportError"}


def test_tests_inside_the_package_are_not_imported(project: ProjectFactory) -> None:
    ctx = project(
        {
            "src/pkg/__init__.py": "",
            "src/pkg/core.py": "X = 1\n",
            "src/pkg/conftest.py": "raise RuntimeError('conftest is test code')\n",
            "src/pkg/tests/__init__.py": "",
            "src/pkg/tests/test_core.py": "raise RuntimeError('test code')\n",
        },
        tests=["src/pkg/tests"],
    )
    result = ImportsAnalysis().run(ctx)
    assert sorted(result.import_seconds) == ["pkg", "pkg.core"]
    assert result.failures == []


def test_runs_in_the_project_interpreter_not_the_auditors(
    project: ProjectFactory, tmp_path: Path
) -> None:
    venv = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    ctx = project(
        {
            "src/pkg/__init__.py": "",
            # rich is installed for the auditor, not in the bare venv.
            "src/pkg/pretty.py": "import rich\n",
            "src/pkg/where.py": "import sys\nPREFIX = sys.prefix\n",
        },
        python=str(python),
    )
    result = ImportsAnalysis().run(ctx)
    assert result.python == str(python)
    assert _failed(result.failures) == {"pkg.pretty": "ModuleNotFoundError"}
    assert result.failures[0].message == "No module named 'rich'"


def test_fork_unsafe_preload_is_confirmed_in_a_fresh_interpreter(
    project: ProjectFactory,
) -> None:
    # warmlib (preloaded on request) leaves a lock held by a thread; a forked
    # child inherits the lock held but not the thread, so pkg.locked hangs
    # after fork, and imports fine in a fresh interpreter.
    ctx = project(
        {
            "src/warmlib.py": """\
                import json, threading, time
                lock = threading.Lock()
                json._audit_fixture_lock = lock
                ready = threading.Event()
                def hold():
                    with lock:
                        ready.set()
                        while True:
                            time.sleep(60)
                threading.Thread(target=hold, daemon=True).start()
                ready.wait()
            """,
            "src/pkg/__init__.py": "",
            "src/pkg/locked.py": (
                "import json, threading\n"
                "getattr(json, '_audit_fixture_lock', threading.Lock()).acquire()\n"
            ),
        },
        extra_config='[tool.audit.imports]\ntimeout = 1\npreload = ["warmlib"]\n',
    )
    result = ImportsAnalysis().run(ctx)
    assert result.failures == []
    assert result.preloaded == 1
    assert len(result.notes) == 1
    assert result.notes[0].startswith("pkg.locked: Timeout after fork but imports in a fresh")


def test_a_preload_that_kills_the_worker_is_dropped(project: ProjectFactory) -> None:
    ctx = project(
        {
            "src/crashlib.py": "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n",
            "src/noisylib.py": "import os\nprint('{\"event\": \"done\"}')\nos.write(1, b'x\\n')\n",
            "src/pkg/__init__.py": "",
            "src/pkg/ok.py": "X = 1\n",
        },
        extra_config='[tool.audit.imports]\npreload = ["crashlib", "noisylib"]\n',
    )
    result = ImportsAnalysis().run(ctx)
    assert result.failures == []
    assert result.modules_checked == 2
    assert result.notes == [
        "crashlib was not preloaded: importing it killed or hung the warm parent"
    ]
    assert result.preloaded == 1  # noisylib


def test_unrunnable_interpreter_is_an_incomplete_audit(tmp_path: Path) -> None:
    request = CheckRequest(
        python=str(tmp_path / "no-such-python"), root=tmp_path, import_roots=[tmp_path],
        modules=["anything"],
    )  # fmt: skip
    with pytest.raises(IncompleteAuditError, match="cannot run the project's interpreter"):
        check_imports(request)


def test_a_worker_that_cannot_start_is_an_incomplete_audit(tmp_path: Path) -> None:
    # An "interpreter" that exits at once without speaking the protocol.
    fake = tmp_path / "fake-python"
    fake.write_text("#!/bin/sh\necho 'Python 2.7 is not supported' >&2\nexit 9\n")
    fake.chmod(0o755)
    request = CheckRequest(
        python=str(fake), root=tmp_path, import_roots=[tmp_path], modules=["anything"]
    )
    with pytest.raises(IncompleteAuditError, match=r"status 9: Python 2\.7 is not supported"):
        check_imports(request)


def test_package_modules_imported_by_a_preload_are_imported_again(
    project: ProjectFactory,
) -> None:
    # hostlib imports pkg.needs_env under conditions the child does not have;
    # had the warm parent kept it in sys.modules, its KeyError would be hidden.
    ctx = project(
        {
            "src/hostlib.py": """\
                import os
                os.environ["PKG_FIXTURE_MODE"] = "host"
                import pkg.needs_env
                del os.environ["PKG_FIXTURE_MODE"]
            """,
            "src/pkg/__init__.py": "",
            "src/pkg/needs_env.py": "import os\nMODE = os.environ['PKG_FIXTURE_MODE']\n",
        },
        extra_config='[tool.audit.imports]\npreload = ["hostlib"]\n',
    )
    result = ImportsAnalysis().run(ctx)
    assert _failed(result.failures) == {"pkg.needs_env": "KeyError"}
    assert result.preloaded == 1
    assert result.notes == [
        "preloaded libraries imported 2 modules of the packages (pkg, pkg.needs_env); "
        "they were dropped again so that each module is still imported on its own"
    ]


def _oldest_python() -> str | None:
    """A Python 3.8 on this machine (pyenv or PATH), for the worker's compatibility claim."""
    found = sorted(Path("/root/.pyenv/versions").glob("3.8.*/bin/python"))
    return str(found[0]) if found else shutil.which("python3.8")


@pytest.mark.skipif(_oldest_python() is None, reason="no Python 3.8 on this machine")
def test_worker_runs_under_python_3_8(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "bad.py").write_text("import json\nimport nope_xyz\n")
    python = _oldest_python()
    assert python is not None
    run = check_imports(
        CheckRequest(
            python=python, root=tmp_path, import_roots=[tmp_path], modules=["pkg", "pkg.bad"],
            preload_candidates=["json"],
        )
    )  # fmt: skip
    assert run.version.startswith("3.8.")
    assert {m: o.error_type for m, o in run.outcomes.items()} == {
        "pkg": "",
        "pkg.bad": "ModuleNotFoundError",
    }
    assert run.outcomes["pkg.bad"].line == 2


def _python_3_7() -> str | None:
    found = sorted(Path("/root/.pyenv/versions").glob("3.7.*/bin/python"))
    return str(found[0]) if found else None


@pytest.mark.skipif(_python_3_7() is None, reason="no Python 3.7 on this machine")
def test_an_interpreter_without_audit_hooks_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    python = _python_3_7()
    assert python is not None
    request = CheckRequest(python=python, root=tmp_path, import_roots=[tmp_path], modules=["pkg"])
    with pytest.raises(ConfigError, match=r"python: .*needs Python 3\.8 or later, not 3\.7\."):
        check_imports(request)
