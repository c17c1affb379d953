"""The real-project corpus: pinned PyPI sdists, each unpacked fresh beside its own venv.

Several bench scripts (the coverage comparison, the mocks and imports corpora)
run the auditor on the same real projects. This module is the one place that
knows how to get them: it reads ``projects.toml``, downloads each pinned
sdist once (verified against its sha256, cached by that hash), unpacks a
FRESH copy of the source for every run (a run may not see what an earlier run
left in the tree), and creates or reuses one virtualenv per project with the
project, its test requirements, pytest and coverage installed.

The project itself is installed from its sdist into the venv (so its
dependencies, entry points and ``importlib.metadata`` version exist), but the
suite imports the fresh copy: the copy's import root (``src/`` or the project
root) comes first on ``sys.path`` (the auditor puts it on ``PYTHONPATH``; a
by-hand run does the same with :attr:`Prepared.env`), which is what an
editable install gives a developer.

Stdlib only, so any interpreter can import it. Everything lands under
``${AUDIT_CORPUS_DIR:-$HOME/.cache/audit-corpus}``::

    sdists/<sha256>/<file>.tar.gz     the verified downloads
    venvs/<name>-<key>/               one venv per project version + requirements
    work/<name>-<random>/<top>/       fresh copies (the caller removes them)

Usage: python bench/corpus/corpus.py prepare [NAME...]
       python bench/corpus/corpus.py list
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECTS_FILE = HERE / "projects.toml"
# Bumped when the way venvs are built changes, so old ones are not reused.
VENV_LAYOUT = "1"
# The corpus scripts, by the step name a project's ``steps`` lists.
STEPS = ("coverage", "mocks", "imports")


class CorpusError(Exception):
    """A corpus project cannot be prepared (download, checksum, install)."""


@dataclass(frozen=True)
class Project:
    """One pinned project of projects.toml."""

    name: str  # the distribution name on the package index
    version: str
    sha256: str  # of the sdist
    packages: tuple[str, ...]  # import names of the code under audit
    tests: tuple[str, ...]  # test paths, relative to the unpacked root
    requirements: tuple[str, ...]  # extra test requirements (pip specifiers)
    pytest_args: tuple[str, ...]
    features: tuple[str, ...]  # what the project exercises (documentation)
    notes: str = ""
    # The corpus scripts that run this project (all by default); a project added
    # for its mocks or imports only leaves the coverage comparison out (CI time).
    steps: tuple[str, ...] = STEPS

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass(frozen=True)
class Prepared:
    """A fresh copy of one project, ready to test with its own interpreter."""

    name: str
    root: Path  # the unpacked source tree (fresh, writable, yours to delete)
    python: Path  # the venv's interpreter
    project: Project
    import_root: Path  # the folder that must come first on sys.path
    workdir: Path  # the folder holding root; remove it when done
    env: dict[str, str] = field(default_factory=dict, repr=False)

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


def cache_dir() -> Path:
    configured = os.environ.get("AUDIT_CORPUS_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "audit-corpus"


def _strings(entry: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CorpusError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def load_projects(path: Path = PROJECTS_FILE) -> list[Project]:
    """All projects of ``projects.toml``, in file order."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    projects = []
    for index, entry in enumerate(data.get("project", [])):
        where = f"{path.name}: project #{index + 1}"
        for key in ("name", "version", "sha256"):
            if not isinstance(entry.get(key), str):
                raise CorpusError(f"{where}: {key} must be a string")
        steps = _strings(entry, "steps", where) if "steps" in entry else STEPS
        unknown = sorted(set(steps) - set(STEPS))
        if unknown or not steps:
            raise CorpusError(f"{where}: steps must be a non-empty list of {', '.join(STEPS)}"
                              f"{'; unknown: ' + ', '.join(unknown) if unknown else ''}")
        projects.append(
            Project(
                name=entry["name"],
                version=entry["version"],
                sha256=entry["sha256"],
                packages=_strings(entry, "packages", where),
                tests=_strings(entry, "tests", where),
                requirements=_strings(entry, "requirements", where),
                pytest_args=_strings(entry, "pytest_args", where),
                features=_strings(entry, "features", where),
                notes=str(entry.get("notes", "")),
                steps=steps,
            )
        )
    return projects


