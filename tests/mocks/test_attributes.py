"""mock-no-spec on mocks stored on attributes of first-party objects: what the
attribute holds is read from the class under audit (``self.events =
selectors.DefaultSelector()``, a method returning a thread pool), not taken from
the owner's module. Each case is a small real project analysed from its files;
the expected verdicts follow from reading the class by hand."""

from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.mocks.engine import analyse_project
from auditor.mocks.evaluate import Settings
from auditor.mocks.result import MocksResult
from auditor.project import PackageLocation
from tests.mocks.projects import write_files

WORKER = textwrap.dedent("""\
    import selectors
    from concurrent import futures

    from pkg.tmp import WorkerTmp


    class Worker:
        def __init__(self, cfg):
            self.cfg = cfg
            self.events = None
            self.tpool = None
            self.tmp = WorkerTmp()

        def init_process(self):
            self.events = selectors.DefaultSelector()
            self.tpool = self.get_thread_pool()

        def get_thread_pool(self):
            return futures.ThreadPoolExecutor(max_workers=2)

        def run(self):
            self.tmp.notify()
            return self.events.wait(0), self.tpool.start(print)
    """)

TMP = textwrap.dedent("""\
    class WorkerTmp:
        def notify(self):
            return None
    """)

# The test module's header: five lines before the test body.
HEADER = "from unittest import mock\n\nfrom pkg.worker import Worker\n\n\n"


def _analyse(tmp_path: Path, test_body: str, extra: dict[str, str] | None = None,
             enabled: list[str] | None = None) -> MocksResult:
    write_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/worker.py": WORKER,
        "pkg/tmp.py": TMP,
        **(extra or {}),
        "tests/__init__.py": "",
        "tests/test_worker.py": HEADER + textwrap.dedent(test_body),
    })
    return analyse_project(tmp_path, [PackageLocation("pkg", tmp_path / "pkg", tmp_path)],
                           [tmp_path / "tests"],
                           Settings(packages=["pkg"], enabled=enabled or []), workers=1)


def _no_spec_lines(result: MocksResult) -> list[int]:
    return sorted(f.line for f in result.active if f.rule == "mock-no-spec")


def test_attributes_holding_stdlib_objects_are_not_reported(tmp_path: Path) -> None:
    # events: init_process sets selectors.DefaultSelector(); tpool: get_thread_pool
    # returns futures.ThreadPoolExecutor(...); tmp: pkg.tmp.WorkerTmp, first-party
    # (line 11 of the test module: the header's five lines, the def, the constructor,
    # four lines on events and tpool; ``wait`` and ``start`` are no selector's or
    # pool's methods, so the attribute alone decides)
    result = _analyse(tmp_path, """\
        def test_run():
            worker = Worker(cfg=None)
            worker.events = mock.Mock()
            worker.events.wait.return_value = []
            worker.tpool = mock.Mock()
            worker.tpool.start.return_value = None
            worker.tmp = mock.Mock()
            worker.tmp.notify.return_value = None
            assert worker.run() == ([], None)
        """)
    assert _no_spec_lines(result) == [12]
    assert "worker.tmp" in next(f.message for f in result.active if f.rule == "mock-no-spec")


def test_owner_unknown_every_class_setting_the_attribute_must_agree(tmp_path: Path) -> None:
    # the worker comes from a helper (its class is not known statically); another
    # class of the package keeps a first-party object in ``events``: reported
    other = textwrap.dedent("""\
        from pkg.tmp import WorkerTmp


        class Other:
            def start(self):
                self.events = WorkerTmp()
        """)
    body = """\
        def make_worker():
            return Worker(cfg=None)


        def test_run():
            worker = make_worker()
            worker.events = mock.Mock()
            worker.events.wait.return_value = []
            assert worker.run() is not None
        """
    assert _no_spec_lines(_analyse(tmp_path / "agree", body)) == []
    assert _no_spec_lines(_analyse(tmp_path / "mixed", body, {"pkg/other.py": other})) == [12]


def test_mock_used_only_through_the_socket_api_is_not_reported(tmp_path: Path) -> None:
    # ``accept`` and ``getsockname`` are socket.socket's; ``notify`` is no socket's
    result = _analyse(tmp_path, """\
        def test_accept():
            listener = mock.Mock()
            listener.accept.return_value = (None, ("127.0.0.1", 80))
            listener.getsockname.return_value = ("127.0.0.1", 80)
            conn = mock.Mock()
            conn.notify.return_value = None
            conn.close.return_value = None
            assert Worker(cfg=[listener, conn]).cfg[0] is listener
        """)
    assert _no_spec_lines(result) == [10]


def test_instance_built_with_new_is_an_instance_of_the_class(tmp_path: Path) -> None:
    # ``Worker.__new__(Worker)`` skips __init__: ``cfg`` is still an attribute its
    # methods set (no finding), ``nothing`` is set by none of them (a stale stub);
    # before, the object was taken for the attribute ``Worker.__new__`` and the
    # messages named ``pkg.worker.Worker.__new__.cfg``
    result = _analyse(tmp_path, """\
        def test_bare():
            worker = Worker.__new__(Worker)
            worker.cfg = mock.Mock(threads=1)
            worker.nothing = mock.Mock()
            assert worker.cfg.threads == 1
        """, enabled=["mock-internal"])
    unresolved = [(f.line, f.message) for f in result.active if f.rule == "mock-unresolved"]
    assert [line for line, _ in unresolved] == [9]
    assert "worker.nothing" in unresolved[0][1]
    assert all("__new__" not in f.message for f in result.findings)
