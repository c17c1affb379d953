"""How the suite is spread over xdist workers: test by test, a shared fixture once.

Most tests are independent and go to whichever worker is free. A test module
that defines a module- or class-scoped fixture (one mutmut run, one wheel
build, one browser, shared by several tests that each assert one thing about
it) keeps all its tests on one worker: spread over two workers, the fixture
would be built twice. Modules that share a session-scoped fixture of a
conftest (the audit of tests/reports/shop.py) say so with xdist's own idiom,
``pytest.mark.xdist_group("name")`` in their ``pytestmark``; every module
naming one group goes to one worker.

Work units go out costliest first (longest-processing-time order): a long
unit started last would leave one worker running alone at the end while the
other idles. The cost of a unit is its tests' share of their file's wall time
in ``suite_costs.tsv`` (one full run, written by ``bench/bench_suite.py
--write-costs``); stale figures only make the order less good, never wrong.

xdist's own ``--dist loadgroup`` would do this with ``xdist_group`` marks, but
with pytest 9.2 it silently does nothing: xdist 3.8 appends the group to
``item._nodeid``, and pytest 9.2 reads a node's id from ``item._id``. So the
scheduler here decides the groups on the controller, from the test files'
text, before any worker has collected.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

COSTS = Path(__file__).with_name("suite_costs.tsv")
# Seconds a test of a file the costs table does not list is counted as.
UNLISTED_TEST_SECONDS = 0.1

# ``@pytest.fixture(scope="module")`` and friends, the way this suite writes them.
_SHARED_FIXTURE = re.compile(r"""@pytest\.fixture\(\s*scope\s*=\s*["'](module|class|package)["']""")
_GROUP_MARK = re.compile(r"""pytest\.mark\.xdist_group\(\s*(?:name\s*=\s*)?["']([^"']+)["']""")


@cache
def _unit_of_module(test_file: Path, module: str) -> str | None:
    """The work unit all tests of the module belong to, or None to spread them."""
    try:
        text = test_file.read_text(encoding="utf-8")
    except OSError:  # a nodeid that is not a file (there is none today): spread it
        return None
    group = _GROUP_MARK.search(text)
    if group is not None:
        return f"group:{group.group(1)}"
    return module if _SHARED_FIXTURE.search(text) else None


def seconds_per_test(costs: Path = COSTS) -> dict[str, float]:
    """{test file: wall seconds per test} from the costs table (empty if it is missing)."""
    try:
        lines = costs.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    table = {}
    for line in lines:
        if line.strip() and not line.startswith("#"):
            path, tests, wall = line.split("\t")[:3]
            table[path] = float(wall) / max(int(tests), 1)
    return table


def costliest_first(units: dict[str, dict[str, bool]],
                    per_test: dict[str, float]) -> list[tuple[str, dict[str, bool]]]:
    """The work units by estimated cost, highest first; equal costs keep their order."""
    def cost(unit: tuple[str, dict[str, bool]]) -> float:
        return sum(per_test.get(nodeid.split("::", 1)[0], UNLISTED_TEST_SECONDS)
                   for nodeid in unit[1])
    return sorted(units.items(), key=lambda unit: -cost(unit))


class ModuleFixtureScheduling(LoadScopeScheduling):
    """Per-test load balancing, except modules with shared fixtures, which are one unit."""

    _ordered = False

    def _assign_work_unit(self, node: WorkerController) -> None:
        """Hand out the next unit; before the first one, order the queue costliest first."""
        if not self._ordered:  # the queue is complete when schedule() hands out the first unit
            self._ordered = True
            ordered = costliest_first(self.workqueue, seconds_per_test())
            self.workqueue.clear()
            self.workqueue.update(ordered)
        super()._assign_work_unit(node)

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        unit = _unit_of_module(Path(self.config.rootpath) / module, module)
        return nodeid if unit is None else unit
