"""Survivor explanations on real projects of the corpus: how many survivors are observable,
side-effect-only and likely equivalent (issue 13).

For each chosen project (a fresh unpacked copy of its pinned sdist and its venv,
from ``bench/corpus/corpus.py``) it runs

    audit report --only coverage,mutation --no-gate --config <outside> --output <outside>

with ``explain`` set past the survivor count, and prints the verdict counts
and a few summaries per verdict to read against the code. mutmut must be in
the project's interpreter: it is installed there (the version the auditor
uses) when missing. Mutation testing costs minutes per project, so this is a
measurement to run by hand, not a CI step.

Usage:
    python bench/corpus_explain.py                      # schedule; arrow's util + formatter
    python bench/corpus_explain.py --project schedule   # one project
    python bench/corpus_explain.py --examples 5         # summaries shown per verdict

Measured on 2026-12-01 (closing note of issue 13): schedule 1.2.2, 165 survivors:
42 observable, 47 side effect, 74 no difference, 2 not reached; arrow 1.4.0
(util.py, formatter.py), 33 survivors: 20 observable, 13 no difference (a second
run: 35 survivors, 20 and 15; a few of arrow's mutants are killed or not by load).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH / "corpus"))

# project -> the modules mutated (None: all); a few modules keep a run to minutes
MUTATED: dict[str, list[str] | None] = {
    "schedule": None,
    "arrow": ["arrow/util.py", "arrow/formatter.py"],
}
AUDIT_TIMEOUT = 3600


def run(name: str, examples: int) -> dict[str, Any]:
    import corpus  # bench/corpus/corpus.py: downloads, unpacks, venvs

    [project] = corpus.select(corpus.load_projects(), [name])
    with tempfile.TemporaryDirectory(prefix=f"explain-{name}-") as scratch:
        ready = corpus.prepare(project, Path(scratch) / "src")
        corpus.ensure_mutmut(ready.python)
        settings: dict[str, Any] = {"explain": 100_000}
        keep = MUTATED[name]
        if keep is not None:
            package = ready.import_root / project.packages[0]
            settings["do_not_mutate"] = sorted(
                p.relative_to(ready.root).as_posix()
                for p in package.rglob("*.py")
                if p.relative_to(ready.import_root).as_posix() not in keep
            )
        config = Path(scratch) / "audit.toml"
        corpus.write_audit_config(config, project, ready.python, mutation=settings)
        output = Path(scratch) / "report"
        done = subprocess.run(
            [sys.executable, "-m", "auditor", "report", str(ready.root), "--only",
             "coverage,mutation", "--no-gate", "--config", str(config), "--output", str(output)],
            env=ready.env, capture_output=True, text=True, timeout=AUDIT_TIMEOUT, check=False,
        )
        if done.returncode not in (0, 1):
            raise SystemExit(f"{name}: audit exit {done.returncode}: {done.stderr.strip()[-500:]}")
        mutation = json.loads((output / "report.json").read_text())["analyses"]["mutation"]
    by_verdict: dict[str, list[str]] = {}
    for survivor in mutation["survivors"]:
        why = survivor.get("explanation") or {}
        by_verdict.setdefault(str(why.get("verdict", "-")), []).append(
            f"{survivor['path']}:{survivor['line']} {survivor['original'].strip()} -> "
            f"{survivor['mutated'].strip()} | {why.get('summary', '')[:240]}"
        )
    print(f"{name}: score {mutation['score']:.2f}% of {mutation['valid']} valid mutants, "
          f"{mutation['survivor_count']} survivors: "
          + ", ".join(f"{n} {v}" for v, n in sorted(mutation["explain"]["verdicts"].items())))
    for verdict, lines in sorted(by_verdict.items()):
        print(f"  == {verdict} ({len(lines)})")
        for line in lines[:examples]:
            print(f"     {line}")
    return dict(mutation["explain"]["verdicts"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", action="append", choices=sorted(MUTATED))
    parser.add_argument("--examples", type=int, default=3)
    args = parser.parse_args()
    for name in args.project or sorted(MUTATED):
        run(name, args.examples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
