"""Import verdicts on the corpus of real projects, checked against hand-made labels.

For each project of ``bench/corpus/projects.toml`` (a fresh unpacked copy of
its pinned sdist, with its own venv, from ``bench/corpus/corpus.py``), runs

    audit report --only imports --no-gate --config <file outside the tree> --output <outside>

and compares every failed import of ``analyses.imports.failures`` with
``bench/corpus/imports_labels.json``: one entry per (project, module) with
the expected cause and a one-line reason written after reading the module's
code. It fails when a failure has another cause than its label, when a
failure has no label, when a label's failure no longer happens (so the
labels stay exact), when the audit exits non-zero or prints a traceback, or
when the project tree changed (every file outside ``.audit/`` is hashed
before and after).

Usage:
    python bench/corpus_imports.py                    # every project; exit 1 on a mismatch
    python bench/corpus_imports.py --project NAME     # one project (repeatable)
    python bench/corpus_imports.py --save F.json      # also write the failures (for labelling)
    python bench/corpus_imports.py --mode fresh       # one interpreter per module (default fork)
    python bench/corpus_imports.py --auditor DIR      # run the auditor package in DIR

The config declares only packages, tests and the venv's python: nothing
tuned to the labels (no ``optional`` patterns), so the causes are those the
default classification gives.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CORPUS = BENCH / "corpus"
LABELS = CORPUS / "imports_labels.json"
AUDIT_TIMEOUT = 600  # seconds per project; imports alone take a few seconds
CAUSES = ("first-party", "required-missing", "optional-missing", "undeclared", "platform")

sys.path.insert(0, str(CORPUS))


def write_config(path: Path, project: Any, python: str, mode: str) -> None:
    """The audit's ``[tool.audit]`` for one corpus project, outside its tree."""
    import corpus  # bench/corpus/corpus.py: downloads, unpacks, venvs

    corpus.write_audit_config(path, project, python, analyses=["imports"],
                              imports={"mode": mode})


