"""One collection for the runs of a stage worker (explanations, kill matrix).

The explanation worker (:mod:`auditor.mutation.explain_worker`) and the
kill-matrix worker (:mod:`auditor.mutation.killmatrix_worker`) run the
covering tests of many mutants, each in a forked child. A child that calls
``pytest.main`` configures pytest, loads the plugins and conftests, imports
and rewrites the test modules and collects its tests before the first test
runs: measured on the explanation tests' fixture (46 survivors, tests of a
few milliseconds), about 0.4 s per run, 20 of the step's 21 s. As the
session-fork runner does for mutmut's own runs
(:mod:`auditor.mutation.fork_session`), a *session process* here calls
``pytest.main`` once with the tests of every run, and its
``pytest_runtestloop`` hook (tryfirst) forks a child per run; the child puts
its run's tests into ``session.items`` and returns, so pytest's own main
loop runs them (setup and teardown of every fixture scope, reports, exit
status) and ``pytest.main`` returns in the child. No test runs in the
session process itself.

A run is left to the worker's own fresh ``pytest.main`` (the way every run
went before) when the shared collection cannot stand for the run's own:

- a mutated function ran before the first test (a configure hook, a
  ``pytest_generate_tests``, a module-level call at import): under its
  mutant, a fresh collection could differ, so its mutants' runs are fresh;
- one of the run's tests is not in the shared collection;
- the session could not collect at all (nothing is served, every run is
  fresh), or collected with errors where the worker says that matters.

The worker's own code is a *plan*: a generator that yields one request per
child it wants and gets the child's pid back (:func:`drive`); it waits for
its children itself. The same plan runs in the session process (each child
a fork of the collected session) and in the worker's main process (each
child a fresh ``pytest.main``), so limits, timeouts, hangs and crashes are
handled by one piece of code either way.

Loaded by the workers from this file (under a name of its own); it runs in
the project's interpreter and imports nothing from the auditor.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import select
import signal
import sys
from collections.abc import Callable, Generator
from typing import Any

import pytest

Plan = Generator[Any, int, None]
"""Yields a request per child to fork; receives that child's pid."""

_WATCH: dict[str, Any] = {"called": set(), "unknown": False, "restore": None}


def drive(
    plan: Plan,
    child: Callable[[Any], None] | None = None,
    parent: int | None = None,
    before_fork: Callable[[], None] | None = None,
) -> Any:
    """Fork a child per request of ``plan`` and send its pid back into the plan.

    In a child: ``child(request)`` when given (it must not return: the child
    exits), else the request is returned (the session's hook runs it).
    Returns None in the parent once the plan is done, or once the process
    ``parent`` (the worker, when this is its session process) has ended: a
    worker stopped at its time limit leaves no session forking on.
    ``before_fork`` runs before each fork (the session's :meth:`Session.warm_up`).
    """
    try:
        request = next(plan)
        while True:
            if parent is not None and os.getppid() != parent:
                plan.close()
                return None
            if before_fork is not None:
                before_fork()
            pid = os.fork()
            if pid == 0:
                if child is None:
                    return request
                try:
                    child(request)
                finally:
                    os._exit(1)
            request = plan.send(pid)
    except StopIteration:
        return None


def watch_collection() -> None:
    """Note every mutated function that runs until :func:`stop_watching` (the session's
    configuration and collection), by its key ``module.xǁClassǁname``.

    mutmut's trampoline asks ``get_mutant_under_test`` on every call, after it has
    picked the original (``orig_func``): the question is answered as before, and
    the asking trampoline's original names the function. Nothing stays wrapped after
    the collection.
    """
    from mutmut.mutation import trampoline

    _WATCH.update(called=set(), unknown=False)
    original = getattr(trampoline, "get_mutant_under_test", None)
    if original is None:  # a mutmut without it: no run can be judged safe to share
        _WATCH["unknown"] = True
        return

    def get_mutant_under_test() -> Any:
        frame = sys._getframe(1)
        func = frame.f_locals.get("orig_func")
        name = str(getattr(func, "__name__", ""))
        module = str(getattr(func, "__module__", ""))
        if name.endswith("__mutmut_orig") and module:
            _WATCH["called"].add(f"{module}.{name.removesuffix('__mutmut_orig')}")
        else:
            _WATCH["unknown"] = True
        return original()

    trampoline.get_mutant_under_test = get_mutant_under_test
    _WATCH["restore"] = lambda: setattr(trampoline, "get_mutant_under_test", original)


