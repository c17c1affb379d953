"""The built wheel carries its templates and schemas and works outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.support.projects import REPO_ROOT, make_calc_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(REPO_ROOT)],
        check=True, capture_output=True, timeout=600,
    )
    [built] = out.glob("*.whl")
    return built


def test_wheel_contains_templates_and_schemas(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = sorted(p.relative_to(REPO_ROOT / "reports/templates").as_posix()
                       for p in (REPO_ROOT / "reports/templates").rglob("*.j2"))
    assert templates, "no templates in the checkout"
    for template in templates:
        assert f"auditor/_templates/{template}" in names
    assert "auditor/schema/report.schema.json" in names
    assert "auditor/testrun/plugin/audit_pytest_plugin.py" in names


def test_installed_wheel_audits_a_project(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
         "--no-deps", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    # Dependencies come from this interpreter's site-packages, placed AFTER the
    # fresh venv's own, so `auditor` itself resolves to the installed wheel.
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = venv / "lib" / version / "site-packages"
    (site / "zz_borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.run(
        [str(python), "-c", "import auditor; print(auditor.__file__)"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv)

    project = make_calc_project(tmp_path / "project", "[tool.audit.gate]\nline = 40\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [str(venv / "bin" / "audit"), "report"], cwd=project, env=env,
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    html = (project / "audit-report" / "index.html").read_text()
    assert "src/calc/ops.py" in html
    assert (project / "audit-report" / "report.md").is_file()
