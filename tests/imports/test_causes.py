"""Every failed import gets its cause, from the exception and the project's declarations.

The fixture projects run in real interpreters: the auditor's own (where
``rich`` is installed and the ``*_xyz`` names are not), and a bare virtualenv
whose only distribution is the fixture project's own metadata, written the
way an installer writes it (``.dist-info`` with ``METADATA``), which is how a
project built by any backend, or by a computed ``setup.py``, declares its
dependencies. Each expected cause follows from the fixture's declarations
and the definitions in :mod:`auditor.imports.causes`.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from auditor.imports.analysis import ImportsAnalysis
from auditor.imports.result import ImportFailure, ImportsResult
from tests.imports.fixture_project import ProjectFactory, make_context, write_project
from tests.support.projects import read_report, run_audit, tree_digest

# The platform fixtures (winreg, ctypes.windll, a macOS framework) assume Linux.
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fixtures assume Linux")

DECLARING = {
    "pkg/__init__.py": "",
    "pkg/fine.py": "import rich\n",
    "pkg/required_gone.py": "import not_installed_required_xyz\n",
    "pkg/extra_gone.py": "import not_installed_extra_xyz.sub\n",
    # A namespace package (nsparent_xyz.other comes from elsewhere on the path,
    # see the fixture): the missing one is named after the dotted name.
    "pkg/namespace_dep.py": "import nsparent_xyz.storage\n",
    "pkg/undeclared.py": "import os\nimport nowhere_xyz\n",
    "pkg/windows_std.py": "import winreg\n",
    "pkg/windows_dep.py": "import winonly_xyz\n",
    # keyring.backends.macOS.api does this: on Linux find_library gives None,
    # CDLL(None) is the process itself, and the framework's symbol is not there.
    "pkg/mac_binding.py": (
        "import ctypes\nfrom ctypes.util import find_library\n"
        "_found = ctypes.CDLL(find_library('NoSuchFrameworkXyz'))\n"
        "CFDictionaryCreateXyz = _found.CFDictionaryCreateXyz\n"
    ),
    "pkg/windows_binding.py": "import ctypes\nkernel32 = ctypes.windll.kernel32\n",
    "pkg/gone_module.py": "import pkg.gone\n",
    "pkg/gone_name.py": "from pkg import gone\n",
    "pkg/library_name.py": "from rich import not_a_name_xyz\n",
    "pkg/own_error.py": "raise ImportError('pkg needs a configured backend')\n",
    "pkg/integrations/__init__.py": "",
    "pkg/integrations/host.py": "import somehost_xyz.extensions\n",
    "pkg/integrations/typo.py": "from pkg import gone\n",
    # A sibling package of the project (not configured): still the project's code.
    "helpers_xyz/__init__.py": "",
    "pkg/sibling_gone.py": "import helpers_xyz.gone\n",
}
PROJECT_TABLE = """
[project]
name = "fixture-pkg"
version = "1.0"
dependencies = [
    "rich>=10",
    "Not_Installed.Required-XYZ>=1",   # PEP 503: same name as not-installed-required-xyz
    "winonly-xyz; sys_platform == 'win32'",
    "nsparent-xyz-storage",
]
[project.optional-dependencies]
fancy = ["not-installed-extra-xyz"]

[tool.audit.imports]
optional = ["pkg.integrations.*"]
"""
EXPECTED = {
    "pkg.required_gone": "required-missing",
    "pkg.namespace_dep": "required-missing",
    "pkg.extra_gone": "optional-missing",
    "pkg.undeclared": "undeclared",
    "pkg.windows_std": "platform",
    "pkg.windows_dep": "platform",
    "pkg.mac_binding": "platform",
    "pkg.windows_binding": "platform",
    "pkg.gone_module": "first-party",
    "pkg.gone_name": "first-party",
    "pkg.library_name": "first-party",
    "pkg.own_error": "first-party",
    "pkg.integrations.host": "optional-missing",  # marked optional by hand
    "pkg.integrations.typo": "first-party",  # marked, but a first-party name is missing
    "pkg.sibling_gone": "first-party",
}


@pytest.fixture(scope="module")
def declaring(tmp_path_factory: pytest.TempPathFactory) -> ImportsResult:
    base = tmp_path_factory.mktemp("causes")
    root = write_project(base / "proj", DECLARING, ["pkg"], PROJECT_TABLE)
    # Another distribution's part of the namespace package, outside the project.
    elsewhere = base / "elsewhere"
    (elsewhere / "nsparent_xyz").mkdir(parents=True)
    (elsewhere / "nsparent_xyz" / "other.py").write_text("")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTHONPATH", str(elsewhere))
        return ImportsAnalysis().run(make_context(root))


def _by_module(result: ImportsResult) -> dict[str, ImportFailure]:
    return {f.module: f for f in result.failures}


def test_each_failure_has_its_cause(declaring: ImportsResult) -> None:
    assert {m: f.cause for m, f in _by_module(declaring).items()} == EXPECTED


def test_only_first_party_and_required_are_counted_for_the_gate(declaring: ImportsResult) -> None:
    data = declaring.to_dict()
    gated = [m for m, cause in EXPECTED.items() if cause in ("first-party", "required-missing")]
    assert data["failure_count"] == len(gated) == 8
    assert data["cause_counts"] == {
        "first-party": 6, "required-missing": 2, "optional-missing": 2, "undeclared": 1,
        "platform": 4,
    }  # fmt: skip
    assert data["dependency_sources"] == ["pyproject.toml [project]"]


def test_the_failure_names_the_module_and_the_distribution(declaring: ImportsResult) -> None:
    failures = _by_module(declaring)
    required = failures["pkg.required_gone"]
    assert (required.missing, required.distribution) == (
        "not_installed_required_xyz", "Not_Installed.Required-XYZ")  # fmt: skip
    assert "environment is incomplete" in required.reason
    extra = failures["pkg.extra_gone"]
    assert extra.missing == "not_installed_extra_xyz"
    assert "declared only in the extra fancy" in extra.reason
    undeclared = failures["pkg.undeclared"]
    assert (undeclared.missing, undeclared.line) == ("nowhere_xyz", 2)
    assert "nowhere_xyz is not installed and no declared dependency provides it" in (
        undeclared.reason)  # fmt: skip
    assert "sys_platform == \"win32\"" in failures["pkg.windows_dep"].reason
    assert "rich" in failures["pkg.library_name"].reason
    assert "ctypes cannot find a native library" in failures["pkg.mac_binding"].reason
    assert "optional = 'pkg.integrations.*'" in failures["pkg.integrations.host"].reason


def _bare_venv(where: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    return where / "bin" / "python"


def _install_metadata(python: Path, name: str, requires: list[str], top: str) -> None:
    """A ``.dist-info`` as an installer writes it, in the venv's site-packages."""
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    info = Path(purelib) / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", "Version: 1.0"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n")
    (info / "top_level.txt").write_text(top + "\n")
    (info / "RECORD").write_text("")


