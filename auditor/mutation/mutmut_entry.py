"""The program behind the auditor's ``mutmut`` runs (``python -c`` in the stage).

It runs mutmut's own ``mutmut run`` command (mutmut 3.x) in the project's
interpreter and must import nothing from the auditor. It changes only what
costs time without deciding a verdict:

- mutmut's version is printed first (``AUDIT-MUTMUT-VERSION: x``), which
  saves the auditor a separate interpreter start to ask for it;
- the status line is recounted at most every 0.1 s and always at the end
  (mutmut recounts every mutant for each mutant it visits);
- without mutant names, the clean run covers the tests of the mutants that
  will be tested - what ``mutmut run NAMES`` does - and is left out when no
  mutant will be tested (their verdicts cannot depend on other tests);
- with ``AUDIT_SKIP_FORCED_FAIL`` set to this mutmut version, the forced-fail
  run (the check that ``MUTANT_UNDER_TEST`` reaches the mutated code) is left
  out: the auditor sets it only when the same stage setup passed that check
  in an earlier completed run;
- each mutant's covering tests run killers first: the tests that killed a
  mutant of the same function before (this run, earlier runs, the kill
  matrix: one file per function under ``AUDIT_MUTMUT_KILLERS``, which the
  stage's pytest plugin appends the failing test to), fastest first, then the
  others by duration (what mutmut's fork runner does for all of them). Only
  the order of the same tests changes, and pytest stops at the first failure
  (``-x``) either way, so the verdict is the same;
- with ``AUDIT_MUTMUT_RUNNER=session-fork`` the mutants are tested by the
  session-fork runner (:mod:`auditor.mutation.fork_session`, copied into the
  stage as ``audit_fork_session``): one pytest session collected once, a fork
  per mutant that runs its tests through pytest's own main loop. Where it
  cannot be used (no ``os.fork``, a mutmut whose internals differ, mutmut's
  ``process_isolation`` not ``fork``) mutmut's own runner runs; either way the
  runner file (``AUDIT_MUTMUT_RUNNER_FILE``) says which ran and why;
- the process ends with ``os._exit`` once mutmut is done and its output
  flushed (every result file is closed by then), skipping the teardown.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

VERSION_MARKER = "AUDIT-MUTMUT-VERSION: "
SKIP_FORCED_FAIL = "AUDIT_SKIP_FORCED_FAIL"
KILLERS_ENV = "AUDIT_MUTMUT_KILLERS"
"""Folder of the killer files, one per function (``<mangled name>.txt``, a node id a line)."""
KILLER_FILE_ENV = "AUDIT_MUTMUT_KILLER_FILE"
"""Set in each mutant's process: the killer file its pytest plugin appends a failing test to."""
RUNNER_ENV = "AUDIT_MUTMUT_RUNNER"
"""``session-fork`` (the default of ``[tool.audit.mutation] runner``) or ``mutmut``."""
RUNNER_FILE_ENV = "AUDIT_MUTMUT_RUNNER_FILE"
"""The runner file: ``kind<TAB>detail`` lines, which runner tested the mutants and why."""
SESSION_FORK = "session-fork"
ASKED_FOR = "asked for"
"""The runner file's detail when ``[tool.audit.mutation] runner = "mutmut"`` chose it."""
RUNNER_MODULE = "audit_fork_session"
_STATUS_INTERVAL_SECONDS = 0.1


_PATCHED = (
    "print_stats",
    "collect_source_file_mutation_data",
    "tests_for_mutant_names",
    "mangled_name_from_mutant_name",
    "run_forced_fail_test",
)


def killer_file(folder: str, mangled: str) -> str:
    """The file of the tests that killed mutants of the function ``mangled``."""
    return os.path.join(folder, mangled.replace(os.sep, "_") + ".txt")


def read_killers(path: str) -> list[str]:
    """Node ids in ``path``, most recent kill first, each once (none when it is missing)."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = [line.strip() for line in handle]
    except OSError:
        return []
    return list(dict.fromkeys(line for line in reversed(lines) if line))


def killers_first(tests: list[str], killers: list[str], duration: dict[str, float]) -> list[str]:
    """``tests`` reordered: the known killers among them, then the rest; each group fastest first.

    The same tests, only in another order (sorted is stable: ties keep the order given).
    """
    known = set(killers)
    return sorted(tests, key=lambda t: (t not in known, duration.get(t, 0.0)))


def _order_for_mutant(mangled_of: Any) -> Any:
    """The order of a mutant's tests: mutmut's (fastest first), then known killers first.

    Also points the process's killer file at the mutant's function (the
    process tests one mutant, then exits).
    """
    from mutmut.state import state

    folder = os.environ.get(KILLERS_ENV, "")

    def order(mutant_name: str, tests: list[str]) -> list[str]:
        duration = state().duration_by_test
        tests = sorted(tests, key=lambda t: duration.get(t, 0.0))
        if not folder or "__mutmut_" not in mutant_name:
            return tests
        path = killer_file(folder, mangled_of(mutant_name))
        os.environ[KILLER_FILE_ENV] = path
        return killers_first(tests, read_killers(path), duration)

    return order


def _patch_test_order(harness: Any, order: Any) -> None:
    """Order each mutant's tests killers first (see the module docstring)."""
    if not os.environ.get(KILLERS_ENV, ""):
        return
    original_run_tests = harness.PytestRunner.run_tests

    def run_tests(self: Any, *, mutant_name: str | None, tests: Any) -> int:
        if mutant_name and "__mutmut_" in mutant_name:
            tests = order(mutant_name, list(tests))
        return int(original_run_tests(self, mutant_name=mutant_name, tests=tests))

    harness.PytestRunner.run_tests = run_tests


