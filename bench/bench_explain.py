"""Benchmark: the cost of explaining surviving mutants, as a share of the mutation run.

Run from the repository root: ``python bench/bench_explain.py [N]``. It writes
the fixture project of ``bench/bench_mutate.py`` (the shop project plus 20
modules, a few hundred mutants) into a temporary folder and runs, on two
fresh copies:

1. ``audit mutate`` with ``explain = 0`` (no explanation: the mutation run alone);
2. ``audit mutate`` with ``explain = N`` (default 20).

It prints both wall and CPU times (the audit's whole process tree), the
load average, the explanation step's own time from
``report.json`` (``explain.seconds``: one shared recorded run of the original
plus one recorded run per explained survivor), mutmut's time in the same run
(``explain.mutation_seconds``), and the explanation as a share of the
mutation run; and the cost per explained survivor next to mutmut's mean time
per mutant. The figures depend on the machine's load: compare runs made
together.

``python bench/bench_explain.py --kill-matrix`` runs the same fixture with
``explain = 0``, without and with ``--kill-matrix``, and prints both times,
their difference (the kill matrix's cost) and a digest of the matrix (every
mutant's killers), to compare two versions of the code.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_mutate import fixture  # noqa: E402
from tests.mutation.projects import audit  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(
    project: Path, explain: int, *args: str
) -> tuple[float, float, dict[str, object]]:
    config = project / "pyproject.toml"
    text = config.read_text(encoding="utf-8")
    # the fixture's table may set explain already (make_shop turns it off by default)
    text = re.sub(r"(?m)^explain = .*\n", "", text)
    table = "[tool.audit.mutation]\n"
    config.write_text(text.replace(table, f"{table}explain = {explain}\n"), encoding="utf-8")
    started, cpu = time.monotonic(), _cpu()
    done = audit("mutate", str(project), "--output", str(project / "out"), *args, timeout=3600)
    wall, cpu = time.monotonic() - started, _cpu() - cpu
    if done.returncode not in (0, 1):
        raise SystemExit(f"audit mutate failed ({done.returncode}): {done.stderr[-500:]}")
    data = json.loads((project / "out" / "report.json").read_text(encoding="utf-8"))
    return wall, cpu, data["analyses"]["mutation"]


def kill_matrix() -> None:
    """``--kill-matrix``: the same fixture without and with the kill matrix (explain = 0)."""
    base = Path(tempfile.mkdtemp(prefix="bench-killmatrix-"))
    try:
        source = fixture(base / "source")
        plain_copy, matrix_copy = base / "plain", base / "matrix"
        shutil.copytree(source, plain_copy)
        shutil.copytree(source, matrix_copy)
        plain_wall, plain_cpu, _ = _run(plain_copy, 0)
        wall, cpu, data = _run(matrix_copy, 0, "--kill-matrix")
        mutants = data["mutants"]
        assert isinstance(mutants, list)
        matrix = sorted((m["id"], sorted(m["killed_by"])) for m in mutants)
        digest = hashlib.sha256(json.dumps(matrix).encode()).hexdigest()[:16]
        print(f"mutants: {len(mutants)}, with a killer: {sum(1 for _, k in matrix if k)}")
        print(f"audit mutate:               {plain_wall:7.2f} s wall, {plain_cpu:7.2f} s CPU")
        print(f"audit mutate --kill-matrix: {wall:7.2f} s wall, {cpu:7.2f} s CPU")
        print(f"the kill matrix's share:    {wall - plain_wall:7.2f} s wall, "
              f"{cpu - plain_cpu:7.2f} s CPU (the difference)")
        print(f"load average: {os.getloadavg()[0]:.1f}; matrix digest {digest} "
              "(equal digests: the same killers for every mutant)")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    if sys.argv[1:] == ["--kill-matrix"]:
        kill_matrix()
        return
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    base = Path(tempfile.mkdtemp(prefix="bench-explain-"))
    try:
        source = fixture(base / "source")
        plain_copy, explained_copy = base / "plain", base / "explained"
        shutil.copytree(source, plain_copy)
        shutil.copytree(source, explained_copy)
        plain_wall, plain_cpu, _ = _run(plain_copy, 0)
        wall, cpu, data = _run(explained_copy, limit)
        step = data["explain"]
        assert isinstance(step, dict)
        asked = int(step["asked"])
        mutants = int(data["total"])  # type: ignore[call-overload]
        print(f"mutants: {mutants}, survivors: {data['survivor_count']}, explained: {asked}")
        print(f"audit mutate, explain = 0:   {plain_wall:7.2f} s wall, {plain_cpu:7.2f} s CPU")
        print(f"audit mutate, explain = {limit}: {wall:7.2f} s wall, {cpu:7.2f} s CPU")
        print(f"load average: {os.getloadavg()[0]:.1f}")
        print(
            f"explanation step: {step['seconds']:.2f} s (shared original run "
            f"{step['original_seconds']:.2f} s); mutmut in the same run: "
            f"{step['mutation_seconds']:.2f} s"
        )
        if step["mutation_seconds"]:
            share = 100 * float(step["seconds"]) / float(step["mutation_seconds"])
            print(f"explanation as a share of the mutation run: {share:.1f}%")
        if asked and mutants:
            per_survivor = float(step["seconds"]) / asked
            per_mutant = float(step["mutation_seconds"]) / mutants
            print(
                f"per explained survivor: {per_survivor:.2f} s; mutmut per mutant: "
                f"{per_mutant:.2f} s"
            )
        print(f"verdicts: {step['verdicts']}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
