"""Precision and recall of the mocks analysis on the corpus of real suites.

For each project of ``bench/corpus/projects.toml`` (a fresh unpacked copy of
its pinned sdist, with its own venv, from ``bench/corpus/corpus.py``), runs

    audit report --only mocks --no-gate --config <file outside the tree> --output <outside>

reads ``analyses.mocks.findings`` of the written report.json, matches them to
``bench/corpus/mocks_labels.json`` by (project, path, line, rule) and prints,
per rule and overall: TP, FP, borderline, unlabelled, misses, precision and
recall (definitions in ``bench/mocks_scoring.py`` and docs/mocks.md,
"Judging standard").

Usage:
    python bench/corpus_mocks.py                    # every project, print the table
    python bench/corpus_mocks.py --project NAME     # one project (repeatable)
    python bench/corpus_mocks.py --check            # CI ratchet: exit 1 on a drop or
                                                    # an unlabelled finding
    python bench/corpus_mocks.py --update-best      # raise bench/corpus/mocks_best.json
    python bench/corpus_mocks.py --save F.json      # also write the findings (for labelling)
    python bench/corpus_mocks.py --from F.json      # score saved findings, run nothing
    python bench/corpus_mocks.py --auditor DIR      # run the auditor package in DIR

The config handed to the audit declares only what pytest needs (packages,
tests, the venv's python, pytest args): no boundaries, nothing tuned to the
labels, so the figures are those of the default rules.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CORPUS = BENCH / "corpus"
LABELS = CORPUS / "mocks_labels.json"
MISSES = CORPUS / "mocks_misses.json"
BEST = CORPUS / "mocks_best.json"
AUDIT_TIMEOUT = 1200  # seconds per project, on top of the suite's own limit
# The suite's limit: natsort's Hypothesis tests take ~5 minutes under the audit's
# assertion-pass hook on a loaded 2-core machine (9 s plain). A project the ratchet
# file lists as unauditable gets the short one: it is expected to hang.
SUITE_TIMEOUT = 600
UNAUDITABLE_SUITE_TIMEOUT = 90

sys.path.insert(0, str(BENCH))

import mocks_scoring as scoring  # noqa: E402
from corpus import corpus  # noqa: E402  (bench/corpus/corpus.py: downloads, unpacks, venvs)

from auditor.mocks.rules import opt_in_ids  # noqa: E402


def write_config(path: Path, project: Any, python: str, test_timeout: int) -> None:
    """The audit's ``[tool.audit]`` for one corpus project, outside its tree."""
    corpus.write_audit_config(
        path, project, python,
        analyses=["mocks"],
        # A test that fails in this environment does not change what the code says.
        tolerate_test_failures=True,
        test_timeout=test_timeout,
        # Opt-in rules are measured too (their labels stay meaningful); the table
        # keeps them out of the overall figure, which is what the defaults give.
        mocks={"enable": opt_in_ids()},
    )


def run_project(project: Any, work: Path, test_timeout: int,
                auditor_home: Path = REPO) -> tuple[list[scoring.Observed], dict[str, Any]]:
    """Audit one fresh copy of ``project``; its findings and the mocks section."""
    try:
        # Unpacked into our own folder: the shared cache's work/ is cleaned by others.
        prepared = corpus.prepare(project, dest=work / project.name)
    except corpus.CorpusError as error:
        raise RuntimeError(f"{project.name}: {error}") from error
    config = work / f"{project.name}.toml"
    output = work / f"{project.name}-report"
    write_config(config, project, str(prepared.python), test_timeout)
    command = [sys.executable, "-m", "auditor", "report", str(prepared.root), "--only", "mocks",
               "--no-gate", "--config", str(config), "--output", str(output)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=AUDIT_TIMEOUT,
                              check=False, cwd=auditor_home)
    finally:
        prepared.cleanup()
    report_path = output / "report.json"
    if done.returncode != 0 or not report_path.exists():
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"{project.name}: audit exited {done.returncode}: {tail}")
    mocks = json.loads(report_path.read_text(encoding="utf-8"))["analyses"]["mocks"]
    findings = [
        scoring.Observed(project.name, f["path"], f["line"], f["rule"], f.get("test", ""),
                         f.get("message", ""), f.get("code", ""))
        for f in mocks["findings"] if not f.get("suppressed")
    ]
    return findings, mocks


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def print_table(result: scoring.Score, opt_in: set[str]) -> None:
    header = (f"{'rule':<21} {'TP':>4} {'FP':>4} {'bord':>4} {'unlab':>5} {'miss':>4} "
              f"{'stale':>5} {'precision':>9} {'recall':>7}")
    print(header)
    print("-" * len(header))
    rows = [(f"{rule} *" if rule in opt_in else rule, s)
            for rule, s in sorted(result.rules.items())]
    rows.append((scoring.OVERALL, result.overall))
    for rule, s in rows:
        if rule == scoring.OVERALL:
            print("-" * len(header))
        print(f"{rule:<21} {s.tp:>4} {s.fp:>4} {s.borderline:>4} {s.unlabelled:>5} "
              f"{s.misses:>4} {s.stale:>5} {_percent(s.precision):>9} {_percent(s.recall):>7}")
    if opt_in:
        print("* opt-in (off by default); overall counts the default rules only")


def _observed(items: list[dict[str, Any]]) -> list[scoring.Observed]:
    fields = scoring.Observed.__dataclass_fields__
    return [scoring.Observed(**{k: v for k, v in item.items() if k in fields}) for item in items]


