"""Benchmark: import validation by fork from a warm parent vs one fresh interpreter per module.

Generates a package of a few hundred modules (a tenth import ``kubernetes``,
a fifth ``jinja2``, a fifth ``rich``, the rest the standard library and
sibling modules; two are broken on purpose), then times, in one run and
with the same parallelism:

* naive: ``python -c "import pkg.mod"`` once per module;
* ours: the ``imports`` analysis (discovery, cycle graph, preload, fork).

It prints both times and the ratio, and checks that both ways find the same
failing modules (a fast wrong answer would be no answer).

    python bench/bench_imports.py [--modules 300] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.context import AuditContext
from auditor.imports.analysis import ImportsAnalysis
from auditor.progress import Progress
from auditor.project import locate_package, tool_environment
from auditor.registry import load_config

HEAVY = {0: "import kubernetes.client\n", 1: "import jinja2\n", 2: "import jinja2\n",
         3: "import rich.console\n", 4: "from rich.table import Table\n"}  # fmt: skip


def generate(root: Path, count: int) -> list[str]:
    """Write the package; return its module names."""
    package = root / "src" / "benchpkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""Generated for bench_imports."""\n')
    names = ["benchpkg"]
    for i in range(count):
        group = package / f"group{i // 50}"
        if not (group / "__init__.py").exists():
            group.mkdir()
            (group / "__init__.py").write_text("")
            names.append(f"benchpkg.group{i // 50}")
        lines = [HEAVY.get(i % 10, "import json, decimal, dataclasses\n")]
        if i % 50:
            lines.append(f"from benchpkg.group{i // 50} import m{i - 1}\n")
        if i == 7:
            lines.append("import not_installed_bench_dep\n")
        if i == 8:
            lines.append("raise RuntimeError('broken on purpose')\n")
        lines.append(f"VALUE_{i} = {i}\n")
        (group / f"m{i}.py").write_text("".join(lines))
        names.append(f"benchpkg.group{i // 50}.m{i}")
    (root / "pyproject.toml").write_text(
        '[tool.audit]\npackages = ["benchpkg"]\n[tool.audit.imports]\ntimeout = 60\n'
    )
    return names


def naive(root: Path, modules: list[str], workers: int) -> set[str]:
    """One fresh interpreter per module; the failing modules."""
    env = tool_environment(sys.executable, [root / "src"])

    def check(module: str) -> tuple[str, int]:
        done = subprocess.run(
            [sys.executable, "-c", f"import {module}"],
            cwd=root, env=env, capture_output=True, timeout=120, check=False,
        )  # fmt: skip
        return module, done.returncode

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return {module for module, code in pool.map(check, modules) if code != 0}


def ours(root: Path, workers: int) -> set[str]:
    """The imports analysis as the audit runs it; the failing modules."""
    config = load_config(root)
    config.sections["imports"]["workers"] = workers
    ctx = AuditContext(
        config=config,
        root=root,
        state_dir=root / ".audit",
        python=sys.executable,
        packages=[locate_package(root, "benchpkg", config.source)],
        progress=Progress(live=False),
    )
    result = ImportsAnalysis().run(ctx)
    print(f"  ours: mode={result.mode}, {result.preloaded} library modules preloaded")
    return {f.module for f in result.failures}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=300)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as tmp:
        root = Path(tmp)
        modules = generate(root, args.modules)
        print(f"{len(modules)} modules, {args.workers} workers, python {sys.version.split()[0]}")
        start = time.perf_counter()
        naive_failed = naive(root, modules, args.workers)
        naive_seconds = time.perf_counter() - start
        start = time.perf_counter()
        our_failed = ours(root, args.workers)
        our_seconds = time.perf_counter() - start
    print(f"naive (python -c per module): {naive_seconds:8.2f} s, {len(naive_failed)} failing")
    print(f"ours (fork from warm parent): {our_seconds:8.2f} s, {len(our_failed)} failing")
    print(f"ratio naive/ours: {naive_seconds / our_seconds:.1f}x")
    if naive_failed != our_failed:
        print(f"DISAGREEMENT: naive {sorted(naive_failed)} vs ours {sorted(our_failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