def tree_digest(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` outside ``.audit/``."""
    digest: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts and relative.parts[0] == ".audit":
            continue
        if path.is_file() and not path.is_symlink():
            digest[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def run_project(project: Any, work: Path, mode: str,
                auditor_home: Path = REPO) -> tuple[dict[str, Any], list[str]]:
    """Audit one fresh copy; the imports section and the problems seen on the way."""
    import corpus  # bench/corpus/corpus.py: downloads, unpacks, venvs

    prepared = corpus.prepare(project)
    config = work / f"{project.name}.toml"
    output = work / f"{project.name}-report"
    write_config(config, project, str(prepared.python), mode)
    command = [sys.executable, "-m", "auditor", "report", str(prepared.root), "--only", "imports",
               "--no-gate", "--config", str(config), "--output", str(output)]  # fmt: skip
    problems: list[str] = []
    try:
        before = tree_digest(prepared.root)
        done = subprocess.run(command, capture_output=True, text=True, timeout=AUDIT_TIMEOUT,
                              check=False, cwd=auditor_home)  # fmt: skip
        after = tree_digest(prepared.root)
        changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    finally:
        prepared.cleanup()
    if changed:
        problems.append(f"the project tree changed: {', '.join(changed[:5])}")
    if "Traceback (most recent call last)" in done.stderr:
        problems.append("a traceback on stderr")
    report_path = output / "report.json"
    if done.returncode != 0 or not report_path.exists():
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        problems.append(f"audit exited {done.returncode}: {tail}")
        return {}, problems
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return dict(report["analyses"]["imports"]), problems


def load_labels(path: Path = LABELS) -> dict[tuple[str, str], dict[str, str]]:
    """(project, module) -> label; the file's shape is checked here.

    ``cause`` is the expected class, judged by reading the module. A label may
    also carry ``audit_says`` (the wrong class the audit gives today) and
    ``gap`` (why): a known misclassification is printed, not failed on, so
    that the labels keep the truth while the check stays a ratchet; any other
    class, or the right one, makes the run fail until the label is updated.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    labels: dict[tuple[str, str], dict[str, str]] = {}
    required = {"project", "module", "cause", "reason"}
    for index, label in enumerate(data["labels"]):
        where = f"{path.name}: labels[{index}]"
        keys = set(label)
        if not required <= keys or keys - required - {"audit_says", "gap"}:
            raise ValueError(f"{where}: keys must be project, module, cause, reason "
                             "(and optionally audit_says with gap)")
        if ("audit_says" in keys) != ("gap" in keys):
            raise ValueError(f"{where}: audit_says and gap go together")
        for field in ("cause", "audit_says"):
            if field in label and label[field] not in CAUSES:
                raise ValueError(f"{where}: {field} {label[field]!r} is not one of {CAUSES}")
        if label.get("audit_says") == label["cause"]:
            raise ValueError(f"{where}: audit_says equals cause; drop audit_says and gap")
        if not label["reason"].strip() or ("gap" in label and not label["gap"].strip()):
            raise ValueError(f"{where}: the reason is empty")
        key = (label["project"], label["module"])
        if key in labels:
            raise ValueError(f"{where}: {key} is labelled twice")
        labels[key] = label
    return labels


def compare(name: str, failures: list[dict[str, Any]],
            labels: dict[tuple[str, str], dict[str, str]],
            known: list[str] | None = None) -> list[str]:  # fmt: skip
    """Mismatches between one project's failures and its labels; known
    misclassifications (``audit_says``) go to ``known`` instead."""
    problems: list[str] = []
    known = [] if known is None else known
    seen = set()
    for failure in failures:
        key = (name, failure["module"])
        seen.add(key)
        label = labels.get(key)
        if label is None:
            problems.append(f"unlabelled: {failure['module']} ({failure['cause']}: "
                            f"{failure['error_type']}: {failure['message']})")  # fmt: skip
        elif label.get("audit_says") == failure["cause"]:
            known.append(f"{failure['module']}: {failure['cause']}, should be "
                         f"{label['cause']} (known gap: {label['gap']})")
        elif label["cause"] != failure["cause"] or "audit_says" in label:
            fixed = " (the known gap is fixed: drop audit_says and gap)" * (
                label["cause"] == failure["cause"])
            problems.append(f"{failure['module']}: {failure['cause']}, labelled "
                            f"{label['cause']} ({label['reason']}); ours: "
                            f"{failure['reason']}{fixed}")
    for key in sorted(k for k in labels if k[0] == name and k not in seen):
        problems.append(f"{key[1]}: labelled {labels[key]['cause']} but it imported fine")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", action="append", default=[], help="only this project")
    parser.add_argument("--save", type=Path, help="write every project's failures here")
    parser.add_argument("--mode", choices=["fork", "fresh"], default="fork",
                        help="how modules are isolated (the causes must not depend on it)")
    parser.add_argument("--auditor", type=Path, default=REPO,
                        help="folder holding the auditor package to run (default: this "
                             "checkout; e.g. a `git archive HEAD` snapshot)")
    args = parser.parse_args(argv)
    import corpus

    labels = load_labels()
    projects = corpus.select(corpus.load_projects(), args.project, step="imports")
    saved: dict[str, Any] = {}
    failed = False
    known_total = 0
    print(f"{'project':<14} {'modules':>7} {'failed':>6}  causes (first-party/required/optional/"
          f"undeclared/platform)  writes  verdict")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="corpus-imports-") as scratch:
        for project in projects:
            started = time.monotonic()
            section, problems = run_project(project, Path(scratch), args.mode, args.auditor)
            failures = list(section.get("failures", []))
            saved[project.name] = section
            known: list[str] = []
            if section:
                problems += compare(project.name, failures, labels, known)
            known_total += len(known)
            counts = section.get("cause_counts", {})
            causes = "/".join(str(counts.get(c, 0)) for c in CAUSES)
            verdict = "ok" if not problems else "MISMATCH"
            print(f"{project.name:<14} {section.get('modules_checked', 0):>7} {len(failures):>6}  "
                  f"{causes:<42} {section.get('write_count', 0):>6}  {verdict} "
                  f"({time.monotonic() - started:.0f} s)")  # fmt: skip
            for problem in problems:
                print(f"    {problem}")
            for note in known:
                print(f"    known misclassification: {note}")
            failed = failed or bool(problems)
    if args.save:
        args.save.write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
    labelled = sum(1 for key in labels if key[0] in {p.name for p in projects})
    verdict = "see the mismatches above" if failed else "all classified as labelled"
    if known_total and not failed:
        verdict = (f"all classified as labelled, except {known_total} known "
                   "misclassification(s) (audit_says in the labels)")
    print(f"{labelled} labelled failures over {len(projects)} projects: {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
