"""``audit report --only mocks`` cold and warm vs a plain libcst pass, on a corpus project.

The least any libcst-based reading of a suite must do is parse every file,
resolve positions and walk the tree once. That pass (one process, one
visitor counting calls, :data:`LIBCST_PASS`) is the baseline here; the audit
is run cold (the project's ``.audit/`` removed before the run: no parse
cache, nothing else cached either) and warm (the cache of the previous run
in place, nothing changed). The mocks analysis needs the test run (executed
assertion counts), so the whole audit is set against plain ``pytest`` plus
the libcst pass, and the audit's ``analysis:mocks`` phase (with ``analysis:mocks:prepare``,
the parse beside the suite; its phase
profile) against the pass's own parse time, interpreter start excluded.
bench/bench_mocks.py does the same on a generated 50,000-line suite.

The files of the pass are those the analysis reads: the test modules of its
report (``tests[].path``) with the ``conftest.py`` files of the test paths,
and every module of the packages; both counts are printed beside the
analysis's ``files_analyzed`` and ``source_files_analyzed``.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from audit_timing import (
    Timed,
    audit_command,
    auditor_env,
    has_module,
    interleave,
    read_report,
    run_timed,
    runner,
    times,
)

sys.path.insert(0, str(Path(__file__).resolve().parent / "corpus"))

import corpus

# Run by this repository's interpreter (it has libcst); prints its own seconds
# (after imports) on the last line.
LIBCST_PASS = """\
import json, sys, time
import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

class Calls(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)
    def __init__(self):
        self.count = 0
    def visit_Call(self, node):
        self.get_metadata(PositionProvider, node)
        self.count += 1

started = time.perf_counter()
calls = 0
for path in json.load(open(sys.argv[1], encoding="utf-8")):
    visitor = Calls()
    try:
        module = cst.parse_module(open(path, "rb").read())
    except cst.ParserSyntaxError:
        continue
    MetadataWrapper(module, unsafe_skip_copy=True).visit(visitor)
    calls += visitor.count
print(calls, time.perf_counter() - started)
"""


@dataclass
class MocksMeasured:
    """Side-by-side times, the pass's in-process seconds and the file counts."""

    timed: dict[str, Timed] = field(default_factory=dict)
    pass_seconds: list[float] = field(default_factory=list)
    pass_files: tuple[int, int] = (0, 0)  # test files, source files
    audit_files: tuple[int, int] = (0, 0)  # files_analyzed, source_files_analyzed
    warm_cache_hits: int = 0


def _mocks_section(document: dict[str, object]) -> dict[str, object]:
    analyses = document["analyses"]
    assert isinstance(analyses, dict)
    section = analyses["mocks"]
    assert isinstance(section, dict)
    return section


def pass_files(ready: corpus.Prepared, section: dict[str, object]) -> tuple[list[Path], int]:
    """The files the analysis read (tests first); how many of them are test files."""
    tests_seen = section["tests"]
    assert isinstance(tests_seen, list)
    tests = {(ready.root / t["path"]).resolve() for t in tests_seen}
    for test_path in ready.project.tests:
        tests |= {p.resolve() for p in (ready.root / test_path).rglob("conftest.py")}
    sources: set[Path] = set()
    for package in ready.project.packages:
        base = ready.import_root.joinpath(*package.split("."))
        found = [base.with_suffix(".py")] if base.with_suffix(".py").is_file() else sorted(
            base.rglob("*.py"))
        sources |= {p.resolve() for p in found if "__pycache__" not in p.parts}
    sources -= tests
    return sorted(tests) + sorted(sources), len(tests)