def select(projects: Sequence[Project], names: Sequence[str],
           step: str | None = None) -> list[Project]:
    """The named projects (all when no name is given); unknown names are an error.

    With ``step``, only the projects whose ``steps`` list it; naming a project
    that leaves the step out is an error too (it would be silently skipped).
    """
    known = {p.name: p for p in projects}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CorpusError(f"unknown corpus project(s): {', '.join(unknown)}")
    chosen = [known[n] for n in names] if names else list(projects)
    if step is None:
        return chosen
    left_out = [p.name for p in chosen if step not in p.steps]
    if names and left_out:
        raise CorpusError(f"project(s) not in the {step} step (see steps in "
                          f"{PROJECTS_FILE.name}): {', '.join(left_out)}")
    return [p for p in chosen if step in p.steps]


def write_audit_config(path: Path, project: Project, python: Path | str,
                       **settings: object) -> None:
    """The audit's ``[tool.audit]`` for one corpus project, written to ``path``
    (outside the project's tree: the project's own files are never edited).

    Every corpus script declares the same base, only what pytest needs:
    ``packages``, ``tests``, the venv's ``python`` and ``pytest_args``; nothing
    tuned to the labels. ``settings`` add keys: a plain value goes into
    ``[tool.audit]``, a dict becomes the table ``[tool.audit.<key>]``.
    """
    top: dict[str, object] = {
        "packages": list(project.packages),
        "tests": list(project.tests),
        "python": str(python),
        "pytest_args": list(project.pytest_args),
    }
    tables: dict[str, dict[str, object]] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            tables[key] = value
        else:
            top[key] = value
    # JSON strings, numbers, booleans and lists of them are valid TOML values.
    lines = ["[tool.audit]", *(f"{k} = {json.dumps(v)}" for k, v in top.items())]
    for table, values in tables.items():
        lines += ["", f"[tool.audit.{table}]"]
        lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@contextlib.contextmanager