def stop_watching() -> tuple[set[str], bool]:
    """(functions that ran, whether some call could not be named) since the watch began."""
    restore = _WATCH["restore"]
    if restore is not None:
        restore()
        _WATCH["restore"] = None
    return set(_WATCH["called"]), bool(_WATCH["unknown"])


class Session:
    """The session process's plugin: once collected, ``serve(self)`` runs the plan.

    ``serve`` returns None in the session process (all served) and the request in a
    child; ``prepare(request)`` then sets the child up and returns its tests.
    """

    def __init__(
        self,
        serve: Callable[[Session], Any],
        prepare: Callable[[Any], list[str]],
        imports_file: str,
    ) -> None:
        self.serve, self.prepare = serve, prepare
        self.imports_file = imports_file
        with contextlib.suppress(FileNotFoundError):
            os.unlink(imports_file)  # a previous job's
        self.collected_modules: set[str] = set()
        self.warmed = False
        self.frozen = False
        self.items: dict[str, Any] = {}
        self.called: set[str] = set()
        self.unknown = False
        self.collection_errors = 0
        self.served = False
        self.request: Any = None  # in a child: what it runs

    @pytest.hookimpl(tryfirst=True)  # before pytest's own loop (and any plugin's)
    def pytest_runtestloop(self, session: Any) -> bool | None:
        self.called, self.unknown = stop_watching()
        self.items = {item.nodeid: item for item in session.items}
        self.collection_errors = int(session.testsfailed)
        self.collected_modules = set(sys.modules)
        self.served = True
        request = self.serve(self)
        if request is None:
            return True  # every run served: the session itself runs no test
        self.request = request
        tests = self.prepare(request)
        session.items = [self.items[test] for test in tests]
        session.testscollected = len(session.items)
        session.testsfailed = 0  # a collection error elsewhere is not this run's
        _fresh_capture(session.config)
        return None  # pytest's own main loop runs the child's tests

    def note_imports(self) -> None:
        """In the first child to end: the modules its run imported from outside the project
        (cwd), for :meth:`warm_up`."""
        home = os.path.abspath(os.getcwd()) + os.sep
        names = []
        for name, module in list(sys.modules.items()):
            where = str(getattr(module, "__file__", "") or "")
            if name in self.collected_modules or name.startswith("audit_"):
                continue
            if where and os.path.abspath(where).startswith(home):
                continue  # the project's code and tests: imported under the run's mutant
            names.append(name)
        try:
            fd = os.open(self.imports_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            return  # another run noted them first
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("".join(f"{name}\n" for name in names))

    def warm_up(self) -> None:
        """Before the next fork: import what the first run imported on its way (once).

        A run imports more than its collection did: pytest's terminal summary of
        the Hypothesis plugin imports all of Hypothesis, 0.5 s of the 0.6 s a run
        of one fast test took. Imported here, each later run inherits it.
        """
        if not self.frozen:
            # what the collection left behind is collected once here, and the rest frozen:
            # pytest's unconfigure collects twice in every run (unraisable exceptions), and
            # frozen objects are not scanned again (0.08 of a 0.1 s run on the fixture)
            gc.collect()
            gc.freeze()
            self.frozen = True
        if self.warmed or not os.path.exists(self.imports_file):
            return
        self.warmed = True
        with open(self.imports_file, encoding="utf-8") as handle:
            names = handle.read().split()
        for name in names:
            with contextlib.suppress(Exception):
                importlib.import_module(name)
        gc.freeze()

    def shareable(self, function: str, tests: list[str]) -> bool:
        """Can the shared collection stand for a fresh one of these tests of ``function``?"""
        if self.unknown or function in self.called:
            return False
        return all(test in self.items for test in tests)


def _fresh_capture(config: Any) -> None:
    """A capture of the child's own: the session's capture files are shared with every fork."""
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is None:
        return
    capman.stop_global_capturing()
    capman.start_global_capturing()
    capman.suspend_global_capture()  # as between two tests


def start(run: Callable[[int], None], start_limit: float) -> tuple[int, bool]:
    """Fork the session process: ``run(ready_fd)`` writes a byte to ``ready_fd`` once it has
    collected, and never returns. Returns (its pid, whether it collected in ``start_limit``
    seconds); a session that did not is killed (its runs go fresh)."""
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        try:
            run(ready_w)
        finally:
            os._exit(1)
    os.close(ready_w)
    readable, _, _ = select.select([ready_r], [], [], start_limit)
    collected = bool(readable) and os.read(ready_r, 1) == b"c"
    os.close(ready_r)
    if not collected:
        # a session that ended before collecting is reaped here; one still starting is killed
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pid, collected


def silence() -> None:
    """Send this process's output (and its children's) to /dev/null."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