def bench_mocks(project: corpus.Project, rounds: int, home: Path) -> MocksMeasured:
    """Interleaved rounds of pytest, the libcst pass, and the audit (the auditor tree
    ``home``) cold and warm."""
    ready = corpus.prepare(project)
    try:
        root, python = ready.root, str(ready.python)
        config = ready.workdir / "audit-mocks.toml"
        corpus.write_audit_config(config, project, ready.python)
        outputs = {kind: ready.workdir / f"report-mocks-{kind}" for kind in ("cold", "warm")}
        commands = {kind: audit_command(root, "mocks", config, out)
                    for kind, out in outputs.items()}

        # Untimed first run: fills the cache, and says which files the analysis read.
        run_timed(commands["warm"], home, auditor_env(), Timed())
        section = _mocks_section(read_report(outputs["warm"]))
        files, test_count = pass_files(ready, section)
        listing = ready.workdir / "libcst-files.json"
        listing.write_text(json.dumps([str(p) for p in files]), encoding="utf-8")
        script = ready.workdir / "libcst_pass.py"
        script.write_text(LIBCST_PASS, encoding="utf-8")
        measured = MocksMeasured(
            timed={name: Timed() for name in ("pytest", "libcst pass", "audit --only mocks cold",
                                              "audit --only mocks warm")},
            pass_files=(test_count, len(files) - test_count),
            audit_files=(int(str(section["files_analyzed"])),
                         int(str(section["source_files_analyzed"]))),
        )
        no_cov = ["--no-cov"] if has_module(ready.python, "pytest_cov") else []

        def cold() -> None:
            shutil.rmtree(root / ".audit", ignore_errors=True)
            timed = measured.timed["audit --only mocks cold"]
            run_timed(commands["cold"], home, auditor_env(), timed)
            read_report(outputs["cold"], timed)

        def warm() -> None:
            timed = measured.timed["audit --only mocks warm"]
            run_timed(commands["warm"], home, auditor_env(), timed)
            hits = _mocks_section(read_report(outputs["warm"], timed))["cache_hits"]
            measured.warm_cache_hits = int(str(hits))

        def libcst_pass() -> None:
            out = run_timed([sys.executable, str(script), str(listing)], ready.workdir,
                            auditor_env(), measured.timed["libcst pass"])
            measured.pass_seconds.append(float(out.split()[-1]))

        variants: dict[str, Callable[[], None]] = {
            "pytest": runner([python, "-m", "pytest", "-q", *no_cov, *project.pytest_args,
                              *project.tests], root, ready.env, measured.timed["pytest"]),
            "libcst pass": libcst_pass, "cold": cold, "warm": warm,
        }
        interleave(variants, rounds)
        return measured
    finally:
        ready.cleanup()


def print_mocks(measured: MocksMeasured) -> list[tuple[str, str]]:
    """Print the comparison; its (measurement, figure) rows for the summary table."""
    t = measured.timed
    pytest_s, pass_s = t["pytest"].median, t["libcst pass"].median
    pass_inner = statistics.median(measured.pass_seconds)
    print(f"  mocks: libcst pass over {measured.pass_files[0]} test + {measured.pass_files[1]}"
          f" source files (the analysis: {measured.audit_files[0]} + {measured.audit_files[1]})"
          f"; warm run: {measured.warm_cache_hits} files from cache; libcst pass "
          f"{pass_s:.2f} s whole process, {pass_inner:.2f} s parsing")
    rows: list[tuple[str, str]] = []
    for kind in ("cold", "warm"):
        audit = t[f"audit --only mocks {kind}"]
        whole = audit.median / (pytest_s + pass_s)
        print(f"  audit --only mocks {kind} / (pytest + libcst pass): {whole:.2f}x   / pytest: "
              f"{audit.median / pytest_s:.2f}x   (audit {audit.spread()})")
        rows.append((f"audit --only mocks {kind} / (pytest + libcst pass)", f"{whole:.2f}x"))
        cpu = audit.cpu_median / (t["pytest"].cpu_median + t["libcst pass"].cpu_median)
        print(f"    CPU: audit --only mocks {kind} / (pytest + libcst pass): {cpu:.2f}x")
        rows.append((f"CPU: audit --only mocks {kind} / (pytest + libcst pass)", f"{cpu:.2f}x"))
        # the parse runs beside the suite when it can (analysis:mocks:prepare): both count
        medians = audit.phase_medians()
        phase = medians.get("analysis:mocks", 0.0) + medians.get("analysis:mocks:prepare", 0.0)
        if phase:
            print(f"    analysis:mocks phase {kind} / libcst pass (in-process parse): "
                  f"{times(phase / pass_inner)}")
            rows.append((f"analysis:mocks phase {kind} / libcst pass (parsing)",
                         times(phase / pass_inner)))
    return rows
