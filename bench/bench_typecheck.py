"""Benchmark: the typecheck analysis's mypy run, cold (empty cache) vs warm (cache in .audit/).

Generates a package of typed modules that import each other (a chain, so a
change near the bottom re-checks its importers), then runs mypy exactly as
the analysis does (:func:`auditor.typecheck.mypy_run.mypy_command`, cache in
the project's ``.audit/typecheck/cache``) three times:

* cold: an empty cache;
* warm: nothing changed since the cold run;
* edited: one module's body changed (its interface not), warm cache.

It prints the three times and the cold/warm ratio, and checks that every
run finds the same planted errors (a fast wrong answer would be no answer).

    python bench/bench_typecheck.py [--modules 200]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.typecheck.mypy_run import MypyRun, mypy_command, run_mypy

PLANTED_EVERY = 50  # one module in 50 holds a type error


def generate(root: Path, count: int) -> int:
    """Write ``benchpkg`` with ``count`` modules; returns the number of planted errors."""
    package = root / "benchpkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    planted = 0
    for index in range(count):
        lines = ["from __future__ import annotations", ""]
        if index:
            lines += [f"from benchpkg.mod{index - 1} import value{index - 1}", ""]
        lines += [f"def value{index}(x: int) -> int:",
                  f"    return {f'value{index - 1}(x)' if index else 'x'} + {index}", ""]
        if index % PLANTED_EVERY == 0:
            lines += [f'wrong{index}: str = value{index}(1)', ""]
            planted += 1
        (package / f"mod{index}.py").write_text("\n".join(lines) + "\n")
    return planted


def timed(root: Path) -> MypyRun:
    command, _ = mypy_command(sys.executable, ["benchpkg"], root / ".audit/typecheck/cache",
                              strict=False)  # fmt: skip
    return run_mypy(command, root, timeout=900, env={"PATH": "/usr/bin:/bin"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=200)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-typecheck-"))
    try:
        planted = generate(root, args.modules)
        cold = timed(root)
        warm = timed(root)
        middle = root / "benchpkg" / f"mod{args.modules // 2}.py"
        middle.write_text(middle.read_text().replace(" + ", " + 0 + "))
        edited = timed(root)
        for label, run in (("cold", cold), ("warm", warm), ("edited", edited)):
            if len(run.errors) != planted:
                raise SystemExit(f"{label} run found {len(run.errors)} errors, "
                                 f"planted {planted}")  # fmt: skip
        print(f"modules: {args.modules}, planted errors: {planted} (found by every run)")
        print(f"cold:   {cold.seconds:.2f} s")
        print(f"warm:   {warm.seconds:.2f} s")
        print(f"edited: {edited.seconds:.2f} s (one module's body changed)")
        print(f"cold / warm: {cold.seconds / warm.seconds:.1f}x")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
