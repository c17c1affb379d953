"""pytest plugin for ``audit flaky``: run tests in a seeded shuffled or a given order.

Standalone and stdlib-only (it is loaded into the audited project's own
interpreter with ``-p audit_shuffle_plugin``, which may not have the auditor
installed). Options:

``--audit-shuffle-seed N``
    shuffle the collected tests with ``random.Random(N)`` (the same seed and
    the same collection give the same order, so a failure reproduces);
``--audit-order-from FILE``
    run exactly the tests listed in FILE (a JSON list of node ids), in that
    order, deselecting every other test (used to bisect for a polluter and to
    replay a failing order);
``--audit-order-report FILE``
    write ``{"seed", "order", "outcomes"}`` as JSON at the end of the session:
    the order in which tests actually ran and each test's outcome
    (``passed``, ``failed``, ``error``, ``skipped``, ``xfailed``, ``xpassed``).
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

_order: list[str] = []
_outcomes: dict[str, str] = {}


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("audit-shuffle", "test-auditor test ordering")
    group.addoption("--audit-shuffle-seed", type=int, default=None, help="shuffle with this seed")
    group.addoption(
        "--audit-order-from", default=None, help="JSON list of node ids to run, in order"
    )
    group.addoption("--audit-order-report", default=None, help="write executed order and outcomes")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: Any, config: Any, items: list[Any]) -> None:
    order_file = config.getoption("audit_order_from")
    seed = config.getoption("audit_shuffle_seed")
    if order_file:
        with open(order_file, encoding="utf-8") as handle:
            wanted = json.load(handle)
        by_id = {item.nodeid: item for item in items}
        missing = [nodeid for nodeid in wanted if nodeid not in by_id]
        if missing:
            raise pytest.UsageError(f"--audit-order-from: tests not collected: {missing[:5]}")
        keep = set(wanted)
        config.hook.pytest_deselected(items=[i for i in items if i.nodeid not in keep])
        items[:] = [by_id[nodeid] for nodeid in wanted]
    elif seed is not None:
        random.Random(seed).shuffle(items)


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    _order.append(nodeid)


def pytest_runtest_logreport(report: Any) -> None:
    if report.when == "call":
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else "xpassed"
        else:
            outcome = report.outcome
        _outcomes[report.nodeid] = outcome
    elif report.failed:
        # A failing setup or teardown is an error of the test (keep a call failure).
        if _outcomes.get(report.nodeid) != "failed":
            _outcomes[report.nodeid] = "error"
    elif report.skipped and report.nodeid not in _outcomes:
        _outcomes[report.nodeid] = "xfailed" if hasattr(report, "wasxfail") else "skipped"


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    target = session.config.getoption("audit_order_report")
    if target:
        document = {
            "seed": session.config.getoption("audit_shuffle_seed"),
            "order": _order,
            "outcomes": _outcomes,
        }
        with open(target, "w", encoding="utf-8") as handle:
            json.dump(document, handle)
