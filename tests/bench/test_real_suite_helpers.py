"""The real-suite benchmark's helpers measure what they say (bench/bench_audit.py's parts).

A benchmark's baseline that checks less than the audit would make the
audit look slow, one that checks more would make it look fast: the naive
import loop must call a module failing exactly when importing it fails, and
the libcst pass must really parse and visit every file it is given. The
expected sets and counts are derived by hand from the fixture files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.projects import write_files

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def parts() -> tuple[ModuleType, ModuleType, ModuleType]:
    """bench/audit_timing.py and the two comparisons (bench/ is not a package: its
    scripts import each other by file name, so bench/ and bench/corpus go on sys.path)."""
    for folder in (BENCH, BENCH / "corpus"):
        if str(folder) not in sys.path:
            sys.path.append(str(folder))
    import audit_imports_vs_fresh
    import audit_mocks_vs_libcst
    import audit_timing

    return audit_timing, audit_imports_vs_fresh, audit_mocks_vs_libcst


def test_interleave_starts_each_round_with_the_next_variant(parts: tuple[ModuleType, ...]) -> None:
    timing = parts[0]
    order: list[str] = []

    def variant(name: str) -> Callable[[], None]:
        return lambda: order.append(name)

    timing.interleave({n: variant(n) for n in "abc"}, rounds=4)
    # round 0: a b c, round 1: b c a, round 2: c a b, round 3 wraps to a b c
    assert "".join(order) == "abcbcacababc"


def test_small_ratios_keep_their_digits(parts: tuple[ModuleType, ...]) -> None:
    timing = parts[0]
    assert timing.times(1.234) == "1.23x"
    assert timing.times(0.0042) == "0.0042x"  # a warm cache's phase is not "0.00x"


def test_checked_modules_are_the_validated_and_the_failing(parts: tuple[ModuleType, ...]) -> None:
    imports = parts[1]
    document = {"analyses": {"imports": {
        "import_seconds": {"pkg": 0.1, "pkg.a": 0.2},
        "failures": [{"module": "pkg.broken"}],
    }}}
    modules, failing = imports.checked_modules(document)
    assert modules == ["pkg", "pkg.a", "pkg.broken"]
    assert failing == {"pkg.broken"}


@pytest.mark.slow
def test_one_interpreter_per_module_fails_exactly_the_broken_imports(
        parts: tuple[ModuleType, ...], tmp_path: Path) -> None:
    imports = parts[1]
    write_files(tmp_path / "src", {
        "pkg/__init__.py": "",
        "pkg/fine.py": "import json\nVALUE = json.dumps(1)\n",
        "pkg/raises.py": "raise RuntimeError('broken on purpose')\n",
        "pkg/missing.py": "import not_installed_anywhere_bench\n",
        "pkg/exits.py": "import sys\nsys.exit(0)\n",  # exit status 0, but the import never ended
        "pkg/uses_fine.py": "from pkg.fine import VALUE\n",
    })
    cwd = tmp_path / "scratch"
    cwd.mkdir()
    env = imports.fresh_environment(Path(sys.executable), tmp_path / "src", {})
    modules = ["pkg", "pkg.fine", "pkg.raises", "pkg.missing", "pkg.exits", "pkg.uses_fine"]
    failing = imports.import_each(Path(sys.executable), modules, cwd, env, workers=2)
    assert failing == {"pkg.raises", "pkg.missing", "pkg.exits"}
    assert not any((tmp_path / "src" / "pkg").rglob("__pycache__"))  # bytecode off, as the audit


@pytest.mark.slow
def test_the_libcst_pass_parses_and_visits_every_file(parts: tuple[ModuleType, ...],
                                                      tmp_path: Path) -> None:
    mocks = parts[2]
    write_files(tmp_path, {
        "a.py": "print(len([1]))\n",  # 2 calls
        "b.py": "def f():\n    return g(h(), i())\n",  # 3 calls
        "bad.py": "def (:\n",  # not Python: skipped, as the analysis reports it apart
    })
    script = tmp_path / "libcst_pass.py"
    script.write_text(mocks.LIBCST_PASS, encoding="utf-8")
    listing = tmp_path / "files.json"
    listing.write_text(json.dumps([str(tmp_path / n) for n in ("a.py", "b.py", "bad.py")]))
    done = subprocess.run([sys.executable, str(script), str(listing)], capture_output=True,
                          text=True, timeout=120, check=True)
    calls, seconds = done.stdout.split()
    assert int(calls) == 5
    assert float(seconds) > 0


def test_pass_files_are_the_tests_seen_their_conftests_and_the_package(
        parts: tuple[ModuleType, ...], tmp_path: Path) -> None:
    mocks = parts[2]
    corpus = sys.modules["corpus"]
    root = tmp_path / "proj"
    write_files(root, {
        "src/pkg/__init__.py": "", "src/pkg/core.py": "", "src/pkg/sub/deep.py": "",
        "tests/conftest.py": "", "tests/test_core.py": "", "tests/test_never_run.py": "",
        "tests/unit/conftest.py": "",
    })
    project = corpus.Project(name="proj", version="1", sha256="0" * 64, packages=("pkg",),
                             tests=("tests",), requirements=(), pytest_args=(), features=())
    ready = corpus.Prepared("proj", root, Path(sys.executable), project, root / "src", tmp_path)
    section = {"tests": [{"path": "tests/test_core.py"}, {"path": "tests/test_core.py"}]}
    files, test_count = mocks.pass_files(ready, section)
    # the test module the run saw (once), both conftests; test_never_run.py was not analysed
    assert test_count == 3
    assert [p.relative_to(root.resolve()).as_posix() for p in files] == [
        "tests/conftest.py", "tests/test_core.py", "tests/unit/conftest.py",
        "src/pkg/__init__.py", "src/pkg/core.py", "src/pkg/sub/deep.py",
    ]