def _record_runner(kind: str, detail: str) -> None:
    path = os.environ.get(RUNNER_FILE_ENV, "")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{kind}\t{detail}\n")


def _install_runner(main: Any, order: Any) -> None:
    """The session-fork runner when asked for and usable; otherwise mutmut's (recorded)."""
    asked = os.environ.get(RUNNER_ENV, "")
    if asked != SESSION_FORK:
        _record_runner("mutmut", ASKED_FOR)
        return
    if not hasattr(os, "fork"):
        _record_runner("mutmut", "no os.fork on this platform")
        return
    if not hasattr(main, "get_mutant_runner"):
        _record_runner("mutmut", "this mutmut has no get_mutant_runner to replace")
        return
    try:
        fork_session = __import__(RUNNER_MODULE)
    except ImportError as exc:  # a mutmut whose internals differ from 3.8's
        _record_runner("mutmut", f"the session-fork runner cannot load: {exc}")
        return
    fork_session.install(main, order)


def _patch(main: Any, version: str) -> None:
    """Install the changes listed in the module docstring into ``mutmut.__main__``.

    A mutmut whose internals differ from 3.8's is left as it is.
    """
    try:
        from mutmut.runners import harness
        from mutmut.state import state
        from mutmut.utils.format_utils import mangled_name_from_mutant_name
        from mutmut.workers import isolation
    except ImportError:
        return
    runner_classes: list[Any] = [
        getattr(isolation, n, None) for n in ("ForkRunner", "ForkServerRunner")
    ]
    if not all(hasattr(main, name) for name in _PATCHED) or None in runner_classes:
        return
    order = _order_for_mutant(mangled_name_from_mutant_name)
    if hasattr(harness, "PytestRunner"):
        _patch_test_order(harness, order)
    _install_runner(main, order)

    original_print_stats = main.print_stats
    last_status = [0.0]

    def print_stats(data: Any, force_output: bool = False) -> None:
        now = time.monotonic()
        if force_output or now - last_status[0] >= _STATUS_INTERVAL_SECONDS:
            last_status[0] = now
            original_print_stats(data, force_output=force_output)

    main.print_stats = print_stats

    original_collect = main.collect_source_file_mutation_data
    selected: dict[str, Any] = {}

    def collect_source_file_mutation_data(*, mutant_names: Any) -> Any:
        found = original_collect(mutant_names=mutant_names)
        if not mutant_names:
            selected["mutants"] = found[0]
        return found

    main.collect_source_file_mutation_data = collect_source_file_mutation_data

    original_tests_for = main.tests_for_mutant_names

    def tests_for_mutant_names(mutant_names: Any) -> set[str]:
        if mutant_names or "mutants" not in selected:
            return set(original_tests_for(mutant_names))
        # the same test lookup as mutmut's loop over the mutants to test
        tests: set[str] = set()
        for _data, name, result in selected["mutants"]:
            if result is None:
                mangled = main.mangled_name_from_mutant_name(name.replace("__init__.", ""))
                tests |= set(state().tests_by_mangled_function_name.get(mangled, ()))
        selected["clean_tests"] = tests
        return tests

    main.tests_for_mutant_names = tests_for_mutant_names

    for runner_class in runner_classes:
        original_clean = runner_class.run_clean_tests

        def run_clean_tests(self: Any, tests: Any, _original: Any = original_clean) -> int:
            if not tests and "clean_tests" in selected:
                return 0  # no mutant will be tested: nothing for a clean run to vouch for
            return int(_original(self, tests=tests))

        setattr(runner_class, "run_clean_tests", run_clean_tests)  # noqa: B010

    if os.environ.get(SKIP_FORCED_FAIL) == version:

        def run_forced_fail_test(runner: Any) -> None:
            print("    forced fail test: passed in an earlier run with this setup")

        main.run_forced_fail_test = run_forced_fail_test


def main() -> None:
    sys.argv[0] = "mutmut"
    import mutmut
    import mutmut.__main__ as mutmut_main

    version = str(mutmut.__version__)
    print(VERSION_MARKER + version, flush=True)
    _patch(mutmut_main, version)
    code = 0
    try:
        mutmut_main.cli()
    except SystemExit as exc:
        if isinstance(exc.code, int):
            code = exc.code
        elif exc.code is not None:  # SystemExit("message"): printed, exit code 1
            print(exc.code, file=sys.stderr)
            code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