def collect(args: argparse.Namespace, failed: dict[str, str],
            unauditable: dict[str, str]) -> tuple[list[scoring.Observed], dict[str, Any], set[str]]:
    """Findings of every selected project (run now, or read from ``--from``);
    projects that could not be audited go to ``failed`` (name -> error)."""
    if args.from_file:
        try:
            saved = json.loads(Path(args.from_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise RuntimeError(f"{args.from_file}: {error}") from error
        names = set(args.project or saved["projects"])
        kept = [f for f in _observed(saved["findings"]) if f.project in names]
        return kept, {k: v for k, v in saved["projects"].items() if k in names}, names
    try:
        projects = corpus.select(corpus.load_projects(), args.project or [], step="mocks")
    except corpus.CorpusError as error:
        raise SystemExit(f"corpus_mocks: error: {error}") from error
    findings: list[scoring.Observed] = []
    summaries: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="audit-corpus-mocks-"))
    try:
        for project in projects:
            started = time.monotonic()
            try:
                timeout = (UNAUDITABLE_SUITE_TIMEOUT if project.name in unauditable
                           else SUITE_TIMEOUT)
                found, mocks = run_project(project, work, timeout, args.auditor)
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                # One project that cannot be audited must not hide the others' figures.
                failed[project.name] = str(error)
                print(f"{project.name}: FAILED: {error}", flush=True)
                continue
            findings += found
            summaries[project.name] = {
                "tests_analyzed": mocks.get("tests_analyzed", 0),
                "files_analyzed": mocks.get("files_analyzed", 0),
                "findings": len(found),
                "seconds": round(time.monotonic() - started, 1),
                "tests": [{"test": t["test"], "path": t["path"], "line": t["line"],
                           "findings": t.get("findings", 0)} for t in mocks.get("tests", [])],
                "boundaries": mocks.get("boundaries", []),
            }
            print(f"{project.name}: {mocks.get('tests_analyzed', 0)} tests, {len(found)} "
                  f"findings ({summaries[project.name]['seconds']} s)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return findings, summaries, {p.name for p in projects}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", action="append", help="only this project (repeatable)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a figure drops below the ratchet or a finding is "
                             "unlabelled")
    parser.add_argument("--update-best", action="store_true", help="raise the ratchet file")
    parser.add_argument("--save", help="write the findings and per-test list to this JSON file")
    parser.add_argument("--from", dest="from_file", help="score findings saved with --save")
    parser.add_argument(
        "--auditor", type=Path, default=REPO,
        help="folder holding the auditor package to run (default: this checkout; e.g. a "
             "`git archive HEAD` snapshot while the rules are being edited)",
    )
    args = parser.parse_args(argv)
    if args.update_best and args.project:
        parser.error("--update-best needs the whole corpus (no --project)")
    try:
        labels = scoring.load_labels(LABELS)
        misses = scoring.load_misses(MISSES)
        best = scoring.load_best(BEST)
        unauditable = scoring.load_unauditable(BEST)
        failed: dict[str, str] = {}
        findings, summaries, names = collect(args, failed, unauditable)
        names -= set(failed)
    except (ValueError, KeyError, RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        print(f"corpus_mocks: error: {error}", file=sys.stderr)
        return 2
    if args.save:
        Path(args.save).write_text(json.dumps({
            "projects": summaries,
            "findings": [vars(f) for f in findings],
        }, indent=1) + "\n", encoding="utf-8")
    opt_in = set(opt_in_ids())
    result = scoring.score(findings, labels, misses.misses, names, overall_excludes=opt_in)
    print_table(result, opt_in)
    stale_fp = len(result.stale) - len(result.lost_tp)
    print(f"{len(findings)} findings on {len(names)} projects; {len(labels)} labels "
          f"({stale_fp} stale fp/borderline, {len(result.lost_tp)} tp no longer found), "
          f"{len(misses.misses)} known misses")
    for finding in result.unlabelled[:50]:
        print(f"unlabelled: {finding.project} {finding.path}:{finding.line} {finding.rule}: "
              f"{finding.message}")
    # A true smell a rule stopped reporting: the recall worklist of a rule change.
    for label in result.lost_tp[:50]:
        print(f"tp no longer found: {label.project} {label.path}:{label.line} {label.rule}: "
              f"{label.reason}")
    unexpected = {name: error for name, error in failed.items() if name not in unauditable}
    failures = [f"could not audit {name}: {error}" for name, error in unexpected.items()]
    for name in sorted(set(failed) - set(unexpected)):
        print(f"known unauditable, not scored: {name}: {unauditable[name]}")
    for name in sorted(set(unauditable) & names):
        print(f"{name} is listed as unauditable but was audited: remove it from "
              f"{BEST.relative_to(REPO)} and label its findings")
    whole_corpus = not args.project
    if args.check:
        if result.unlabelled:
            failures.append(f"{len(result.unlabelled)} findings have no label "
                            f"(label them in {LABELS.relative_to(REPO)})")
        if whole_corpus and not unexpected:
            failures += scoring.regressions(result.figures(), best)
    if args.update_best and unexpected:
        failures.append("the ratchet is raised only from a run of every auditable project")
    elif args.update_best:
        # Other keys of the file (a hand-written comment, earlier baselines) are kept.
        document = json.loads(BEST.read_text(encoding="utf-8")) if BEST.exists() else {}
        document.setdefault("comment", "Best figures reached (fractions, rounded down); CI "
                            "fails below them. Raise with: python bench/corpus_mocks.py "
                            "--update-best")
        document["figures"] = scoring.raised(result.figures(), best)
        document["unauditable"] = unauditable
        BEST.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {BEST.relative_to(REPO)}")
    for failure in failures:
        print(f"corpus_mocks: FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
