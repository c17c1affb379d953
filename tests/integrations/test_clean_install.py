"""Clean install (issue 14, part 6): the auditor's wheel is the `audit` command alone.

The wheels are built for real (``python -m build --wheel --no-isolation``,
hatchling from the dev extra, so no download) and read back as pip reads
them: ``METADATA`` for Requires-Dist, ``entry_points.txt`` for commands, the
file list for packages. The expected dependencies are not a copied list: they
are the third-party modules the auditor's source imports (every ``import``
statement, function-level ones included), mapped to their distributions by
``importlib.metadata``, so a dependency nobody imports fails the test as
surely as an import nobody declared.
"""

from __future__ import annotations

import ast
import configparser
import subprocess
import sys
import zipfile
from email.parser import Parser
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.projects import REPO_ROOT

pytestmark = pytest.mark.slow

PROVISIONER_ONLY = {"kubernetes", "kubernetes-validate", "hypothesis", "pyyaml"}


def build_wheel(source: Path, out: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out),
         str(source)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (wheel,) = out.glob("*.whl")
    return wheel


def wheel_metadata(wheel: Path) -> tuple[list[Requirement], dict[str, str], list[str]]:
    """(Requires-Dist, console scripts, file names) of a built wheel."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        points = configparser.ConfigParser()
        if f"{info}/entry_points.txt" in names:
            points.read_string(archive.read(f"{info}/entry_points.txt").decode())
    requires = [Requirement(r) for r in metadata.get_all("Requires-Dist") or []]
    scripts = dict(points["console_scripts"]) if points.has_section("console_scripts") else {}
    return requires, scripts, names


def base_requirements(requires: list[Requirement]) -> set[str]:
    """Distributions required without any extra (what ``pip install .`` brings)."""
    return {canonicalize_name(r.name) for r in requires
            if r.marker is None or r.marker.evaluate({"extra": ""})}


def extra_requirements(requires: list[Requirement], extra: str) -> set[str]:
    """Distributions that ``extra`` adds to the base ones."""
    return {canonicalize_name(r.name) for r in requires
            if r.marker is not None and r.marker.evaluate({"extra": extra})
            and not r.marker.evaluate({"extra": ""})}


def run_as_module(node: ast.AST) -> list[str]:
    """``[sys.executable, "-m", "mypy", ...]``: the module our own interpreter runs."""
    if not isinstance(node, ast.List | ast.Tuple) or len(node.elts) < 3:
        return []
    first, flag, module = node.elts[:3]
    if (ast.unparse(first) == "sys.executable" and isinstance(flag, ast.Constant)
            and flag.value == "-m" and isinstance(module, ast.Constant)):
        return [str(module.value)]
    return []


def imported_distributions(package: Path) -> dict[str, set[str]]:
    """``distribution -> files using it``: every import in ``package``, and every module it
    runs with its own interpreter (``sys.executable -m``: that needs installing just as much).
    """
    owners = packages_distributions()
    found: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                modules = run_as_module(node)
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top == package.name:
                    continue
                assert top in owners, f"{path}: imports {top}, which no installed distribution has"
                # _pytest belongs to pytest, markupsafe to MarkupSafe: the owner's name counts
                found.setdefault(canonicalize_name(owners[top][0]), set()).add(str(path))
    return found


def test_the_auditor_wheel_requires_what_the_auditor_imports_and_ships_audit_alone(
    tmp_path: Path,
) -> None:
    requires, scripts, names = wheel_metadata(build_wheel(REPO_ROOT, tmp_path / "dist"))
    base = base_requirements(requires)
    imported = imported_distributions(REPO_ROOT / "auditor")
    optional = {"psycopg": "postgres"}  # a PostgreSQL history is opt-in (docs/history-team.md)

    assert scripts == {"audit": "auditor.cli:main"}
    assert not [n for n in names if n.startswith("provisioner/")]
    assert not base & PROVISIONER_ONLY
    undeclared = {d: sorted(f) for d, f in imported.items()
                  if d not in base and d not in optional}
    assert not undeclared, f"imported by the auditor but not required: {undeclared}"
    unused = base - set(imported)
    assert not unused, f"required but never imported by auditor/: {sorted(unused)}"
    for distribution, extra in optional.items():
        assert distribution in extra_requirements(requires, extra)


def test_the_provisioner_is_its_own_distribution_with_its_command(tmp_path: Path) -> None:
    requires, scripts, names = wheel_metadata(
        build_wheel(REPO_ROOT / "provisioner", tmp_path / "dist")
    )
    base = base_requirements(requires)
    imported = imported_distributions(REPO_ROOT / "provisioner")

    assert scripts == {"provisioner": "provisioner.cli:main"}
    # Every module of the checkout's package is in the wheel, under provisioner/.
    shipped = {n for n in names if n.startswith("provisioner/")}
    on_disk = {f"provisioner/{p.relative_to(REPO_ROOT / 'provisioner').as_posix()}"
               for p in (REPO_ROOT / "provisioner").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts and p.name != "pyproject.toml"}
    assert shipped == on_disk
    # urllib3 comes with kubernetes, whose client the provisioner catches errors of.
    assert set(imported) - {"urllib3"} <= base
    assert {"kubernetes", "kubernetes-validate", "pyyaml"} <= base


def test_pip_install_of_the_checkout_gives_the_audit_command_alone(tmp_path: Path) -> None:
    """``pip install .`` into a fresh virtualenv: ``bin/`` has ``audit``, not ``provisioner``.

    ``--no-deps`` keeps the test offline; the dependencies are the first test's subject.
    """
    wheel = build_wheel(REPO_ROOT, tmp_path / "dist")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    commands = {p.name for p in (venv / "bin").iterdir()}
    assert "audit" in commands
    assert "provisioner" not in commands
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert (site / "auditor" / "cli.py").is_file()
    assert not (site / "provisioner").exists()