def _locked(lock_file: Path) -> Iterator[None]:
    """Exclusive lock across processes: two scripts may prepare the same project."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(command: list[str], what: str, timeout: float = 900) -> None:
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise CorpusError(f"{what} failed (exit {done.returncode}): " + " | ".join(tail))


def sdist(project: Project) -> Path:
    """The verified sdist of ``project``, downloaded on first use."""
    folder = cache_dir() / "sdists" / project.sha256
    with _locked(cache_dir() / "locks" / f"sdist-{project.sha256}.lock"):
        found = sorted(folder.glob("*.tar.gz")) if folder.is_dir() else []
        if found:
            return found[0]
        folder.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder.parent) as scratch:
            # --no-binary NAME with --no-deps fetches the sdist without building
            # anything but its metadata (build deps come as wheels).
            _run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                 "--no-binary", project.name, project.pin, "-d", scratch],
                f"download of {project.pin}",
            )
            files = sorted(Path(scratch).glob("*.tar.gz"))
            if len(files) != 1:
                raise CorpusError(f"download of {project.pin}: expected one .tar.gz, got {files}")
            actual = _sha256(files[0])
            if actual != project.sha256:
                raise CorpusError(
                    f"{project.pin}: sha256 of {files[0].name} is {actual}, "
                    f"projects.toml pins {project.sha256}"
                )
            staged = Path(scratch) / "verified"
            staged.mkdir()
            shutil.move(str(files[0]), staged / files[0].name)
            staged.rename(folder)  # atomic: a folder is there only when verified
        return next(folder.glob("*.tar.gz"))


def _base_requirements() -> tuple[str, ...]:
    with PROJECTS_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    return tuple(data.get("defaults", {}).get("requirements", ["pytest", "coverage"]))


def venv_key(project: Project) -> str:
    """What makes a venv reusable: project, requirements, interpreter, layout."""
    text = json.dumps(
        [VENV_LAYOUT, project.pin, project.sha256, sorted(project.requirements),
         sorted(_base_requirements()), list(sys.version_info[:3])]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def venv(project: Project) -> Path:
    """The venv interpreter for ``project``, built on first use (under a lock)."""
    folder = cache_dir() / "venvs" / f"{project.name}-{venv_key(project)}"
    python = folder / "bin" / "python"
    marker = folder / ".corpus-complete"
    with _locked(cache_dir() / "locks" / f"venv-{folder.name}.lock"):
        if marker.exists():
            return python
        shutil.rmtree(folder, ignore_errors=True)  # a half-built one from a crash
        # Built in place (not renamed into place): console scripts carry the
        # venv's absolute path in their shebang.
        _run([sys.executable, "-m", "venv", str(folder)], f"venv for {project.name}")
        _run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             str(sdist(project)), *project.requirements, *_base_requirements()],
            f"install of {project.pin} and its test requirements",
            timeout=1800,
        )
        marker.write_text(json.dumps({"project": project.pin, "key": venv_key(project)}) + "\n")
    return python


def ensure_mutmut(python: Path) -> None:
    """Install the auditor's own mutmut version into a corpus venv (the mutation benches).

    Not one of the venv's pinned requirements: only the mutation scripts need
    it, and their plain ``mutmut run`` must be the version the audit drives.
    """
    from importlib.metadata import version

    wanted = version("mutmut")
    found = subprocess.run([str(python), "-c", "import mutmut; print(mutmut.__version__)"],
                           capture_output=True, text=True, check=False)
    if found.stdout.strip() != wanted:
        _run([str(python), "-m", "pip", "install", "-q", f"mutmut=={wanted}"],
             f"install of mutmut {wanted}")


def _unpack(archive: Path, dest: Path) -> Path:
    with tarfile.open(archive) as tar:
        tops = {Path(m.name).parts[0] for m in tar.getmembers() if m.name not in ("", ".")}
        if len(tops) != 1:
            raise CorpusError(f"{archive.name}: expected one top-level folder, got {sorted(tops)}")
        tar.extractall(dest, filter="data")
    return dest / tops.pop()


def import_root(root: Path, project: Project) -> Path:
    """``src/`` for a src layout, else the root (the auditor decides the same way)."""
    first = project.packages[0].split(".")
    src = root / "src"
    if (src.joinpath(*first)).is_dir() or src.joinpath(*first).with_suffix(".py").is_file():
        return src
    return root


def prepare(project: Project, dest: Path | None = None) -> Prepared:
    """A fresh copy of ``project`` and its venv's interpreter.

    ``dest`` is an empty or missing folder to unpack into (default: a new
    folder under the cache's ``work/``). The caller owns the copy.
    """
    python = venv(project)
    if dest is None:
        work = cache_dir() / "work"
        work.mkdir(parents=True, exist_ok=True)
        dest = Path(tempfile.mkdtemp(prefix=f"{project.name}-", dir=work))
    else:
        dest.mkdir(parents=True, exist_ok=True)
    root = _unpack(sdist(project), dest)
    top = import_root(root, project)
    env = dict(os.environ)
    env["PATH"] = str(python.parent) + os.pathsep + env.get("PATH", "")
    env.pop("PYTHONHOME", None)
    if top != root:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(top), env.get("PYTHONPATH")]))
    return Prepared(project.name, root, python, project, top, dest, env)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="download, unpack fresh and print root and python")
    prep.add_argument("names", nargs="*")
    sub.add_parser("list", help="the projects and what they exercise")
    args = parser.parse_args(argv)
    try:
        projects = load_projects()
        if args.command == "list":
            for p in projects:
                print(f"{p.pin:32} [{','.join(p.steps)}] {', '.join(p.features)}")
            return 0
        for project in select(projects, args.names):
            ready = prepare(project)
            print(f"{ready.name}\troot={ready.root}\tpython={ready.python}", flush=True)
    except (CorpusError, OSError, subprocess.TimeoutExpired) as error:
        print(f"corpus: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