def test_installed_metadata_and_setup_py_declare_dependencies(
    project: ProjectFactory, tmp_path: Path
) -> None:
    python = _bare_venv(tmp_path / "venv")
    # The project's metadata is only in its installed distribution (setup.py
    # computes install_requires from a file, so it cannot be read statically).
    _install_metadata(python, "computed-pkg", ["PyYAML>=5", 'colorama; extra == "color"'], "pkg")
    ctx = project(
        {
            "setup.py": textwrap.dedent("""\
                from setuptools import setup
                REQUIRES = open("requirements.txt").read().split()
                setup(name="computed-pkg", install_requires=REQUIRES,
                      extras_require={"cli": ["click"]})
            """),
            "pkg/__init__.py": "",
            "pkg/config.py": "import yaml\n",  # PyYAML: another name than its module
            "pkg/colors.py": "import colorama\n",
            "pkg/cli.py": "import click\n",
        },
        python=str(python),
    )
    result = ImportsAnalysis().run(ctx)
    failures = _by_module(result)
    assert {m: f.cause for m, f in failures.items()} == {
        "pkg.config": "required-missing",
        "pkg.colors": "optional-missing",
        "pkg.cli": "optional-missing",
    }
    assert failures["pkg.config"].distribution == "PyYAML"
    assert result.dependency_sources == ["setup.py (read, not run)",
                                         "installed metadata of computed-pkg"]  # fmt: skip
    assert any("install_requires= is computed" in note for note in result.notes)


@pytest.mark.slow
def test_the_default_gate_fails_only_on_gated_causes(tmp_path: Path) -> None:
    files = {"pkg/__init__.py": "", "pkg/host.py": "import somehost_xyz\n", "tests/t.py": ""}
    config = '[project]\nname = "p"\nversion = "1"\ndependencies = []\n'
    root = write_project(tmp_path / "proj", files, ["pkg"], config)
    before = tree_digest(root)
    passing = run_audit("imports", root, "--output", tmp_path / "out")
    assert passing.exit_code == 0, passing.stderr
    section = read_report(tmp_path, "out")["analyses"]["imports"]
    assert [(f["module"], f["cause"]) for f in section["failures"]] == [("pkg.host", "undeclared")]
    assert section["failure_count"] == 0
    # A warning on stderr, with the module and the name it imports.
    assert "audit: imports: warning: pkg.host imports somehost_xyz: somehost_xyz is not " \
        "installed and no declared dependency provides it" in " ".join(passing.stderr.split())

    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text() + "[tool.audit.gate]\nimport_undeclared = 0\n"
    )
    gated = run_audit("imports", root, "--output", tmp_path / "out2")
    assert gated.exit_code == 1, gated.stderr
    rules = {r["id"]: r["status"] for r in read_report(tmp_path, "out2")["gate"]["rules"]}
    assert rules == {"import_failures": "passed", "import_undeclared": "failed"}
    assert "Traceback" not in passing.stderr + gated.stderr
    del before["pyproject.toml"]
    after = tree_digest(root)
    del after["pyproject.toml"]
    assert after == before


def test_a_venv_inside_the_root_holds_library_code(tmp_path: Path) -> None:
    """A ``.venv`` in a flat layout's root lies under the import root, yet what is
    installed there is not the project's code: an exception raised in it is
    raised by library code (so ``optional`` applies), and the failure points at
    the project's own import line, not into site-packages."""
    root = write_project(
        tmp_path / "proj",
        {
            "pkg/__init__.py": "",
            "pkg/integration.py": "import hostlib\n",  # hostlib needs its host to run
            "pkg/own_bug.py": "VALUE = 1\nraise RuntimeError('broken on purpose')\n",
        },
        ["pkg"],
        '[tool.audit.imports]\noptional = ["pkg.integration"]\n',
    )
    python = _bare_venv(root / ".venv")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "hostlib.py").write_text(
        "raise RuntimeError('hostlib runs only inside its host application')\n")
    failures = _by_module(ImportsAnalysis().run(make_context(root, str(python))))
    integration = failures["pkg.integration"]
    assert integration.cause == "optional-missing"
    assert "raised by library code" in integration.reason
    assert (integration.path, integration.line) == ("pkg/integration.py", 1)
    own = failures["pkg.own_bug"]
    assert (own.cause, own.path, own.line) == ("first-party", "pkg/own_bug.py", 2)
