"""Benchmark: the cost of explaining surviving mutants, as a share of the mutation run.

Run from the repository root: ``python bench/bench_explain.py [N]``. It writes
the fixture project of ``bench/bench_mutate.py`` (the shop project plus 20
modules, a few hundred mutants) into a temporary folder and runs, on two
fresh copies:

1. ``audit mutate`` with ``explain = 0`` (no explanation: the mutation run alone);
2. ``audit mutate`` with ``explain = N`` (default 20).

It prints both wall times, the explanation step's own time from
``report.json`` (``explain.seconds``: one shared recorded run of the original
plus one recorded run per explained survivor), mutmut's time in the same run
(``explain.mutation_seconds``), and the explanation as a share of the
mutation run; and the cost per explained survivor next to mutmut's mean time
per mutant. The figures depend on the machine's load: compare runs made
together.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_mutate import fixture  # noqa: E402
from tests.mutation.projects import audit  # noqa: E402


def _run(project: Path, explain: int) -> tuple[float, dict[str, object]]:
    config = project / "pyproject.toml"
    text = config.read_text(encoding="utf-8")
    table = "[tool.audit.mutation]\n"
    config.write_text(text.replace(table, f"{table}explain = {explain}\n"), encoding="utf-8")
    started = time.monotonic()
    done = audit("mutate", str(project), "--output", str(project / "out"), timeout=3600)
    wall = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"audit mutate failed ({done.returncode}): {done.stderr[-500:]}")
    data = json.loads((project / "out" / "report.json").read_text(encoding="utf-8"))
    return wall, data["analyses"]["mutation"]


def main() -> None:
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    base = Path(tempfile.mkdtemp(prefix="bench-explain-"))
    try:
        source = fixture(base / "source")
        plain_copy, explained_copy = base / "plain", base / "explained"
        shutil.copytree(source, plain_copy)
        shutil.copytree(source, explained_copy)
        plain_wall, _ = _run(plain_copy, 0)
        wall, data = _run(explained_copy, limit)
        step = data["explain"]
        assert isinstance(step, dict)
        asked = int(step["asked"])
        mutants = int(data["total"])  # type: ignore[call-overload]
        print(f"mutants: {mutants}, survivors: {data['survivor_count']}, explained: {asked}")
        print(f"audit mutate, explain = 0:   {plain_wall:7.2f} s")
        print(f"audit mutate, explain = {limit}: {wall:7.2f} s")
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
