"""Finding the files to analyse, and extracting their facts in parallel with a
content-hash cache.

The cache lives in ``.audit/mocks-cache/`` (with its own ``.gitignore``):
one JSON file per (analyser version, file role, path, content) hash. A warm
run reads the facts of unchanged files from there and only parses the
changed ones; entries no file uses any more are removed after each run.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from auditor.globs import any_matches
from auditor.mocks.extract import ExtractJob, extract
from auditor.mocks.facts import FileFacts
from auditor.project import PackageLocation

CACHE_DIR_NAME = "mocks-cache"
_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "build", "dist", "venv", "env",
                        "site-packages"})
# Below this many files to parse, starting worker processes costs more than it saves.
_PARALLEL_THRESHOLD = 16


def analyser_version() -> str:
    """A hash of this package's code: editing a rule invalidates cached facts."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def is_test_file(path: Path) -> bool:
    name = path.name
    return name == "conftest.py" or (name.startswith("test_") and name.endswith(".py")) or (
        name.endswith("_test.py")
    )


def _walk(folder: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS
        )
        for filename in sorted(filenames):
            if filename.endswith(".py"):
                yield Path(dirpath) / filename


def _module_name(relative: Path) -> tuple[str, bool]:
    parts = list(relative.with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def _excluded(relative: str, exclude: list[str]) -> bool:
    # gitignore-style, the matcher of every module glob (auditor/globs.py)
    return any_matches(exclude, relative)


@dataclass(frozen=True)
class FileRef:
    path: Path
    relative: str
    module: str
    kind: str
    is_package: bool


def _relative(root: Path, path: Path) -> Path:
    return path.relative_to(root) if path.is_relative_to(root) else path


def _test_ref(root: Path, path: Path) -> FileRef:
    relative = _relative(root, path)
    module, is_package = _module_name(relative)
    return FileRef(path, relative.as_posix(), module, "test", is_package)


def _collected_test_files(root: Path, test_paths: list[Path],
                          collected_files: set[str]) -> dict[Path, FileRef]:
    """The files the audit's pytest run collected tests from, with the
    ``conftest.py`` files under the test paths and above each collected file."""
    refs: dict[Path, FileRef] = {}
    for relative in sorted(collected_files):
        path = root / relative
        if not relative.endswith(".py") or not path.is_file():
            continue
        refs[path] = _test_ref(root, path)
        for folder in path.parents:
            conftest = folder / "conftest.py"
            if conftest.is_file():
                refs.setdefault(conftest, _test_ref(root, conftest))
            if folder == root or not folder.is_relative_to(root):
                break
    for test_path in test_paths:
        if test_path.is_dir():
            for path in _walk(test_path):
                if path.name == "conftest.py":
                    refs.setdefault(path, _test_ref(root, path))
    return refs


def discover(
    root: Path, test_paths: list[Path], packages: list[PackageLocation], exclude: list[str],
    collected_files: set[str] | None = None,
) -> list[FileRef]:
    """The test modules to analyse and every module of the packages under audit.

    The test modules are the files the audit's own pytest run collected tests
    from (``collected_files``, relative to ``root``: whatever their names,
    ``tests.py`` or a custom ``python_files``), with their ``conftest.py``
    files; without a run, ``test_*.py``/``*_test.py`` and ``conftest.py``
    under the test paths. A test module is never code under audit, and neither
    are the other modules of a test folder inside a package.
    """
    refs: dict[Path, FileRef] = {}
    run_refs = _collected_test_files(root, test_paths, collected_files or set())
    if any(ref.path.name != "conftest.py" for ref in run_refs.values()):
        refs = {path: ref for path, ref in run_refs.items()
                if not _excluded(ref.relative, exclude)}
    else:
        for test_path in test_paths:
            candidates = [test_path] if test_path.is_file() else (
                _walk(test_path) if test_path.is_dir() else []
            )
            for path in candidates:
                if not is_test_file(path):
                    continue
                ref = _test_ref(root, path)
                if not _excluded(ref.relative, exclude):
                    refs[path] = ref
    test_folders = {path.parent for path in refs if path.name != "conftest.py"}
    for package in packages:
        files = [package.path] if package.is_module else list(_walk(package.path))
        for path in files:
            if path in refs:
                continue
            rel = _relative(root, path).as_posix()
            if is_test_file(path) or _excluded(rel, exclude):
                continue
            if not package.is_module and any(
                folder in test_folders for folder in path.parents
                if folder != package.path and package.path in folder.parents
            ):
                continue  # a helper module of a test folder inside the package
            module, is_package = _module_name(path.relative_to(package.import_root))
            refs[path] = FileRef(path, rel, module, "source", is_package)
    return sorted(refs.values(), key=lambda r: (r.kind, r.relative))


@dataclass
class LoadStats:
    parsed: int = 0
    cached: int = 0
    workers: int = 1


def _key(version: str, ref: FileRef, data: bytes) -> str:
    digest = hashlib.sha256()
    for part in (version, ref.kind, ref.relative, ref.module, str(ref.is_package)):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()


def cache_folder(state_dir: Path) -> Path:
    folder = state_dir / CACHE_DIR_NAME
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by test-auditor: cached parse results, disposable.\n*\n")
    return folder


def load_facts(
    refs: list[FileRef],
    cache_dir: Path | None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    prune: bool = True,
) -> tuple[list[FileFacts], LoadStats]:
    """The facts of every file: from the cache when the content is unchanged,
    otherwise parsed (in a process pool when there are enough files). ``prune``:
    remove the cache entries of files not among ``refs`` (changed or gone)."""
    version = analyser_version()
    stats = LoadStats()
    results: dict[int, FileFacts] = {}
    pending: list[tuple[int, str, ExtractJob]] = []
    used: set[str] = set()
    for index, ref in enumerate(refs):
        try:
            data = ref.path.read_bytes()
        except OSError as exc:
            results[index] = FileFacts(path=ref.relative, module=ref.module, kind=ref.kind,
                                       error=f"cannot read: {exc.strerror or exc}")
            continue
        key = _key(version, ref, data)
        used.add(key)
        cached = _read_cache(cache_dir, key)
        if cached is not None:
            results[index] = cached
            stats.cached += 1
            continue
        pending.append((index, key, ExtractJob(ref.relative, ref.module, ref.kind,
                                               ref.is_package, data)))
    total = len(refs)
    done = len(results)
    if on_progress:
        on_progress(done, total)
    jobs = [job for _, _, job in pending]
    count = workers if workers is not None else (os.cpu_count() or 1)
    stats.workers = max(1, min(count, len(jobs)))
    if stats.workers > 1 and len(jobs) >= _PARALLEL_THRESHOLD:
        chunk = max(1, len(jobs) // (stats.workers * 8))
        with ProcessPoolExecutor(max_workers=stats.workers) as pool:
            extracted: Iterable[FileFacts] = pool.map(extract, jobs, chunksize=chunk)
            facts_list = []
            for facts in extracted:
                facts_list.append(facts)
                done += 1
                if on_progress:
                    on_progress(done, total)
    else:
        stats.workers = 1
        facts_list = []
        for job in jobs:
            facts_list.append(extract(job))
            done += 1
            if on_progress:
                on_progress(done, total)
    for (index, key, _job), facts in zip(pending, facts_list, strict=True):
        results[index] = facts
        _write_cache(cache_dir, key, facts)
    stats.parsed = len(pending)
    if cache_dir is not None and prune:
        _prune(cache_dir, used)
    return [results[i] for i in range(len(refs))], stats


def _read_cache(cache_dir: Path | None, key: str) -> FileFacts | None:
    if cache_dir is None:
        return None
    try:
        data = json.loads((cache_dir / f"{key}.json").read_text(encoding="utf-8"))
        return FileFacts.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or corrupt: parse again


def _write_cache(cache_dir: Path | None, key: str, facts: FileFacts) -> None:
    if cache_dir is None:
        return
    target = cache_dir / f"{key}.json"
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(facts.to_dict(), separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, target)


def _prune(cache_dir: Path, keep: set[str]) -> None:
    for entry in cache_dir.glob("*.json"):
        if entry.stem not in keep:
            entry.unlink(missing_ok=True)
